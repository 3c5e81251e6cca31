"""Untrusted JSON and YAML, bounded before anything walks it; and the YAML/JSON writers.

Everything a learner or a visitor hands us (an uploaded OpenAPI document, a pasted resource policy,
a file given to ``manage.py apigw``) is read here and nowhere else, so the limits hold everywhere:

- YAML aliases are refused. An alias makes the loader return one object in many places, so a
  549-byte document of nested aliases ("billion laughs") becomes gigabytes the moment anything
  walks or copies it. OpenAPI documents do not need YAML aliases (they have ``$ref``).
- The size of the text, the nesting depth and the number of nodes are bounded while parsing YAML
  (from libyaml's event stream, before any object is built) and checked again on the result, for
  JSON as well as YAML; the walk that checks is iterative, so a 10,000-deep ``[[[...]]]`` is an
  error message, not a ``RecursionError``.
- Text must be storable and exportable as UTF-8 and in PostgreSQL: lone UTF-16 surrogates (which
  JSON's ``\\ud800`` escape produces) and NUL characters are refused with the place they were found.
- Numbers are finite and of reasonable size: ``NaN``, ``Infinity`` and integers of hundreds of
  digits are refused (Python would otherwise stop at 4,300 digits with a ``ValueError``).

No Django here; the messages are written for the learner.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from .errors import DesignError

#: ImportRestApi's body limit: the largest document API Gateway itself imports.
MAX_DOCUMENT_BYTES = 6 * 1024 * 1024
#: Real OpenAPI documents nest a schema a few dozen levels at most.
MAX_DEPTH = 64
#: Nodes (objects, lists and scalars) in one document. A 300-route OpenAPI document with every
#: extension filled in has about 10,000 (the largest AWS example in shared/corpus has 781); the limit
#: leaves room for large schemas and keeps the worst YAML load under a second (about 8 µs a node).
MAX_NODES = 100_000
#: Digits in an integer: far beyond any timeout, quota or version number.
MAX_INT_DIGITS = 30

_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE = "which cannot be stored or exported"

class DocumentError(DesignError):
    """The text is not a document we read: bad syntax, or past one of the limits above."""


class JsonSyntaxError(DocumentError):
    """Not JSON; the same text may still be YAML (flow style)."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = MAX_DOCUMENT_BYTES
    max_depth: int = MAX_DEPTH
    max_nodes: int = MAX_NODES
    what: str = "the definition"


DOCUMENT = Limits()
#: API Gateway's default quota for a resource policy is 8,192 characters ("Length, in characters, of
#: API Gateway resource policy", REST API quotas): what a learner may type or import.
POLICY_CHARACTERS = 8192
#: Policy text as typed or imported (indentation included); its compact form must fit the quota.
POLICY = Limits(max_bytes=4 * POLICY_CHARACTERS, max_depth=16, max_nodes=5000, what="the resource policy")
#: The same, named as the field of a design file.
POLICY_FIELD = Limits(max_bytes=POLICY.max_bytes, max_depth=16, max_nodes=5000, what="resource_policy")
#: The shape of any stored policy (one imported before the size check, say), whatever its length.
POLICY_STRUCTURE = Limits(max_bytes=MAX_DOCUMENT_BYTES, max_depth=16, max_nodes=50_000, what="the resource policy")


# --------------------------------------------------------------------------------------------------
# Text in, objects out
# --------------------------------------------------------------------------------------------------


def load(source: str | bytes, limits: Limits = DOCUMENT) -> Any:
    """JSON or YAML text -> plain Python data (dicts, lists, str, int, float, bool, None).

    Raises ``DocumentError`` with a message for the learner; never ``RecursionError``,
    ``MemoryError`` or a YAML exception.
    """
    text = _text(source, limits)
    if text.lstrip().startswith(("{", "[")):  # JSON first: YAML refuses some characters JSON allows
        try:
            return loads_json(text, limits)
        except JsonSyntaxError:
            pass  # maybe YAML flow style; YAML reports the error
    return _load_yaml(text, limits)


def loads_json(text: str, limits: Limits = DOCUMENT) -> Any:
    """Strict JSON: no NaN or Infinity, bounded numbers, depth, nodes and text (see the module)."""
    if len(text) > limits.max_bytes:
        raise DocumentError(f"{limits.what} is longer than {_size(limits.max_bytes)}")
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_int=_int, parse_float=_float)
    except RecursionError:
        raise DocumentError(f"{limits.what} is nested more than {limits.max_depth} levels deep") from None
    except json.JSONDecodeError as exc:
        raise JsonSyntaxError(f"{limits.what} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    check(data, limits)
    return data


def _text(source: str | bytes, limits: Limits) -> str:
    if isinstance(source, bytes):
        if len(source) > limits.max_bytes:
            raise DocumentError(f"{limits.what} is larger than {_size(limits.max_bytes)}")
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DocumentError(f"{limits.what} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if not isinstance(source, str):
        raise DocumentError(f"expected text, got {type(source).__name__}")
    if len(source) > limits.max_bytes:
        raise DocumentError(f"{limits.what} is larger than {_size(limits.max_bytes)}")
    if not source.strip():
        raise DocumentError(f"{limits.what} is empty")
    return source


def _refuse_constant(name: str) -> Any:
    raise DocumentError(f"{name} is not a number JSON allows; use a finite number")


def _int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise DocumentError(f"a number of {len(digits)} digits is too large (at most {MAX_INT_DIGITS} digits)")
    return int(digits)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise DocumentError(f"the number {text[:40]} is too large")
    return value


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n:,} characters"


# --- YAML ---------------------------------------------------------------------------------------

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML (libyaml's parser where installed) that also reads CloudFormation short-form tags
    (``!Sub``, ``!GetAtt``...) as the long form, so a template or an ``AWS::Include`` snippet parses
    and can be recognised, not rejected as YAML."""


def _cfn_tag(loader: Any, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


_Loader.add_multi_constructor("!", _cfn_tag)


def _load_yaml(text: str, limits: Limits) -> Any:
    try:
        _scan_events(text, limits)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except DocumentError:
        raise
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" (line {where.line + 1}, column {where.column + 1})" if where is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DocumentError(f"{limits.what} is neither valid JSON nor valid YAML{at}: {problem}") from None
    except (RecursionError, ValueError, TypeError, OverflowError) as exc:
        raise DocumentError(f"{limits.what} could not be parsed: {str(exc)[:200]}") from None
    check(data, limits)
    return data


def _scan_events(text: str, limits: Limits) -> None:
    """One pass over libyaml's events: refuse aliases and stop at the depth or node limit before
    the loader builds anything (cheap: events are made in C and dropped at once)."""
    depth = nodes = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            raise DocumentError(
                f"{limits.what} uses a YAML alias (*{event.anchor}) at line {mark.line + 1}; aliases are not "
                "accepted here (they let a tiny document expand without bound). Write the value out, or use "
                "an OpenAPI $ref."
            )
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            nodes += 1
            if depth > limits.max_depth:
                raise DocumentError(f"{limits.what} is nested more than {limits.max_depth} levels deep")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        elif isinstance(event, yaml.ScalarEvent):
            nodes += 1
        if nodes > limits.max_nodes:
            raise DocumentError(f"{limits.what} has more than {limits.max_nodes:,} values; that is more than we read")


def policy_characters(policy: Any) -> int:
    """A policy's length as API Gateway counts it against the quota (compact JSON)."""
    return len(json.dumps(policy, separators=(",", ":"), ensure_ascii=False, allow_nan=False))


def policy_size_problem(policy: Any) -> str:
    size = policy_characters(policy)
    if size <= POLICY_CHARACTERS:
        return ""
    return (f"the resource policy is {size:,} characters (without spaces), more than API Gateway's default quota "
            f"of {POLICY_CHARACTERS:,} characters for a resource policy")


# --------------------------------------------------------------------------------------------------
# Checking data that is already parsed (and repairing stored data)
# --------------------------------------------------------------------------------------------------


def check(data: Any, limits: Limits = DOCUMENT) -> None:
    """Depth, node count, text and numbers of parsed data, walked iteratively (see the module)."""
    nodes = 0
    for path, value, depth in _walk(data):
        nodes += 1
        if nodes > limits.max_nodes:
            raise DocumentError(f"{limits.what} has more than {limits.max_nodes:,} values; that is more than we read")
        if depth > limits.max_depth:
            raise DocumentError(f"{limits.what} is nested more than {limits.max_depth} levels deep")
        problem = value_problem(value)
        if problem:
            raise DocumentError(f"{limits.what} {problem} at {printable(path) or '(top level)'}")


def value_problem(value: Any) -> str:
    """Why one scalar (or key) cannot be stored and exported, or ''."""
    if isinstance(value, str):
        bad = _BAD_TEXT.search(value)
        if bad:
            char = bad.group()
            kind = "a NUL character" if char == "\x00" else f"a lone UTF-16 surrogate (U+{ord(char):04X})"
            return f"has {kind}, {UNSTORABLE}"
    elif isinstance(value, float) and not math.isfinite(value):
        return f"has a number that is not finite, {UNSTORABLE}"
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**MAX_INT_DIGITS:
        return f"has a number of more than {MAX_INT_DIGITS} digits, {UNSTORABLE}"
    return ""


def bad_text(value: str) -> bool:
    return _BAD_TEXT.search(value) is not None


def printable(text: str, limit: int = 200) -> str:
    """Learner text fit to quote in a message: unstorable characters written as escapes, cut short."""
    text = _BAD_TEXT.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _walk(data: Any) -> Iterator[tuple[str, Any, int]]:
    """(path, value, depth) for every node and every mapping key, without recursion."""
    stack: list[tuple[str, Any, int]] = [("", data, 0)]
    while stack:
        path, value, depth = stack.pop()
        yield path, value, depth
        if isinstance(value, Mapping):
            for key, item in value.items():
                where = f"{path}.{key}" if path else str(key)
                yield where, key, depth + 1
                stack.append((where, item, depth + 1))
        elif isinstance(value, (list, tuple)):
            stack.extend((f"{path}[{i}]", item, depth + 1) for i, item in enumerate(value))


def scrub(data: Any) -> tuple[Any, list[str]]:
    """A copy of stored data with unstorable characters replaced by U+FFFD, and where they were.

    For designs saved before the checks above existed: the learner keeps the design and is told
    what was replaced, instead of meeting an error on every page.
    """
    found: list[str] = []

    def fix(text: str, path: str) -> str:
        if not bad_text(text):
            return text
        found.append(path or "(top level)")
        return _BAD_TEXT.sub("\ufffd", text)

    def copy(value: Any, path: str, depth: int) -> Any:
        if depth > 200:  # nothing we store nests this deep; cut rather than recurse without bound
            found.append(path)
            return None
        if isinstance(value, str):
            return fix(value, path)
        if isinstance(value, Mapping):
            out = {}
            for key, item in value.items():
                where = f"{path}.{key}" if path else str(key)
                out[fix(key, where) if isinstance(key, str) else key] = copy(item, where, depth + 1)
            return out
        if isinstance(value, list):
            return [copy(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
        return value

    return copy(data, "", 0), found


# --------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------


class YamlDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Safe YAML with libyaml's emitter where installed (about 50x faster than pure Python on a
    300-route document); never anchors and aliases, which confuse people reading an export."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_yaml(data: Mapping[str, Any]) -> str:
    return yaml.dump(dict(data), Dumper=YamlDumper, sort_keys=False, allow_unicode=True, width=120)


def to_json(doc: Any) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
