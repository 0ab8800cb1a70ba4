"""Slows down a client that guesses survey tokens.

Tokens carry 256 random bits, so guessing one is hopeless; the limit keeps a scanner from
costing us a database lookup per try and makes it visible. Unknown tokens are counted per
client address in the shared cache, in fixed windows. Past the limit, every survey request
from that address gets 429 until the window ends, valid tokens included: answering a valid
token normally would tell the scanner which guess hit. A rater using their own link never
adds to the count, however often they save.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

GUESSING_MESSAGE = (
    "Too many unknown survey links from your network. Please wait {minutes} before trying "
    "again, and use the link in your most recent email."
)


def client_address(request) -> str:
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        # Only the entries our own proxies appended can be trusted: count from the right.
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _window() -> tuple[int, int]:
    """The current window's number and the seconds left in it."""
    length = settings.SURVEY_GUESS_WINDOW_SECONDS
    now = time.time()
    return int(now // length), max(1, int(length - now % length + 0.999))


def _key(address: str, window: int) -> str:
    return f"survey-guesses:{address}:{window}"


def guessing_retry_after(request) -> int | None:
    """Seconds until this client may try again, or None when it is not being slowed."""
    window, seconds_left = _window()
    misses = cache.get(_key(client_address(request), window), 0)
    return seconds_left if misses >= settings.SURVEY_GUESS_LIMIT else None


def guessing_record_miss(request) -> None:
    window, _ = _window()
    key = _key(client_address(request), window)
    # add + incr: atomic on Redis, so concurrent misses from many workers all count.
    cache.add(key, 0, timeout=settings.SURVEY_GUESS_WINDOW_SECONDS + 5)
    try:
        cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=settings.SURVEY_GUESS_WINDOW_SECONDS + 5)


def guessing_message(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return GUESSING_MESSAGE.format(minutes=f"{minutes} minute{'s' if minutes != 1 else ''}")


def guessing_forget(address: str) -> None:
    """Clear a client's count (tests, and support staff unblocking an office)."""
    window, _ = _window()
    cache.delete_many([_key(address, window - 1), _key(address, window)])
