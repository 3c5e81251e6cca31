"""Grading: plain functions from (question's answer key, learner's answer) to a score.

Answers arrive as form values (strings), are parsed into a canonical JSON-able shape (stored on the
Response), and graded against the key. Malformed input raises `AnswerError` with a message for the
learner; nothing is saved. Scores run from 0 to 1; only an exact answer counts as correct.

Canonical answers:
    single, true_false   {"choice": <choice id>}
    multiple             {"choices": [<choice id>, ...]}          partial credit
    numeric              {"value": <float>}
    ordering             {"order": [<item index>, ...]}           partial credit (items in place)
    matching             {"matches": {"<prompt index>": "<option>"}} partial credit
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

MAX_NUMBER_LENGTH = 40


class AnswerError(ValueError):
    """The submitted answer cannot be read; the message is shown to the learner."""


class IncompleteAnswer(AnswerError):
    """Nothing to grade yet (no choice, a step without a position): while an exam saves on every
    change this is a learner half-way through a question, not a mistake."""


@dataclass(frozen=True)
class Key:
    """What grading needs to know about a question, independent of the database."""

    type: str
    correct_choices: frozenset[int] = frozenset()
    all_choices: frozenset[int] = frozenset()
    data: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Grade:
    score: float
    correct: bool


# --- Parsing form input ---------------------------------------------------------------------------


def parse_answer(key: Key, form: Mapping[str, Any]) -> dict:
    """Turn a question's form fields into a canonical answer, or raise AnswerError.

    `form` is a QueryDict-like mapping; `getlist` is used where several values are allowed.
    """
    getlist = getattr(form, "getlist", None) or (lambda name: _as_list(form.get(name)))
    if key.type in {"single", "true_false"}:
        value = form.get("choice")
        if value in (None, ""):
            raise IncompleteAnswer("Choose an answer first.")
        choice = _int(value, "That choice is not one of the answers.")
        if choice not in key.all_choices:
            raise AnswerError("That choice is not one of the answers.")
        return {"choice": choice}
    if key.type == "multiple":
        values = [v for v in getlist("choices") if v != ""]
        if not values:
            raise IncompleteAnswer("Select at least one answer.")
        choices = sorted({_int(v, "That choice is not one of the answers.") for v in values})
        if not set(choices) <= key.all_choices:
            raise AnswerError("That choice is not one of the answers.")
        return {"choices": choices}
    if key.type == "numeric":
        return {"value": _number(form.get("value", ""))}
    if key.type == "ordering":
        count = len(key.data["items"])
        positions = []
        for index in range(count):
            raw = form.get(f"position-{index}", "")
            if raw in ("", None):
                raise IncompleteAnswer("Give every step a position.")
            positions.append(_int(raw, "Positions are whole numbers."))
        if sorted(positions) != list(range(1, count + 1)):
            raise AnswerError(f"Use each position from 1 to {count} exactly once.")
        # order[k] = the item index placed at position k+1
        order = [positions.index(p) for p in range(1, count + 1)]
        return {"order": order}
    if key.type == "matching":
        options = set(key.data["options"])
        matches = {}
        for index in range(len(key.data["pairs"])):
            value = form.get(f"match-{index}", "")
            if value == "":
                raise IncompleteAnswer("Match every item.")
            if value not in options:
                raise AnswerError("That option is not one of the answers.")
            matches[str(index)] = value
        return {"matches": matches}
    raise AnswerError("This question type cannot be answered here.")


# ASCII digits, an optional sign and one decimal point (a lone decimal comma is read as a point).
# float() alone would also take "١٢", "1_000", "1e3" and "inf", and "10,000" used to become 10.0: a
# learner's number is read as they meant it or refused with a reason, never guessed.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]+)?|[.,][0-9]+)")
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+")  # "10,000": thousands, or a decimal comma?
NOT_A_NUMBER = (
    "That is not a number the course can read: type it with ordinary digits, "
    "a point for decimals and a minus sign if needed."
)


def _number(value: Any) -> float:
    """Parse a numeric answer. No message contains a digit: an example (or an echo) could be an answer."""
    raw = str(value or "").strip()
    if not raw:
        raise IncompleteAnswer("Enter a number.")
    if len(raw) > MAX_NUMBER_LENGTH:
        raise AnswerError("That number is too long.")
    if raw.lower().lstrip("+-") in {"inf", "infinity", "nan"}:
        raise AnswerError("Enter a finite number.")
    if any(ch.isdigit() and not ("0" <= ch <= "9") for ch in raw):
        raise AnswerError("Type the number with ordinary (ASCII) digits: other digit forms are not accepted here.")
    if _GROUPED.fullmatch(raw) or re.fullmatch(r"[+-]?[0-9]+(?:[ \u00a0\u202f_'][0-9]+)+(?:\.[0-9]+)?", raw):
        raise AnswerError("Leave out thousands separators: write the whole number as digits only.")
    if not _NUMBER.fullmatch(raw):
        raise AnswerError(NOT_A_NUMBER)
    return float(raw.replace(",", "."))  # 40 ASCII digits at most: always finite


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _int(value: Any, message: str) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise AnswerError(message) from None


# --- Grading -----------------------------------------------------------------------------------------


def grade(key: Key, answer: Mapping[str, Any]) -> Grade:
    grader = _GRADERS.get(key.type)
    if grader is None:
        raise AnswerError("This question type cannot be graded.")
    try:
        score = grader(key, answer)
    except (KeyError, TypeError, ValueError, IndexError):
        raise AnswerError("The saved answer is not in the shape this question expects.") from None
    score = round(min(1.0, max(0.0, score)), 4)
    return Grade(score=score, correct=score == 1.0)


def _single(key: Key, answer) -> float:
    return 1.0 if answer["choice"] in key.correct_choices else 0.0


def _multiple(key: Key, answer) -> float:
    """Each right pick earns 1/(number right); each wrong pick costs 1/(number wrong), floored at 0,
    so ticking every box earns nothing and a missed box costs part of the mark."""
    picked = set(answer["choices"])
    right = key.correct_choices
    wrong = key.all_choices - right
    gained = len(picked & right) / len(right)
    lost = len(picked & wrong) / len(wrong) if wrong else 0.0
    return gained - lost


def _numeric(key: Key, answer) -> float:
    return 1.0 if abs(float(answer["value"]) - key.data["answer"]) <= key.data["tolerance"] + 1e-9 else 0.0


def _ordering(key: Key, answer) -> float:
    order = [int(i) for i in answer["order"]]
    count = len(key.data["items"])
    if sorted(order) != list(range(count)):
        raise ValueError("not a permutation")
    return sum(1 for position, item in enumerate(order) if item == position) / count


def _matching(key: Key, answer) -> float:
    pairs = key.data["pairs"]
    matches = answer["matches"]
    return sum(1 for i, pair in enumerate(pairs) if matches.get(str(i)) == pair["answer"]) / len(pairs)


_GRADERS = {
    "single": _single,
    "true_false": _single,
    "multiple": _multiple,
    "numeric": _numeric,
    "ordering": _ordering,
    "matching": _matching,
}
