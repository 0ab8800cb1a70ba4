"""Slows down a client that guesses survey tokens.

Tokens carry 256 random bits, so guessing one is hopeless; the limit makes scanning visible
and cheap to refuse. Unknown tokens are counted per client address in the shared cache, in
fixed windows. Past the limit, every unknown token from that address gets 429 with
Retry-After until the window ends (instead of 404). A valid token always works and never
counts, whoever sends it: a rater behind the same office NAT as a scanner, or saving fifty
times, is never refused, and the survey's hot path never touches the cache.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import ngettext

from core.clients import client_address


def _window() -> tuple[int, int]:
    """The current window's number and the seconds left in it."""
    length = settings.SURVEY_GUESS_WINDOW_SECONDS
    now = time.time()
    return int(now // length), max(1, int(length - now % length + 0.999))


def _key(address: str, window: int) -> str:
    return f"survey-guesses:{address}:{window}"


def guessing_retry_after(request) -> int | None:
    """Seconds until this client may try unknown tokens again, or None when not slowed."""
    window, seconds_left = _window()
    misses = cache.get(_key(client_address(request), window), 0)
    return seconds_left if misses >= settings.SURVEY_GUESS_LIMIT else None


def guessing_record_miss(request) -> int | None:
    """Count one unknown token; the Retry-After seconds if the client is now past the limit."""
    retry_after = guessing_retry_after(request)
    if retry_after is not None:
        return retry_after  # already refused: no need to count further
    window, _ = _window()
    key = _key(client_address(request), window)
    # add + incr: atomic on Redis, so concurrent misses from many workers all count.
    cache.add(key, 0, timeout=settings.SURVEY_GUESS_WINDOW_SECONDS + 5)
    try:
        cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=settings.SURVEY_GUESS_WINDOW_SECONDS + 5)
    return None


def guessing_message(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return ngettext(
        "Too many unknown survey links from your network. Please wait %(minutes)d minute "
        "before trying again, and use the link in your most recent email.",
        "Too many unknown survey links from your network. Please wait %(minutes)d minutes "
        "before trying again, and use the link in your most recent email.",
        minutes,
    ) % {"minutes": minutes}


def guessing_forget(address: str) -> None:
    """Clear a client's count (tests, and support staff unblocking an office)."""
    window, _ = _window()
    cache.delete_many([_key(address, window - 1), _key(address, window)])
