"""courseware.grading, one question type at a time: right, wrong, partial and malformed input."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from courseware.grading import AnswerError, Key, grade, parse_answer

SINGLE = Key("single", correct_choices=frozenset({2}), all_choices=frozenset({1, 2, 3}))
MULTI = Key("multiple", correct_choices=frozenset({1, 2}), all_choices=frozenset({1, 2, 3, 4}))
NUMERIC = Key("numeric", data={"answer": 29.0, "tolerance": 0.5, "unit": "seconds"})
ORDERING = Key("ordering", data={"items": ["a", "b", "c", "d"]})
MATCHING = Key("matching", data={"pairs": [{"prompt": "p0", "answer": "Edge"}, {"prompt": "p1", "answer": "Regional"},
                                            {"prompt": "p2", "answer": "Private"}], "options": ["Edge", "Regional", "Private"]})


def form(**values) -> QueryDict:
    q = QueryDict(mutable=True)
    for name, value in values.items():
        q.setlist(name, value if isinstance(value, list) else [value])
    return q


def answer_and_grade(key, **values):
    return grade(key, parse_answer(key, form(**values)))


def test_single_right_and_wrong():
    assert answer_and_grade(SINGLE, choice="2").correct
    result = answer_and_grade(SINGLE, choice="3")
    assert not result.correct and result.score == 0


@pytest.mark.parametrize("values,message", [({}, "Choose an answer"), ({"choice": "99"}, "not one of the answers"),
                                             ({"choice": "two"}, "not one of the answers")])
def test_single_malformed(values, message):
    with pytest.raises(AnswerError, match=message):
        parse_answer(SINGLE, form(**values))


@pytest.mark.parametrize("picked,score,correct", [
    (["1", "2"], 1.0, True),      # exactly right
    (["1"], 0.5, False),          # half the right ones
    (["1", "3"], 0.0, False),     # one right, one wrong: 0.5 - 0.5
    (["1", "2", "3"], 0.5, False),  # all right ones plus one wrong
    (["1", "2", "3", "4"], 0.0, False),  # ticking everything earns nothing
    (["3"], 0.0, False),          # never below zero
])
def test_multiple_partial_credit(picked, score, correct):
    result = answer_and_grade(MULTI, choices=picked)
    assert (result.score, result.correct) == (score, correct)


def test_multiple_malformed():
    with pytest.raises(AnswerError, match="at least one"):
        parse_answer(MULTI, form())
    with pytest.raises(AnswerError, match="not one of the answers"):
        parse_answer(MULTI, form(choices=["1", "77"]))


@pytest.mark.parametrize("value,correct", [("29", True), ("29.5", True), ("28,6", True), (" 30 ", False), ("-29", False)])
def test_numeric_with_tolerance(value, correct):
    assert answer_and_grade(NUMERIC, value=value).correct is correct


@pytest.mark.parametrize("value,message", [("", "Enter a number"), ("twenty-nine", "is not a number"),
                                            ("nan", "finite"), ("inf", "finite"), ("9" * 100, "too long")])
def test_numeric_malformed(value, message):
    with pytest.raises(AnswerError, match=message):
        parse_answer(NUMERIC, form(value=value))


def test_ordering_right_partial_and_wrong():
    assert answer_and_grade(ORDERING, **{"position-0": "1", "position-1": "2", "position-2": "3", "position-3": "4"}).correct
    result = answer_and_grade(ORDERING, **{"position-0": "1", "position-1": "2", "position-2": "4", "position-3": "3"})
    assert result.score == 0.5 and not result.correct
    assert answer_and_grade(ORDERING, **{"position-0": "4", "position-1": "3", "position-2": "2", "position-3": "1"}).score == 0


@pytest.mark.parametrize("positions,message", [
    (["1", "1", "2", "3"], "exactly once"), (["1", "2", "3"], "every step"), (["1", "2", "3", "x"], "whole numbers"),
    (["0", "1", "2", "3"], "exactly once"),
])
def test_ordering_malformed(positions, message):
    values = {f"position-{i}": p for i, p in enumerate(positions)}
    with pytest.raises(AnswerError, match=message):
        parse_answer(ORDERING, form(**values))


def test_matching_right_partial_and_malformed():
    assert answer_and_grade(MATCHING, **{"match-0": "Edge", "match-1": "Regional", "match-2": "Private"}).correct
    result = answer_and_grade(MATCHING, **{"match-0": "Edge", "match-1": "Private", "match-2": "Regional"})
    assert result.score == pytest.approx(1 / 3, abs=1e-3)
    with pytest.raises(AnswerError, match="Match every item"):
        parse_answer(MATCHING, form(**{"match-0": "Edge"}))
    with pytest.raises(AnswerError, match="not one of the answers"):
        parse_answer(MATCHING, form(**{"match-0": "Edge", "match-1": "Moon", "match-2": "Private"}))


def test_true_false_grades_like_single():
    key = Key("true_false", correct_choices=frozenset({10}), all_choices=frozenset({10, 11}))
    assert answer_and_grade(key, choice="10").correct
    assert not answer_and_grade(key, choice="11").correct


def test_a_stored_answer_of_the_wrong_shape_is_an_error_not_a_crash():
    with pytest.raises(AnswerError):
        grade(ORDERING, {"order": [0, 0, 1]})
    with pytest.raises(AnswerError):
        grade(SINGLE, {"nothing": 1})
