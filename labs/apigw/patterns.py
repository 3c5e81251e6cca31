"""Selection patterns: regular expressions a learner writes, compiled and matched within bounds.

API Gateway picks a custom integration's integration response by matching each selection pattern against
the backend's status code or a Lambda function's errorMessage. Here the pattern is learner input run by a
shared worker, so it is compiled with the ``regex`` package (Python's ``re`` syntax and more) and matched
with a time limit: a pattern that backtracks without end (``(a+)+$``), nests a thousand groups deep or is
longer than ``MAX_PATTERN`` is reported, never run for longer than ``MATCH_TIMEOUT_S``.
"""

from __future__ import annotations

from functools import lru_cache

import regex

MAX_PATTERN = 1000
MATCH_TIMEOUT_S = 0.05


@lru_cache(maxsize=512)
def compile_pattern(text: str) -> tuple[regex.Pattern | None, str]:
    """(the compiled pattern, "") or (None, what is wrong with it)."""
    if len(text) > MAX_PATTERN:
        return None, f"it is longer than {MAX_PATTERN} characters"
    try:
        return regex.compile(text, regex.S), ""
    except regex.error as exc:
        return None, str(exc)
    except (RecursionError, OverflowError, MemoryError):
        return None, "it nests too deeply to be read"


def fullmatch(pattern: regex.Pattern, subject: str) -> bool | None:
    """Whether the whole subject matches; None when matching took longer than ``MATCH_TIMEOUT_S``."""
    try:
        return pattern.fullmatch(subject, timeout=MATCH_TIMEOUT_S) is not None
    except TimeoutError:
        return None
