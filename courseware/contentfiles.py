"""What every reader of the course files shares: the slug rule, the list of problems with file and
line, and reading a YAML file or a course reference ("slug#anchor").

`content.py` (modules, lessons, glossary, misconceptions) and `quizfiles.py` (quizzes) both import
this module and never each other's private names, so the imports point one way:
content -> quizfiles -> contentfiles.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class Problems(list):
    """Every problem found in the course, as "file:line: message", so an author fixes them all at once."""

    def add(self, path: Path | str, line: int | None, message: str) -> None:
        where = f"{path}:{line}" if line else f"{path}"
        self.append(f"{where}: {message}")


def read_yaml(path: Path, problems: Problems) -> Any:
    """The parsed file, or None with the problem (and its line) noted."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problems.add(path, mark.line + 1 if mark else None, f"invalid YAML: {getattr(error, 'problem', error)}")
    except (OSError, UnicodeDecodeError) as error:
        problems.add(path, None, f"cannot read: {error}")
    return None


def split_anchor(reference: str) -> tuple[str, str]:
    """"endpoint-types#private" -> ("endpoint-types", "private")."""
    slug, _, anchor = reference.partition("#")
    return slug.strip(), anchor.strip()


def content_files(dirs: list[Path], pattern: str) -> list[Path]:
    return sorted(path for directory in dirs for path in Path(directory).glob(pattern))
