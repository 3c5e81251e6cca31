from __future__ import annotations

import string

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_POST

from .. import decide, pagecache, progress
from ..models import Bookmark, GlossaryTerm, Lesson, Quiz
from ..search import MAX_QUERY, search_glossary, search_lessons


def _get_lesson(slug: str, with_quiz: bool = False) -> Lesson:
    # The Markdown source and the search text are as long as the page itself and no view here reads them.
    lessons = Lesson.objects.published().select_related("module").defer("body_markdown", "search_text")
    if with_quiz:  # in the same query: the lesson page has a fixed query budget
        quiz = Quiz.objects.filter(lesson=OuterRef("pk"), published=True).order_by("order")
        lessons = lessons.annotate(quiz_slug=Subquery(quiz.values("slug")[:1]),
                                   quiz_title=Subquery(quiz.values("title")[:1]))
    return get_object_or_404(lessons, slug=slug)


@pagecache.public_page
def outline(request: HttpRequest) -> HttpResponse:
    course = progress.outline_for(request.user)
    return render(request, "lessons/outline.html", {"outline": course, "nav": "course"})


@pagecache.public_page
def lesson_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The lesson with the reader's ticks and bookmarks. What is the same for everyone (the outline
    for a given set of ticks, the lesson's head and foot, its contents with a given set of bookmarks)
    comes from fragments kept per release (courseware/pagecache.py), and so do the lesson's row and
    the course's lessons (the outline's), which are read only when a fragment has to be rendered."""
    lesson = pagecache.kept(request, f"lesson:{slug}", lambda: _get_lesson(slug, with_quiz=True))
    completed, bookmarked = progress.read_lesson(request.user, lesson)
    course = SimpleLazyObject(lambda: progress.outline_for(
        request.user, current=lesson, completed=completed,
        lessons=pagecache.kept(request, "course-lessons", progress.course_lessons)))
    neighbours = SimpleLazyObject(lambda: course.neighbours(lesson))
    sections = [{**section, "bookmarked": section["id"] in bookmarked} for section in lesson.toc]
    context = {
        "lesson": lesson,
        "sections": sections,
        "outline": course,
        "completed": lesson.id in completed,
        "previous": SimpleLazyObject(lambda: neighbours[0]),
        "next": SimpleLazyObject(lambda: neighbours[1]),
        "lesson_bookmarked": "" in bookmarked,
        # The fragments' keys: who is reading does not matter, what they have done does.
        "completed_key": ",".join(map(str, sorted(completed))),
        "bookmarks_key": ",".join(sorted(bookmarked)),
        "nav": "course",
    }
    if lesson.interactive == "decision-helper":
        context.update(_decision_context(request))
    return render(request, "lessons/lesson.html", context)


@login_required
@require_POST
def mark_complete(request: HttpRequest, slug: str) -> HttpResponse:
    lesson = _get_lesson(slug)
    complete = request.POST.get("complete", "1") != "0"
    progress.set_complete(request.user, lesson, complete)
    if request.htmx:
        course = progress.outline_for(request.user, current=lesson)
        return render(
            request,
            "lessons/lesson.html#completion",
            {"lesson": lesson, "outline": course, "completed": complete, "oob": True},
        )
    if complete:
        messages.success(request, f"“{lesson.title}” is marked complete.")
    return redirect(lesson)


@login_required
@require_POST
def toggle_bookmark(request: HttpRequest, slug: str) -> HttpResponse:
    lesson = _get_lesson(slug)
    anchor = request.POST.get("anchor", "")[:100]
    if anchor and anchor not in {section["id"] for section in lesson.toc}:
        anchor = ""
    existing = Bookmark.objects.filter(user=request.user, lesson=lesson, anchor=anchor)
    if existing.exists():
        existing.delete()
        now_bookmarked = False
    else:
        try:
            Bookmark.objects.create(user=request.user, lesson=lesson, anchor=anchor)
        except IntegrityError:  # a double click: the first one already saved it
            pass
        now_bookmarked = True
    if request.htmx:
        section = {"id": anchor, "title": lesson.section_title(anchor) or lesson.title, "bookmarked": now_bookmarked}
        return render(request, "lessons/lesson.html#bookmark-button", {"lesson": lesson, "section": section})
    messages.info(request, "Bookmark saved." if now_bookmarked else "Bookmark removed.")
    return redirect(f"{lesson.get_absolute_url()}#{anchor}" if anchor else lesson.get_absolute_url())


@login_required
def bookmarks(request: HttpRequest) -> HttpResponse:
    items = Bookmark.objects.filter(user=request.user, lesson__published=True).select_related("lesson")
    return render(request, "lessons/bookmarks.html", {"bookmarks": items, "nav": "course"})


def _initial(term: str) -> str:
    """"Amazon API Gateway" → "A"; "$connect route" → "C"; a term without a letter → "#"."""
    letter = next((ch for ch in term if ch.isalnum()), "#").upper()
    return letter if "A" <= letter <= "Z" else "#"


@pagecache.public_page
def glossary(request: HttpRequest) -> HttpResponse:
    terms = (
        GlossaryTerm.objects.select_related("lesson")
        # The lesson's title and sections name where a term is taught; its body is not needed.
        .only("slug", "term", "definition_html", "anchor", "lesson__slug", "lesson__title", "lesson__toc")
    )
    groups: dict[str, list[GlossaryTerm]] = {}
    for term in sorted(terms, key=lambda t: (_initial(t.term) == "#", _initial(t.term), t.term.casefold())):
        groups.setdefault(_initial(term.term), []).append(term)
    letters = [(letter, letter in groups) for letter in [*string.ascii_uppercase, *(["#"] if "#" in groups else [])]]
    return render(request, "lessons/glossary.html",
                  {"groups": list(groups.items()), "letters": letters, "nav": "course"})


def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:MAX_QUERY]
    hits = search_lessons(query) if query.strip() else []
    terms = search_glossary(query) if query.strip() else []
    template = "lessons/search.html#results" if request.htmx else "lessons/search.html"
    return render(request, template, {"query": query, "hits": hits, "terms": terms, "nav": "course"})


class DecisionForm(forms.Form):
    protocol = forms.ChoiceField(
        label="How do clients talk to the API?", choices=decide.PROTOCOLS.items(),
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}), initial="request",
    )
    clients = forms.ChoiceField(
        label="Where are the clients?", choices=decide.CLIENTS.items(),
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}), initial="global",
    )
    needs = forms.MultipleChoiceField(
        label="Which of these do you need?", choices=decide.NEEDS.items(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}), required=False,
    )
    priority = forms.ChoiceField(
        label="What matters most?", choices=decide.PRIORITIES.items(),
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}), initial="cost",
    )


def _decision_context(request: HttpRequest) -> dict:
    data = request.GET if "protocol" in request.GET else None
    form = DecisionForm(data, initial={"protocol": "request", "clients": "global", "priority": "cost"})
    recommendation = None
    if form.is_valid():
        recommendation = decide.recommend(
            form.cleaned_data["protocol"], form.cleaned_data["clients"],
            set(form.cleaned_data["needs"]), form.cleaned_data["priority"],
        )
    return {"decision_form": form, "recommendation": recommendation}


def decision_helper(request: HttpRequest) -> HttpResponse:
    context = _decision_context(request)
    if request.htmx:
        return render(request, "lessons/decision_helper.html#decision-result", context)
    return render(request, "lessons/decision_helper.html", {**context, "nav": "course"})
