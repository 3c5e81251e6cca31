"""The dependency rules of docs/DESIGN ("The house"), read from the source with `ast`:
no import cycles anywhere (imports inside functions count too: a deferred import that goes both ways
is still a cycle), `courseware` imports nothing from `labs`, `labs.apigw` imports neither Django nor
courseware. Imports under `if TYPE_CHECKING:` are left out: they never run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("courseware", "labs", "classroom")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _skip_type_checking(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(child) for child in ast.walk(node)}
    return skipped


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, with `from x import y` counted as x and as x.y (y may be a module)."""
    name = _module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _skip_type_checking(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


def _graph() -> dict[str, set[str]]:
    files = [
        path
        for package in PACKAGES
        if (ROOT / package).is_dir()
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    ]
    imports = {_module_name(path): _imports(path) for path in files}
    return {module: {m for m in found if m in imports and m != module} for module, found in imports.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as a path that ends where it starts, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_the_checker_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles():
    assert _cycle(_graph()) is None


def test_content_and_quizfiles_do_not_import_each_other():
    graph = _graph()
    assert "courseware.content" not in graph["courseware.quizfiles"]
    assert "courseware.contentfiles" in graph["courseware.quizfiles"]
    assert "courseware.content" not in graph["courseware.contentfiles"]
    assert "courseware.quizfiles" not in graph["courseware.contentfiles"]


def test_courseware_imports_nothing_from_labs():
    offenders = sorted(
        f"{path.relative_to(ROOT)}: {module}"
        for path in (ROOT / "courseware").rglob("*.py")
        for module in _imports(path)
        if module == "labs" or module.startswith("labs.")
    )
    assert offenders == []


@pytest.mark.parametrize("forbidden", ["django", "courseware", "labs.models", "labs.views", "labs.apps"])
def test_the_apigw_domain_imports_no_django_and_no_courseware(forbidden):
    offenders = sorted(
        f"{path.relative_to(ROOT)}: {module}"
        for path in (ROOT / "labs" / "apigw").rglob("*.py")
        for module in _imports(path)
        if module == forbidden or module.startswith(forbidden + ".")
    )
    assert offenders == []
