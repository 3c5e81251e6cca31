"""Search over lessons: PostgreSQL full-text search where we have it, a portable scorer elsewhere.

Each hit names the lesson and, when a section heading matches, the section to land on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection

from .models import Lesson

MAX_QUERY = 200
SNIPPET = 160


@dataclass
class Hit:
    lesson: Lesson
    anchor: str
    section: str
    snippet: str

    @property
    def url(self) -> str:
        url = self.lesson.get_absolute_url()
        return f"{url}#{self.anchor}" if self.anchor else url


def _terms(query: str) -> list[str]:
    return [term for term in re.findall(r"[\w$.-]+", query.lower()) if len(term) > 1][:10]


def _section_for(lesson: Lesson, terms: list[str]) -> tuple[str, str]:
    for section in lesson.toc:
        title = section["title"].lower()
        if any(term in title for term in terms):
            return section["id"], section["title"]
    return "", ""


def _snippet(text: str, terms: list[str]) -> str:
    lower = text.lower()
    positions = [lower.find(term) for term in terms if lower.find(term) >= 0]
    if not positions:
        return text[:SNIPPET] + ("…" if len(text) > SNIPPET else "")
    start = max(0, min(positions) - SNIPPET // 3)
    piece = text[start:start + SNIPPET]
    return ("…" if start else "") + piece + ("…" if start + SNIPPET < len(text) else "")


def search_lessons(query: str, limit: int = 20) -> list[Hit]:
    query = query.strip()[:MAX_QUERY]
    terms = _terms(query)
    if not terms:
        return []
    lessons = Lesson.objects.published().select_related("module")
    if connection.vendor == "postgresql":
        ranked = _postgres(lessons, query, limit)
    else:
        ranked = _portable(lessons, terms, limit)
    hits = []
    for lesson in ranked:
        anchor, section = _section_for(lesson, terms)
        hits.append(Hit(lesson, anchor, section, _snippet(lesson.search_text, terms)))
    return hits


def _postgres(lessons, query: str, limit: int) -> list[Lesson]:
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    vector = SearchVector("title", weight="A", config="english") + SearchVector(
        "search_text", weight="B", config="english"
    )
    search_query = SearchQuery(query, search_type="websearch", config="english")
    return list(
        lessons.annotate(rank=SearchRank(vector, search_query))
        .filter(rank__gt=0.0)
        .order_by("-rank", "module__order", "order")[:limit]
    )


def _portable(lessons, terms: list[str], limit: int) -> list[Lesson]:
    """Every term must appear; a term in the title or a heading counts far more than in the text."""
    queryset = lessons
    for term in terms:
        queryset = queryset.filter(search_text__icontains=term) | lessons.filter(title__icontains=term)
    scored = []
    for lesson in queryset.distinct():
        text, title = lesson.search_text.lower(), lesson.title.lower()
        headings = " ".join(section["title"].lower() for section in lesson.toc)
        if not all(term in text or term in title for term in terms):
            continue
        score = sum(text.count(t) + 10 * title.count(t) + 5 * headings.count(t) for t in terms)
        scored.append((score, lesson))
    scored.sort(key=lambda pair: (-pair[0], pair[1].module.order, pair[1].order))
    return [lesson for _, lesson in scored[:limit]]
