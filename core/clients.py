"""Who is asking: the client's address, read the same way by every throttle and lockout."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        # Only the entries our own proxies appended can be trusted: count from the right.
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def client_ip(request) -> str | None:
    """The client's address as a valid IP, or None when there is none to trust.

    Stored in IP-typed columns (the login lockout's), so anything else must not get
    through: a header written by a client when TRUSTED_PROXY_COUNT is set too high, or
    an empty REMOTE_ADDR behind a Unix socket. Then the peer's own address is used.
    """
    for candidate in (client_address(request), request.META.get("REMOTE_ADDR", "")):
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None
