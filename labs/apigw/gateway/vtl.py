"""Mapping templates: Velocity (airspeed-ext, built for AWS parity) with API Gateway's variables, bounded.

A template is learner input, so it runs on a short leash:

* it is parsed once (cached by its text) and then *hardened*: every node of the parsed tree that could
  reach Python itself is replaced by a guarded version. Names are looked up only in our own maps and
  in a table of the Java-style methods Velocity templates use (``$s.length()``, ``$m.keySet()``...);
  nothing starting with ``_`` and no other Python attribute is reachable. ``#evaluate``, ``#include``
  and ``#parse`` are refused (API Gateway templates have no other files, and text evaluated at run
  time could not be checked).
* it runs against a budget: block evaluations (a proxy for time that is reproducible), wall time,
  characters produced, the size of any one value, and ``#foreach`` stops after 1000 iterations, as
  in API Gateway. Regular expressions in ``replaceAll``/``matches``/``split`` are refused when they
  nest quantifiers (the shape of catastrophic backtracking).

``render(text, variables)`` returns ``Rendered(output, response_override, request_override, notes)``;
every failure is a ``TemplateFailure`` whose message is meant for the learner.
"""

from __future__ import annotations

import base64
import contextvars
import json
import re
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache, partial
from types import MethodType
from typing import Any

import airspeed
from airspeed import operators as op

from .jsonpath import JsonPathError, MISSING, find

#: API Gateway's mapping template quota (300 KB) and its #foreach limit.
MAX_TEMPLATE_CHARS = 300 * 1024
MAX_FOREACH = 1000
#: What any one value, and the whole output, may hold: the 10 MB payload quota.
MAX_VALUE_CHARS = 10 * 1024 * 1024
MAX_PRODUCED_CHARS = 3 * MAX_VALUE_CHARS
MAX_STEPS = 200_000
MAX_SECONDS = 1.0
MAX_RANGE = 10_000
MAX_REGEX = 1000


class TemplateFailure(Exception):
    """The template can't be used or was stopped; ``kind`` is "syntax", "refused", "limit" or "error"."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class InputJsonError(TemplateFailure):
    """``$input.json``/``$input.path`` on a body that is not JSON: API Gateway answers 400."""

    def __init__(self, message: str) -> None:
        super().__init__("input", message)


# --------------------------------------------------------------------------------------------------
# The budget of one render
# --------------------------------------------------------------------------------------------------


@dataclass
class _Budget:
    steps: int = 0
    produced: int = 0
    deadline: float = 0.0
    notes: list[str] = field(default_factory=list)

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise TemplateFailure("limit", f"the template was stopped after {MAX_STEPS:,} steps")
        if not self.steps % 256 and time.perf_counter() > self.deadline:
            raise TemplateFailure("limit", f"the template was stopped after {MAX_SECONDS:g} s")

    def produce(self, n: int) -> None:
        self.produced += n
        if self.produced > MAX_PRODUCED_CHARS:
            raise TemplateFailure("limit", "the template produced too much text")


_BUDGET: contextvars.ContextVar[_Budget] = contextvars.ContextVar("vtl_budget")


def _budget() -> _Budget:
    try:
        return _BUDGET.get()
    except LookupError:  # a compiled template used outside render(): give it a fresh budget
        b = _Budget(deadline=time.perf_counter() + MAX_SECONDS)
        _BUDGET.set(b)
        return b


def _check_size(value: Any) -> Any:
    if isinstance(value, (str, list, dict)) and len(value) > MAX_VALUE_CHARS:
        raise TemplateFailure("limit", "a value in the template grew past 10 MB")
    return value


class _BoundedStream(op.StoppableStream):
    def __init__(self) -> None:
        super().__init__()
        self.size = 0

    def write(self, s: str) -> None:
        if self.stop:
            return
        self.size += len(s)
        _budget().produce(len(s))
        if self.size > MAX_VALUE_CHARS:
            raise TemplateFailure("limit", "the template's output grew past 10 MB")
        super().write(s)


# --------------------------------------------------------------------------------------------------
# Values as Velocity shows them (Java's toString)
# --------------------------------------------------------------------------------------------------


class VtlMap(dict):
    """A map that prints as Java does (``{a=1, b=2}``); lists inside print as JSON, as in API Gateway."""

    def __str__(self) -> str:
        return "{" + ", ".join(f"{k}={_java_str(v)}" for k, v in self.items()) + "}"


class VtlJsonList(list):
    def __str__(self) -> str:
        return json.dumps(self, separators=(",", ":"), default=str)


def _java_str(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list) and not isinstance(v, VtlJsonList):
        return json.dumps(v, separators=(",", ":"), default=str)
    return str(v)


def vtl_value(value: Any) -> Any:
    """JSON data as template values: dicts become ``VtlMap``, lists ``VtlJsonList``."""
    if isinstance(value, dict):
        return VtlMap((k, vtl_value(v)) for k, v in value.items())
    if isinstance(value, list):
        return VtlJsonList(vtl_value(v) for v in value)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, range)):
        return [_plain(v) for v in value]
    return value


# --------------------------------------------------------------------------------------------------
# $input and $util
# --------------------------------------------------------------------------------------------------


class VtlObject:
    """Our objects expose only the names in ``VTL_NAMES`` to templates."""

    VTL_NAMES: frozenset[str] = frozenset()

    def vtl_attr(self, name: str) -> Any:
        return getattr(self, name) if name in self.VTL_NAMES else None


class VtlInput(VtlObject):
    """``$input``: the request (or integration response) body and the method request parameters."""

    VTL_NAMES = frozenset({"body", "json", "path", "params", "size"})

    def __init__(self, body: str, params: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self._body = body or ""
        self._params = params or {"path": {}, "querystring": {}, "header": {}}
        self._parsed: Any = MISSING

    @property
    def body(self) -> str:
        return self._body

    def _document(self) -> Any:
        if self._parsed is MISSING:
            if not self._body.strip():
                self._parsed = {}
            else:
                try:
                    self._parsed = json.loads(self._body)
                except ValueError as exc:
                    raise InputJsonError(f"Could not parse request body into json: {exc}") from None
        return self._parsed

    def _find(self, path: Any) -> Any:
        try:
            value = find(self._document(), str(path if path is not None else "$"))
        except JsonPathError as exc:
            raise TemplateFailure("error", str(exc)) from None
        return None if value is MISSING else value

    def json(self, path: Any = "$") -> str:
        value = self._find(path)
        return _check_size(json.dumps(value, separators=(",", ":"), ensure_ascii=False))

    def path(self, path: Any = "$") -> Any:
        return vtl_value(self._find(path))

    def size(self) -> int:
        return len(self._body)

    def params(self, name: Any = None) -> Any:
        if name is None:
            return VtlMap((k, VtlMap(v)) for k, v in self._params.items())
        name = str(name)
        for where in ("path", "querystring"):
            if name in self._params.get(where, {}):
                return self._params[where][name]
        headers = self._params.get("header", {})
        lowered = name.lower()
        for k, v in headers.items():
            if k.lower() == lowered:
                return v
        return ""


class VtlUtil(VtlObject):
    """``$util``: the functions API Gateway documents for mapping templates."""

    VTL_NAMES = frozenset({"escapeJavaScript", "parseJson", "urlEncode", "urlDecode", "base64Encode", "base64Decode"})

    def escapeJavaScript(self, value: Any) -> str:  # noqa: N802 - API Gateway's name
        text = _java_str(value)
        return _check_size(json.dumps(text, ensure_ascii=False)[1:-1].replace("'", "\\'"))

    def parseJson(self, value: Any) -> Any:  # noqa: N802
        try:
            return vtl_value(json.loads(str(value)))
        except ValueError as exc:
            raise TemplateFailure("error", f"$util.parseJson: not JSON ({exc})") from None

    def urlEncode(self, value: Any) -> str:  # noqa: N802
        return _check_size(urllib.parse.quote_plus(_java_str(value)))

    def urlDecode(self, value: Any) -> str:  # noqa: N802
        return urllib.parse.unquote_plus(_java_str(value))

    def base64Encode(self, value: Any) -> str:  # noqa: N802
        return _check_size(base64.b64encode(_java_str(value).encode()).decode())

    def base64Decode(self, value: Any) -> str:  # noqa: N802
        try:
            return base64.b64decode(_java_str(value).encode(), validate=False).decode("utf-8", "replace")
        except ValueError as exc:
            raise TemplateFailure("error", f"$util.base64Decode: {exc}") from None


# --------------------------------------------------------------------------------------------------
# The Java-style methods templates may call on values
# --------------------------------------------------------------------------------------------------

_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*(?:[+*}]|\|)(?:[^()\\]|\\.)*\)\s*[+*{]")


def _regex(pattern: Any) -> re.Pattern[str]:
    text = str(pattern)
    if len(text) > MAX_REGEX:
        raise TemplateFailure("refused", "a regular expression in the template is too long")
    if _NESTED_QUANTIFIER.search(text) or re.search(r"\\\d", text):
        raise TemplateFailure("refused", f"the regular expression {text!r} repeats a group that itself repeats or "
                                         "alternates (or uses a back-reference); the sandbox refuses it because it "
                                         "can take exponential time")
    try:
        return re.compile(text)
    except re.error as exc:
        raise TemplateFailure("error", f"bad regular expression {text!r}: {exc}") from None


def _java_replacement(repl: str) -> str:
    """Java's ``$1`` group references -> Python's ``\\g<1>``; everything else literal."""
    out, i = [], 0
    while i < len(repl):
        c = repl[i]
        if c == "\\" and i + 1 < len(repl):
            out.append(repl[i + 1].replace("\\", "\\\\"))
            i += 2
            continue
        if c == "$" and i + 1 < len(repl) and repl[i + 1].isdigit():
            out.append(f"\\g<{repl[i + 1]}>")
            i += 2
            continue
        out.append("\\\\" if c == "\\" else c)
        i += 1
    return "".join(out)


def _replace_all(s: str, pattern: Any, repl: Any) -> str:
    rx, r = _regex(pattern), str(repl)
    if (len(s) + 1) * (len(r) + 1) > MAX_VALUE_CHARS and len(rx.findall(s)) * len(r) + len(s) > MAX_VALUE_CHARS:
        raise TemplateFailure("limit", "replaceAll would grow a value past 10 MB")
    return rx.sub(_java_replacement(r), s)


def _replace(s: str, old: Any, new: Any) -> str:
    old, new = str(old), str(new)
    if old and s.count(old) * len(new) + len(s) > MAX_VALUE_CHARS:
        raise TemplateFailure("limit", "replace would grow a value past 10 MB")
    if not old:
        return s
    return s.replace(old, new)


def _substring(s: str, start: Any, end: Any = None) -> str:
    return s[int(start):] if end is None else s[int(start):int(end)]


def _index_of(s: str, needle: Any, start: Any = 0) -> int:
    return s.find(str(needle), int(start))


def _split(s: str, pattern: Any) -> list[str]:
    return VtlJsonList(p for p in _regex(pattern).split(s))


_STR_METHODS = {
    "length": len,
    "size": len,
    "isEmpty": lambda s: not s,
    "toString": str,
    "toLowerCase": str.lower,
    "toUpperCase": str.upper,
    "trim": str.strip,
    "contains": lambda s, x: str(x) in s,
    "startsWith": lambda s, x: s.startswith(str(x)),
    "endsWith": lambda s, x: s.endswith(str(x)),
    "equals": lambda s, x: s == x,
    "equalsIgnoreCase": lambda s, x: isinstance(x, str) and s.lower() == x.lower(),
    "indexOf": _index_of,
    "lastIndexOf": lambda s, x: s.rfind(str(x)),
    "charAt": lambda s, i: s[int(i)],
    "substring": _substring,
    "concat": lambda s, x: _check_size(s + str(x)),
    "replace": _replace,
    "replaceAll": _replace_all,
    "matches": lambda s, p: bool(_regex(p).fullmatch(s)),
    "split": _split,
}


def _list_add(lst: list, *args: Any) -> bool:
    if len(lst) >= MAX_VALUE_CHARS // 8:
        raise TemplateFailure("limit", "a list in the template grew too long")
    if len(args) == 2:
        lst.insert(int(args[0]), args[1])
    else:
        lst.append(args[0])
    return True


def _list_set(lst: list, index: Any, value: Any) -> Any:
    old = lst[int(index)]
    lst[int(index)] = value
    return old


_LIST_METHODS = {
    "size": len,
    "isEmpty": lambda lst: not lst,
    "get": lambda lst, i: lst[int(i)],
    "contains": lambda lst, x: x in lst,
    "indexOf": lambda lst, x: lst.index(x) if x in lst else -1,
    "add": _list_add,
    "set": _list_set,
    "remove": lambda lst, i: lst.pop(int(i)),
    "toString": _java_str,
}


def _map_put(m: dict, key: Any, value: Any) -> Any:
    if len(m) >= MAX_VALUE_CHARS // 8 and key not in m:
        raise TemplateFailure("limit", "a map in the template grew too large")
    old = m.get(key)
    m[key] = value
    return old


_MAP_METHODS = {
    "size": len,
    "isEmpty": lambda m: not m,
    "get": lambda m, k: m.get(k),
    "containsKey": lambda m, k: k in m,
    "containsValue": lambda m, v: v in m.values(),
    "keySet": lambda m: VtlJsonList(m.keys()),
    "values": lambda m: VtlJsonList(m.values()),
    "put": _map_put,
    "putAll": lambda m, other: m.update(other) if isinstance(other, Mapping) else None,
    "remove": lambda m, k: m.pop(k, None),
    "toString": lambda m: VtlMap(m).__str__(),
}

_NUMBER_METHODS = {"toString": _java_str, "intValue": int, "doubleValue": float}


def _method(obj: Any, name: str) -> Any:
    if isinstance(obj, bool):
        table: Mapping[str, Any] = {"toString": _java_str}
    elif isinstance(obj, str):
        table = _STR_METHODS
    elif isinstance(obj, (list, range)):
        table = _LIST_METHODS
    elif isinstance(obj, Mapping):
        table = _MAP_METHODS
    elif isinstance(obj, (int, float)):
        table = _NUMBER_METHODS
    else:
        return None
    fn = table.get(name)
    return partial(fn, obj) if fn is not None else None


# --------------------------------------------------------------------------------------------------
# Hardening the parsed tree
# --------------------------------------------------------------------------------------------------


def _safe_name_or_call(self: op.NameOrCall, current: Any, loader: Any, top: Any) -> Any:
    name = self.name
    result = None
    if isinstance(current, Mapping):
        try:
            result = current[name]
        except (KeyError, TypeError):
            result = None
    elif isinstance(current, VtlObject):
        result = current.vtl_attr(name)
    if result is None and not isinstance(current, op.LocalNamespace):
        result = _method(current, name)
    if result is None:
        return None
    if isinstance(result, op._FunctionDefinition):
        params = self.parameters.calculate(top, loader) if self.parameters else []
        stream = _BoundedStream()
        result.execute_function(stream, top, params or [], loader)
        return stream.getvalue()
    if self.parameters is not None:
        if not callable(result):
            return None
        result = result(*self.parameters.calculate(top, loader))
    elif self.index is not None:
        index = self.index.calculate(top, loader)
        try:
            result = result[index]
        except Exception:  # noqa: BLE001 - Velocity prints nothing for a missing index
            result = None
    return _check_size(result)


def _bounded_operator(fn: Any) -> Any:
    def apply(a: Any, b: Any) -> Any:
        if fn is operator_mul and (isinstance(a, (str, list)) or isinstance(b, (str, list))):
            raise TemplateFailure("error", "Velocity can't multiply text")
        if fn is operator_add and (isinstance(a, str) or isinstance(b, str)):
            a, b = _java_str(a), _java_str(b)
            if len(a) + len(b) > MAX_VALUE_CHARS:
                raise TemplateFailure("limit", "a value in the template grew past 10 MB")
        if fn is operator_add and isinstance(a, list) and isinstance(b, list) and len(a) + len(b) > MAX_RANGE * 10:
            raise TemplateFailure("limit", "a list in the template grew too long")
        return fn(a, b)

    return apply


operator_mul = op.operator.mul
operator_add = op.operator.add


def _budgeted_block(self: op.Block, stream: Any, namespace: Any, loader: Any) -> Any:
    _budget().tick()
    return op.Block.evaluate(self, stream, namespace, loader)


def _bounded_interpolation(self: op.InterpolatedStringLiteral, namespace: Any, loader: Any) -> str:
    out = _BoundedStream()
    self.block.evaluate(out, namespace, loader)
    return out.getvalue()


def _bounded_range(self: op.Range, namespace: Any, loader: Any) -> range:
    a, b = self.value1.calculate(namespace, loader), self.value2.calculate(namespace, loader)
    if not isinstance(a, int) or not isinstance(b, int):
        raise TemplateFailure("error", "a range needs whole numbers")
    if abs(b - a) >= MAX_RANGE:
        raise TemplateFailure("limit", f"a range of {abs(b - a) + 1:,} numbers is too long for the sandbox")
    return range(a, b - 1, -1) if b < a else range(a, b + 1)


def _bounded_foreach(self: op.ForeachDirective, stream: Any, namespace: Any, loader: Any) -> None:
    iterable = self.value.calculate(namespace, loader)
    if iterable is None:
        return
    if isinstance(iterable, Mapping):
        iterable = list(iterable.keys())
    if not isinstance(iterable, (list, tuple, range, str)):
        raise TemplateFailure("error", f"${self.loop_var_name}: #foreach needs a list")
    items = list(iterable) if not isinstance(iterable, str) else [iterable]
    length = len(items)
    if length > MAX_FOREACH:
        _budget().notes.append(f"a #foreach stopped after {MAX_FOREACH} of {length} items (API Gateway's limit)")
        items = items[:MAX_FOREACH]
        length = MAX_FOREACH
    for counter, item in enumerate(items, start=1):
        local = op.LocalNamespace(namespace)
        local["velocityCount"] = counter
        local["velocityHasNext"] = counter < length
        local["foreach"] = VtlMap(count=counter, index=counter - 1, hasNext=counter < length,
                                  first=counter == 1, last=counter == length)
        local[self.loop_var_name] = item
        self.block.evaluate(stream, local, loader)


def _children(value: Any) -> list[Any]:
    if isinstance(value, op._Element):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, op._Element)]
    if isinstance(value, dict):
        return [v for kv in value.items() for v in kv if isinstance(v, op._Element)]
    return []


def _harden(root: op._Element) -> None:
    stack: list[tuple[op._Element, bool]] = [(root, False)]
    seen: set[int] = set()
    while stack:  # post-order without recursion: a deeply nested template can't exhaust the stack here
        node, done = stack.pop()
        if not done:
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            for value in list(vars(node).values()):
                stack.extend((child, False) for child in _children(value))
            continue
        _harden_node(node)


def _harden_node(node: op._Element) -> None:
    kind = type(node)
    if kind is op.EvaluateDirective:
        raise TemplateFailure("refused", "#evaluate is not allowed in the sandbox (the text it runs can't be checked)")
    if kind in (op.IncludeDirective, op.ParseDirective):
        raise TemplateFailure("refused", "#include and #parse need template files, which API Gateway doesn't have")
    if kind is op.NameOrCall:
        if node.name.startswith("_"):
            raise TemplateFailure("refused", f"the name {node.name!r} is not available in a mapping template")
        node.calculate = MethodType(_safe_name_or_call, node)
    elif kind is op.BinaryOperator:
        node.apply_to = _bounded_operator(node.apply_to)
    elif kind is op.Block:
        node.evaluate = MethodType(_budgeted_block, node)
    elif kind is op.InterpolatedStringLiteral:
        node.calculate = MethodType(_bounded_interpolation, node)
    elif kind is op.Range:
        node.calculate = MethodType(_bounded_range, node)
    elif kind is op.ForeachDirective:
        node.evaluate_raw = MethodType(_bounded_foreach, node)
    # Some nodes copied a child's bound method at parse time (ArrayLiteral.calculate = values.calculate,
    # ElseBlock.evaluate = block.evaluate): point them at the child's hardened version.
    for name, value in list(vars(node).items()):
        if isinstance(value, MethodType) and isinstance(value.__self__, op._Element) and value.__self__ is not node:
            owner = value.__self__
            if getattr(type(owner), value.__func__.__name__, None) is value.__func__:
                setattr(node, name, getattr(owner, value.__func__.__name__))


@lru_cache(maxsize=512)
def compile_template(text: str) -> airspeed.Template:
    """The hardened, parsed template (cached by its text); ``TemplateFailure`` if it can't be used."""
    if len(text) > MAX_TEMPLATE_CHARS:
        raise TemplateFailure("limit", f"the template has {len(text):,} characters; API Gateway's limit is 300 KB")
    template = airspeed.Template(text.strip())
    try:
        template.ensure_compiled()
    except op.TemplateSyntaxError as exc:
        raise TemplateFailure("syntax", f"template syntax error: {exc}") from None
    except RecursionError:
        raise TemplateFailure("limit", "the template nests too deeply") from None
    _harden(template.root_element)
    return template


# --------------------------------------------------------------------------------------------------
# render()
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    output: str
    response_override: Mapping[str, Any]  # {"status": int|None, "header": {...}}
    request_override: Mapping[str, Any]  # {"header": {...}, "querystring": {...}, "path": {...}}
    notes: tuple[str, ...]
    steps: int


def _root_cause(exc: BaseException) -> BaseException:
    seen = 0
    while isinstance(exc, op.TemplateExecutionError) and exc.__cause__ is not None and seen < 100:
        exc = exc.__cause__
        seen += 1
    return exc


def render(text: str, *, body: str = "", params: Mapping[str, Mapping[str, str]] | None = None,
           context: Mapping[str, Any] | None = None, stage_variables: Mapping[str, str] | None = None) -> Rendered:
    """Run a mapping template with ``$input``, ``$util``, ``$context`` and ``$stageVariables``."""
    try:
        template = compile_template(text)
    except RecursionError:
        raise TemplateFailure("limit", "the template nests too deeply") from None
    ctx = vtl_value(_plain(dict(context or {})))
    ctx.setdefault("requestOverride", VtlMap(header=VtlMap(), querystring=VtlMap(), path=VtlMap()))
    ctx.setdefault("responseOverride", VtlMap(header=VtlMap(), status=None))
    namespace = {
        "input": VtlInput(body, params),
        "util": VtlUtil(),
        "context": ctx,
        "stageVariables": VtlMap(stage_variables or {}),
    }
    budget = _Budget(deadline=time.perf_counter() + MAX_SECONDS)
    token = _BUDGET.set(budget)
    stream = _BoundedStream()
    try:
        template.merge_to(namespace, stream)
    except TemplateFailure:
        raise
    except op.TemplateExecutionError as exc:
        cause = _root_cause(exc)
        if isinstance(cause, TemplateFailure):
            raise cause from None
        if isinstance(cause, RecursionError):
            raise TemplateFailure("limit", "the template recursed too deeply") from None
        raise TemplateFailure("error", f"the template failed: {type(cause).__name__}: {cause}") from None
    except RecursionError:
        raise TemplateFailure("limit", "the template recursed too deeply") from None
    except Exception as exc:  # noqa: BLE001 - a learner's template must never take the gateway down
        raise TemplateFailure("error", f"the template failed: {type(exc).__name__}: {exc}") from None
    finally:
        _BUDGET.reset(token)
    response_override = ctx.get("responseOverride") if isinstance(ctx.get("responseOverride"), Mapping) else {}
    request_override = ctx.get("requestOverride") if isinstance(ctx.get("requestOverride"), Mapping) else {}
    return Rendered(stream.getvalue(), _plain(response_override), _plain(request_override), tuple(budget.notes),
                    budget.steps)
