"""Rate limits on API endpoints: 429 with Retry-After and the usual JSON error."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from ..ratelimits import RateLimiter, client_key, warn_now_and_then
from ._http import error

log = logging.getLogger("sprankel.api")


@dataclass(frozen=True)
class Rule:
    limiter: RateLimiter
    key: Callable[[Request], str]
    what: str  # "sessions created from your address", for the message


def client_address(request: Request) -> str:
    """The client's key: behind --trusted-proxies, the address the proxy forwarded."""
    return client_key(request.client.host if request.client else None)


def per_address(limiter: RateLimiter, what: str) -> Rule:
    return Rule(limiter, client_address, f"{what} from your address")


def per_path_param(limiter: RateLimiter, param: str, what: str) -> Rule:
    # Ids are at most 64 characters; a longer one is no id, and must not cost memory.
    return Rule(limiter, lambda request: str(request.path_params.get(param, ""))[:64], what)


def too_many(retry_after_s: int, message: str) -> Response:
    response = error(429, "rate_limited", message)
    response.headers["Retry-After"] = str(retry_after_s)
    return response


def refusal(request: Request, *rules: Rule) -> Response | None:
    """A 429 while any rule's limit is spent (checked in order, each counts), else None."""
    for rule in rules:
        wait = rule.limiter.take(rule.key(request))
        if wait:
            warn_now_and_then(log, rule.what, "rate limited: %s (%d a minute) %s %s",
                              rule.what, rule.limiter.per_minute, request.method,
                              request.url.path)
            return too_many(wait, f"too many {rule.what}: at most {rule.limiter.per_minute} "
                                  f"a minute; try again in {wait} s")
    return None
