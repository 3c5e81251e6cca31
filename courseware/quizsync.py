"""Quizzes are loaded with the course; their tables arrive with the quiz engine."""

from __future__ import annotations


def apply(course, lessons, report) -> None:
    return None
