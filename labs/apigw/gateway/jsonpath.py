"""The JSONPath subset that API Gateway mapping templates use: ``$``, ``.name``, ``['name']``, ``[n]``, ``[*]``.

``$input.path('$.items[0].name')`` and ``$input.json('$.name')`` are nearly always this simple; a path
with filters or recursive descent (``..``) is refused with a message rather than guessed at.
"""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(
    r"""\.(?P<name>[A-Za-z_$][\w$-]*)        # .name
      | \[\s*'(?P<quoted>[^']*)'\s*\]        # ['name']
      | \[\s*"(?P<dquoted>[^"]*)"\s*\]       # ["name"]
      | \[\s*(?P<index>-?\d+)\s*\]           # [0]
      | \[\s*\*\s*\] | \.\*                  # [*]  .*
    """,
    re.X,
)

MAX_PATH = 500


class JsonPathError(ValueError):
    pass


class _Missing:
    pass


MISSING = _Missing()


def parse(path: str) -> list[str | int | None]:
    """``"$.a[0]"`` -> ``["a", 0]``; ``None`` stands for ``[*]``."""
    path = (path or "$").strip()
    if len(path) > MAX_PATH:
        raise JsonPathError("the JSONPath is too long")
    if not path.startswith("$"):
        path = "$." + path if not path.startswith("[") else "$" + path
    parts: list[str | int | None] = []
    pos = 1
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if not m:
            raise JsonPathError(f"the sandbox reads only simple JSONPath ($.a.b, $.a[0], $['a'], [*]); not {path!r}")
        if m.group("name") is not None:
            parts.append(m.group("name"))
        elif m.group("quoted") is not None:
            parts.append(m.group("quoted"))
        elif m.group("dquoted") is not None:
            parts.append(m.group("dquoted"))
        elif m.group("index") is not None:
            parts.append(int(m.group("index")))
        else:
            parts.append(None)
        pos = m.end()
    return parts


def find(document: Any, path: str) -> Any:
    """The value at ``path``, a list for ``[*]``, or ``MISSING``."""
    values = [document]
    wildcard = False
    for part in parse(path):
        nxt = []
        for value in values:
            if part is None:
                wildcard = True
                if isinstance(value, list):
                    nxt.extend(value)
                elif isinstance(value, dict):
                    nxt.extend(value.values())
            elif isinstance(part, int):
                if isinstance(value, list) and -len(value) <= part < len(value):
                    nxt.append(value[part])
            elif isinstance(value, dict) and part in value:
                nxt.append(value[part])
        values = nxt
    if wildcard:
        return values
    return values[0] if values else MISSING
