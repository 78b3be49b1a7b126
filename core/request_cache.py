"""Answers computed once per request. A page and the switcher's badges above it often ask the
same question (what is unpaid, which readings are due) about the same companies; the answer is
kept on the request (flask.g) and ends with it, so no other request, and no other customer,
ever sees it, and nothing can go stale across a write of another request."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import g

T = TypeVar("T")


def per_request(question: str, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`'s answer to `question` for `key`, computed at most once in this request."""
    kept: dict[tuple[str, Hashable], object] = g.setdefault("request_cache", {})
    if (question, key) not in kept:
        kept[question, key] = compute()
    return kept[question, key]  # type: ignore[return-value]  # stored by this function
