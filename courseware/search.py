"""Search over lessons and the glossary: PostgreSQL full-text search ranks lessons where we have it, a
portable scorer elsewhere; choosing the section and cutting the snippet is the same code on both.

Each lesson hit names the section to land on (the one whose heading and text hold the most of the
query's terms) and a snippet from that section, cut at word boundaries, with the terms in <mark>.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import GlossaryTerm, Lesson
from .rendering import html_to_text

MAX_QUERY = 200
SNIPPET = 180  # characters of text around the first match, before cutting to whole words
GLOSSARY_LIMIT = 5


@dataclass
class Hit:
    lesson: Lesson
    anchor: str
    section: str
    snippet: SafeString

    @property
    def url(self) -> str:
        url = self.lesson.get_absolute_url()
        return f"{url}#{self.anchor}" if self.anchor else url


@dataclass
class TermHit:
    term: GlossaryTerm
    snippet: SafeString

    @property
    def url(self) -> str:
        return self.term.get_absolute_url()


@dataclass
class Section:
    anchor: str  # "" for the text above the first heading
    title: str
    text: str


def _terms(query: str) -> list[str]:
    return [term for term in re.findall(r"[\w$.-]+", query.lower()) if len(term) > 1][:10]


_SUFFIXES = ("ing", "ed", "es", "s")


def _stems(terms: list[str]) -> list[str]:
    """Each term cut to a rough stem ("deploying" → "deploy"), for finding the section and marking
    the words when PostgreSQL's stemmed search matched a form the query did not spell out."""
    stems = []
    for term in terms:
        suffix = next((s for s in _SUFFIXES if term.endswith(s) and len(term) - len(s) >= 4), "")
        stems.append(term[: len(term) - len(suffix)] if suffix else term)
    return stems


# --- Sections and snippets ---------------------------------------------------------------------

_HEADING = re.compile(r'<h([23])\b[^>]*\bid="([^"]+)"[^>]*>(.*?)</h\1>', re.S)


def sections_of(lesson: Lesson) -> list[Section]:
    """The lesson cut at its ## and ### headings (from the stored HTML: no Markdown is parsed)."""
    html = lesson.body_html
    sections, start, anchor, title = [], 0, "", ""
    for match in _HEADING.finditer(html):
        sections.append(Section(anchor, title, html_to_text(html[start:match.start()])))
        anchor, title, start = match.group(2), html_to_text(match.group(3)), match.end()
    sections.append(Section(anchor, title, html_to_text(html[start:])))
    return [section for section in sections if section.text or section.title]


def best_section(sections: list[Section], terms: list[str]) -> Section | None:
    """The section holding the most distinct terms in its heading, then in heading and text together,
    then the heading most about them ("Canary releases" before "Worked example: a 10 percent
    canary"), then the most occurrences: "private endpoint" lands on "Private endpoints", not on
    the first heading that says "endpoint"."""
    def score(section: Section) -> tuple[int, int, float, int]:
        title, text = section.title.lower(), section.text.lower()
        in_title = [term for term in terms if term in title]
        anywhere = sum(1 for term in terms if term in title or term in text)
        focus = sum(len(term) for term in in_title) / len(title) if title else 0.0
        return len(in_title), anywhere, focus, sum(text.count(term) for term in terms)

    scored = [(score(section), index) for index, section in enumerate(sections)]
    if not scored:
        return None
    best, index = max(scored, key=lambda pair: (pair[0], -pair[1]))
    return sections[index] if best[1] else None


def _pattern(terms: list[str]) -> re.Pattern:
    return re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.I)


def snippet(text: str, terms: list[str], length: int = SNIPPET) -> SafeString:
    """About `length` characters of `text` around the terms, cut between words, escaped, with each
    term in <mark>."""
    pattern = _pattern(terms) if terms else None
    matches = list(pattern.finditer(text)) if pattern else []
    start, must_show = 0, 0
    if matches:
        # Start a little before the match with the most distinct terms in the window that follows it.
        def distinct_after(match: re.Match) -> int:
            window = text[match.start():match.start() + length].lower()
            return sum(1 for term in terms if term in window)

        first = max(matches, key=lambda m: (distinct_after(m), -m.start()))
        start, must_show = max(0, first.start() - length // 4), first.end()
    start = _word_start(text, start)
    end = _word_end(text, min(len(text), start + length), max(start, must_show))
    piece = text[start:end].strip()
    body = escape(piece) if pattern is None else "".join(_highlight(piece, pattern))
    return mark_safe(("… " if start > 0 else "") + body + (" …" if end < len(text) else ""))


def _word_start(text: str, index: int) -> int:
    """`index`, or back to the start of the word it falls in."""
    if index <= 0 or text[index - 1].isspace():
        return max(index, 0)
    return text.rfind(" ", 0, index) + 1  # 0 when the word starts the text


def _word_end(text: str, index: int, at_least: int) -> int:
    """`index`, or back to the end of the last whole word (never before `at_least`, the match)."""
    if index >= len(text) or text[index].isspace():
        return index
    space = text.rfind(" ", at_least, index)
    if space != -1:
        return space
    space = text.find(" ", index)
    return len(text) if space == -1 else space


def _highlight(piece: str, pattern: re.Pattern) -> list[str]:
    out, last = [], 0
    for match in pattern.finditer(piece):
        out.append(escape(piece[last:match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(escape(piece[last:]))
    return out


# --- Lessons -------------------------------------------------------------------------------------


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
    hits, words = [], _stems(terms)
    for lesson in ranked:
        section = best_section(sections_of(lesson), words)
        if section is None:
            hits.append(Hit(lesson, "", "", snippet(lesson.search_text, words)))
        else:
            hits.append(Hit(lesson, section.anchor, section.title, snippet(section.text, words)))
    return hits


def _postgres(lessons, query: str, limit: int) -> list[Lesson]:
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    vector = SearchVector("title", weight="A", config="english") + SearchVector(
        "search_text", weight="B", config="english"
    )
    search_query = SearchQuery(query, search_type="websearch", config="english")
    # Filter on the match itself (@@): ts_rank gives every row a tiny positive rank, matching or not.
    return list(
        lessons.annotate(document=vector, rank=SearchRank(vector, search_query))
        .filter(document=search_query)
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


# --- Glossary ------------------------------------------------------------------------------------


def search_glossary(query: str, limit: int = GLOSSARY_LIMIT) -> list[TermHit]:
    """Terms whose name or definition holds every term of the query; a match in the name first.
    A plain `icontains` on a table of a few dozen rows: the same on SQLite and PostgreSQL."""
    terms = _stems(_terms(query.strip()[:MAX_QUERY]))
    if not terms:
        return []
    queryset = GlossaryTerm.objects.all()
    for term in terms:
        queryset = queryset.filter(Q(term__icontains=term) | Q(definition__icontains=term))
    rows = list(queryset.only("slug", "term", "definition_html"))
    rows.sort(key=lambda t: (-sum(term in t.term.lower() for term in terms), t.term.casefold()))
    return [TermHit(row, snippet(html_to_text(row.definition_html), terms)) for row in rows[:limit]]
