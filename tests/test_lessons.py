from __future__ import annotations

import html as html_module
import re
import shutil
import string
import textwrap
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from courseware import decide
from courseware.models import Bookmark, GlossaryTerm, LearningEvent, Lesson, LessonProgress, Module
from courseware.rendering import html_to_text, render

# --- Rendering ---------------------------------------------------------------------------------


def test_scripts_handlers_and_javascript_links_are_removed():
    html = render(
        "Hello <script>alert(1)</script>\n\n"
        '<img src="x.png" alt="x" onerror="alert(2)">\n\n'
        "[click](javascript:alert(3)) and <a href=\"javascript:alert(4)\">raw</a>\n\n"
        '<iframe src="https://evil.example"></iframe>'
    ).html
    assert "<script" not in html and "alert(1)" not in html
    assert "onerror" not in html
    assert "javascript:" not in html
    assert "<iframe" not in html


def test_code_is_highlighted_and_headings_get_anchors():
    result = render("## Try it\n\n```python\nimport boto3\n```\n\n## Summary\n- a\n")
    assert 'id="try-it"' in result.html
    assert 'class="highlight"' in result.html and "<span" in result.html
    assert [section["id"] for section in result.toc] == ["try-it", "summary"]


def test_tabs_and_admonitions_render():
    html = render('=== "AWS CLI"\n    ```bash\n    aws apigateway get-rest-apis\n    ```\n\n'
                  '=== "boto3"\n    ```python\n    client.get_rest_apis()\n    ```\n\n'
                  '!!! warning "Pitfall"\n    Deploy after each change.\n').html
    assert 'class="tabbed-set' in html and 'type="radio"' in html and "<label" in html
    assert 'class="admonition warning"' in html


# --- Loading content: all or nothing, with the file and line -----------------------------------

LESSON = """---
title: {title}
slug: {slug}
module: basics
order: {order}
minutes: 10
objectives:
  - Learn a thing.
---
Intro paragraph.

## First section

{body}

## Summary
- one
- two
- three
"""


def write_course(root: Path, lessons: dict[str, str]) -> Path:
    (root / "lessons").mkdir(parents=True)
    (root / "modules.yaml").write_text("- slug: basics\n  title: Basics\n")
    for order, (slug, body) in enumerate(lessons.items(), start=1):
        (root / "lessons" / f"{order:02d}-{slug}.md").write_text(
            LESSON.format(title=slug.title(), slug=slug, order=order, body=body)
        )
    return root


def test_a_good_course_syncs_and_a_second_sync_changes_nothing(tmp_path, db, capsys):
    root = write_course(tmp_path / "c", {"alpha": "See [beta](lesson:beta#first-section).", "beta": "Text."})
    call_command("sync_content", str(root))
    assert "new: alpha, beta" in capsys.readouterr().out
    alpha = Lesson.objects.get(slug="alpha")
    assert 'href="/course/beta/#first-section"' in alpha.body_html
    call_command("sync_content", str(root))
    out = capsys.readouterr().out
    assert "new:" not in out and "updated:" not in out


@pytest.mark.parametrize(
    "body,message",
    [
        ("A [broken link](lesson:nowhere).", "link to a missing lesson: 'lesson:nowhere'"),
        ("A [bad anchor](lesson:alpha#no-such-section).", "lesson 'alpha' has no section #no-such-section"),
        ("![](diagram:front-door.svg)", "has no alt text"),
        ("![A picture](diagram:missing.svg)", "link to a missing diagram"),
        ("A [term](glossary:nothing).", "link to a missing glossary"),
    ],
)
def test_broken_content_fails_with_file_and_line_and_loads_nothing(tmp_path, db, body, message):
    before = Lesson.objects.count()
    root = write_course(tmp_path / "c", {"alpha": "Fine.", "beta": body})
    with pytest.raises(CommandError) as error:
        call_command("sync_content", str(root))
    text = str(error.value)
    assert message in text
    assert "02-beta.md" in text
    if "no section" not in message:
        assert "02-beta.md:14" in text  # the body line, counted in the file
    assert Lesson.objects.count() == before and not Lesson.objects.filter(slug="alpha").exists()


def test_bad_front_matter_names_the_field(tmp_path, db):
    root = write_course(tmp_path / "c", {"alpha": "Fine."})
    path = root / "lessons" / "01-alpha.md"
    path.write_text(path.read_text().replace("minutes: 10", "minutes: lots").replace("module: basics", "module: nope"))
    with pytest.raises(CommandError) as error:
        call_command("sync_content", str(root))
    assert "01-alpha.md:4: module 'nope' is not in modules.yaml" in str(error.value)
    assert "01-alpha.md:6: minutes must be a whole number" in str(error.value)


def test_a_lesson_without_a_summary_is_refused(tmp_path, db):
    root = write_course(tmp_path / "c", {"alpha": "Fine."})
    path = root / "lessons" / "01-alpha.md"
    path.write_text(path.read_text().replace("## Summary", "## Wrap-up"))
    with pytest.raises(CommandError, match="needs a '## Summary' section"):
        call_command("sync_content", str(root))


def test_a_removed_lesson_is_unpublished_and_progress_kept(tmp_path, learner):
    root = write_course(tmp_path / "c", {"alpha": "A.", "beta": "B."})
    call_command("sync_content", str(root))
    beta = Lesson.objects.get(slug="beta")
    LessonProgress.objects.create(user=learner, lesson=beta)
    (root / "lessons" / "02-beta.md").unlink()
    call_command("sync_content", str(root))
    beta.refresh_from_db()
    assert not beta.published and LessonProgress.objects.filter(lesson=beta).exists()


def test_an_institution_can_add_its_own_course_directory(tmp_path, db, settings):
    ours = settings.CONTENT_DIRS[0]
    extra = tmp_path / "extra"
    (extra / "lessons").mkdir(parents=True)
    (extra / "lessons" / "50-our-gateway.md").write_text(
        LESSON.format(title="Our gateway", slug="our-gateway", order=50, body="See [stages](lesson:stages-deployments).")
        .replace("module: basics", "module: design-lifecycle")
    )
    settings.CONTENT_DIRS = [ours, extra]
    call_command("sync_content")
    assert Lesson.objects.get(slug="our-gateway").module.slug == "design-lifecycle"


# --- Pages ------------------------------------------------------------------------------------


def test_anonymous_visitors_can_read_every_lesson(client, course):
    for lesson in course:
        response = client.get(lesson.get_absolute_url())
        assert response.status_code == 200
        assert lesson.title in response.content.decode()
    assert "Log in</a> or" in client.get(course[0].get_absolute_url()).content.decode()


def test_unknown_lesson_is_a_404(client, course):
    assert client.get("/course/no-such-lesson/").status_code == 404


def test_lesson_page_has_outline_breadcrumbs_and_neighbours(learner_client, course):
    lessons = list(course)
    response = learner_client.get(lessons[1].get_absolute_url())
    html = response.content.decode()
    assert 'aria-label="Breadcrumb"' in html and lessons[1].module.title in html
    assert f'href="{lessons[0].get_absolute_url()}" rel="prev"' in html
    assert f'href="{lessons[2].get_absolute_url()}" rel="next"' in html
    assert "Mark complete" in html


def test_lesson_page_query_count_is_fixed(learner_client, learner, course, django_assert_max_num_queries):
    lesson = course[3]
    LessonProgress.objects.create(user=learner, lesson=lesson)
    with django_assert_max_num_queries(8):
        learner_client.get(lesson.get_absolute_url())
    # A course four times the size costs not one query more.
    module = Module.objects.first()
    for n in range(30):
        Lesson.objects.create(slug=f"extra-{n}", module=module, order=100 + n, title=f"Extra {n}",
                              body_markdown="x", body_html="<p>x</p>", content_hash="x", source_path="x")
    with django_assert_max_num_queries(8):
        learner_client.get(lesson.get_absolute_url())


def test_mark_complete_plain_post_and_htmx(learner_client, learner, course):
    lesson = course[0]
    response = learner_client.post(reverse("lesson_complete", args=[lesson.slug]), {"complete": "1"})
    assert response.status_code == 302
    assert LessonProgress.objects.get(user=learner, lesson=lesson).completed
    assert LearningEvent.objects.filter(actor=learner, verb="completed", object_id=lesson.slug).count() == 1

    second = course[1]
    response = learner_client.post(
        reverse("lesson_complete", args=[second.slug]), {"complete": "1"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "You have completed this lesson" in html
    assert 'id="course-progress" class="course-progress" hx-swap-oob="true"' in html
    assert f"2 of {len(course)} lessons complete" in html
    assert "<html" not in html  # a fragment, not a page

    learner_client.post(reverse("lesson_complete", args=[second.slug]), {"complete": "0"})
    assert not LessonProgress.objects.get(user=learner, lesson=second).completed


def test_progress_needs_an_account(client, course):
    response = client.post(reverse("lesson_complete", args=[course[0].slug]))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert not LessonProgress.objects.exists()


def test_mark_complete_rejects_get(learner_client, course):
    assert learner_client.get(reverse("lesson_complete", args=[course[0].slug])).status_code == 405


def test_continue_where_you_left_off(learner_client, learner, course):
    lessons = list(course)
    assert "Start here" in learner_client.get("/").content.decode()
    learner_client.get(lessons[4].get_absolute_url())
    learner_client.post(reverse("lesson_complete", args=[lessons[0].slug]))
    html = learner_client.get("/").content.decode()
    assert "Continue where you left off" in html
    assert f'href="{lessons[4].get_absolute_url()}">{lessons[4].title}' in html


def test_progress_is_per_learner(learner_client, learner2_client, course):
    learner_client.post(reverse("lesson_complete", args=[course[0].slug]))
    assert f"1 of {len(course)} lessons complete" in learner_client.get("/course/").content.decode()
    assert f"0 of {len(course)} lessons complete" in learner2_client.get("/course/").content.decode()


def test_outline_and_home_query_counts(learner_client, course, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        learner_client.get("/course/")
    with django_assert_max_num_queries(6):
        learner_client.get("/")


def test_bookmark_a_section_and_list_it(learner_client, learner, learner2_client, course):
    lesson = Lesson.objects.get(slug="endpoint-types")
    url = reverse("lesson_bookmark", args=[lesson.slug])
    response = learner_client.post(url, {"anchor": "private"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'aria-pressed="true"' in response.content.decode()
    learner_client.post(url, {"anchor": "private"})  # a plain POST toggles it off ...
    assert not Bookmark.objects.filter(user=learner).exists()
    learner_client.post(url, {"anchor": "private"})  # ... and on again
    html = learner_client.get(reverse("bookmarks")).content.decode()
    assert f'href="{lesson.get_absolute_url()}#private"' in html
    assert "Private endpoints" in html
    assert "#private" not in learner2_client.get(reverse("bookmarks")).content.decode()


def test_bookmark_of_an_unknown_section_falls_back_to_the_lesson(learner_client, learner, course):
    learner_client.post(reverse("lesson_bookmark", args=["security"]), {"anchor": "<script>"})
    assert Bookmark.objects.get(user=learner).anchor == ""


def test_glossary_lists_terms_with_their_lesson(client, course):
    html = client.get(reverse("glossary")).content.decode()
    assert 'id="canary-release"' in html
    assert 'Taught in <a href="/course/stages-deployments/#canary-releases">Stages, deployments and canary releases › Canary releases</a>' in html


def test_glossary_definitions_are_rendered_like_lessons(client, course):
    html = client.get(reverse("glossary")).content.decode()
    assert "<code>x-api-key</code>" in html and "<code>$connect</code>" in html
    assert "`" not in html.split('<dl class="glossary">', 1)[1]  # no raw Markdown left


def test_a_glossary_definition_is_sanitized_when_saved(db):
    term = GlossaryTerm.objects.create(
        slug="odd", term="Odd", definition="Has **bold**, `code` and <script>alert(1)</script> [a](javascript:alert(2))",
    )
    assert "<strong>bold</strong>" in term.definition_html and "<code>code</code>" in term.definition_html
    assert "<script" not in term.definition_html and "javascript:" not in term.definition_html
    GlossaryTerm.objects.update_or_create(slug="odd", defaults={"definition": "Now `other`."})  # as sync writes it
    assert GlossaryTerm.objects.get(slug="odd").definition_html == "Now <code>other</code>."


def test_glossary_has_a_to_z_navigation_and_links_every_term_to_its_lesson(client, course, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        html = client.get(reverse("glossary")).content.decode()
    nav = re.search(r'<nav aria-label="Glossary, A to Z".*?</nav>', html, re.S).group(0)
    initials = {term.term[0].upper() for term in GlossaryTerm.objects.all()}
    for letter in string.ascii_uppercase:
        link = f'<a href="#letter-{letter.lower()}">{letter}</a>'
        assert (link in nav) is (letter in initials), letter
        assert (f'id="letter-{letter.lower()}"' in html) is (letter in initials)
    for term in GlossaryTerm.objects.select_related("lesson"):
        assert term.lesson is not None, term.slug
        assert f'href="{term.taught_at}"' in html, term.slug


def test_a_glossary_link_in_a_lesson_has_a_plain_tooltip(client, course):
    html = client.get("/course/endpoint-types/").content.decode()
    title = re.search(r'<a [^>]*href="/glossary/#endpoint"[^>]*>', html).group(0)
    assert "title=" in title and "`" not in title


def test_lessons_link_terms_to_the_glossary(client, course):
    html = client.get("/course/endpoint-types/").content.decode()
    assert 'href="/glossary/#endpoint"' in html and 'class="glossary-link"' in html


@pytest.mark.parametrize("query,slug", [("canary", "stages-deployments"), ("RequestResponse", "synchronous-invocation"),
                                        ("interface VPC endpoint", "endpoint-types"), ("JWT authorizer", "security")])
def test_search_lands_on_the_right_lesson(client, course, query, slug):
    response = client.get(reverse("search"), {"q": query})
    hits = response.context["hits"]
    assert hits and hits[0].lesson.slug == slug, [hit.lesson.slug for hit in hits]


def test_search_links_the_matching_section(client, course):
    hits = client.get(reverse("search"), {"q": "canary"}).context["hits"]
    assert hits[0].url == "/course/stages-deployments/#canary-releases"


def test_search_for_private_endpoint_opens_the_private_endpoints_section(client, course):
    hits = client.get(reverse("search"), {"q": "private endpoint"}).context["hits"]
    assert hits[0].url == "/course/endpoint-types/#private" and hits[0].section == "Private endpoints"


def test_search_snippets_are_whole_words_without_heading_marks_and_highlighted(client, course):
    for query in ("private endpoint", "canary", "x-api-key", "throttling burst", "mapping template"):
        hits = client.get(reverse("search"), {"q": query}).context["hits"]
        assert hits, query
        for hit in hits:
            text = re.sub(r"</?mark>", "", str(hit.snippet)).removeprefix("… ").removesuffix(" …")
            assert " #" not in text and " ," not in text and " ." not in text and "  " not in text, (query, text)
            full_text = html_module.unescape(hit.lesson.search_text).lower()
            first, last = html_module.unescape(text).split()[0], html_module.unescape(text).split()[-1]
            # The snippet begins and ends on a word boundary of the lesson's text.
            assert re.search(r"(^|\s)" + re.escape(first.lower()), full_text), (query, first)
            assert re.search(re.escape(last.lower()) + r"(\s|$)", full_text), (query, last)
            assert "<mark>" in str(hit.snippet), (query, hit.url)


def test_search_snippets_escape_the_text_and_mark_the_terms():
    from courseware.search import snippet

    assert str(snippet('a <b>Private</b> & "x"', ["private"])) == 'a &lt;b&gt;<mark>Private</mark>&lt;/b&gt; &amp; &quot;x&quot;'
    long = "word " * 100 + "target " + "word " * 100
    cut = str(snippet(long, ["target"], length=60))
    assert cut.startswith("… word") and cut.endswith("word …") and "<mark>target</mark>" in cut
    assert "wor …" not in cut and "… ord" not in cut


def test_search_marks_other_forms_of_a_word():
    from courseware.search import _stems, snippet

    assert _stems(["deploying", "endpoints", "api", "uses"]) == ["deploy", "endpoint", "api", "uses"]
    assert "<mark>deploy</mark>ment" in str(snippet("Each deployment is a snapshot.", _stems(["deploying"])))


def test_search_includes_glossary_entries(client, course):
    response = client.get(reverse("search"), {"q": "private endpoint"})
    terms = response.context["terms"]
    assert terms and terms[0].url == "/glossary/#private-endpoint"
    html = response.content.decode()
    assert 'href="/glossary/#private-endpoint">Private endpoint</a>' in html
    assert "<mark>" in html


def test_search_text_has_no_heading_marks_or_stray_spaces(course):
    for lesson in course:
        text = lesson.search_text
        assert not any(f"{section['title']} #" in text for section in lesson.toc), lesson.slug
    html = '<p>Use <code>x-api-key</code>, then <strong>go</strong>.</p><h2 id="t">Next<a class="headerlink" href="#t">#</a></h2><ul><li>a</li><li>b</li></ul>'
    assert html_to_text(html) == "Use x-api-key, then go. Next a b"


# --- Headings, landmarks, wrong methods ------------------------------------------------------------


def test_heading_links_are_no_tab_stops_and_are_not_read_out():
    html = render("## Private endpoints\n\nText.\n").html
    link = re.search(r"<a [^>]*headerlink[^>]*>", html).group(0)
    assert 'aria-hidden="true"' in link and 'tabindex="-1"' in link and 'href="#private-endpoints"' in link


def test_lesson_landmarks_have_unique_names(client, learner_client, course):
    for who in (client, learner_client):
        html = who.get("/course/endpoint-types/").content.decode()
        for tag in ("nav", "aside"):
            opened = re.findall(rf"<{tag}\b[^>]*>", html)
            labels = [re.search(r'aria-label="([^"]+)"', t) for t in opened]
            assert all(labels), (tag, opened)
            names = [label.group(1) for label in labels]
            assert len(names) == len(set(names)), names
        body = re.search(r'<div class="lesson-body">(.*?)</div>\s*\n', html, re.S).group(1)
        assert all('tabindex="-1"' in a for a in re.findall(r"<a [^>]*headerlink[^>]*>", body))


def test_a_post_only_address_opened_with_get_shows_the_site_page(client, learner_client, course):
    for who, url in ((learner_client, reverse("lesson_complete", args=[course[0].slug])),
                     (learner_client, reverse("start_review")), (learner_client, "/quizzes/final/start/")):
        response = who.get(url)
        assert response.status_code == 405 and response["Allow"] == "POST"
        html = response.content.decode()
        assert "This address only takes a form" in html and 'aria-label="Main"' in html


def test_a_405_with_a_body_of_its_own_is_left_alone(rf):
    from django.http import HttpResponseNotAllowed

    from courseware.middleware import MethodNotAllowedPageMiddleware

    own = HttpResponseNotAllowed(["GET"], b'{"error": "GET only"}', content_type="application/json")
    assert MethodNotAllowedPageMiddleware(lambda request: own)(rf.post("/")) is own


def test_search_handles_empty_huge_and_odd_queries(client, course):
    assert client.get(reverse("search"), {"q": ""}).status_code == 200
    assert client.get(reverse("search"), {"q": "x" * 5000}).status_code == 200
    assert client.get(reverse("search"), {"q": "'; DROP TABLE--  %_ \\"}).status_code == 200
    response = client.get(reverse("search"), {"q": "canary"}, HTTP_HX_REQUEST="true")
    assert "<html" not in response.content.decode() and "canary" in response.content.decode()


# --- The decision helper ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "protocol,clients,needs,priority,api,endpoint",
    [
        ("two-way", "global", set(), "cost", "WebSocket", "Regional"),
        ("request", "vpc", set(), "cost", "REST", "Private"),
        ("request", "global", {"caching"}, "cost", "REST", "Edge-optimized"),
        ("request", "regional", {"api-keys"}, "cost", "REST", "Regional"),
        ("request", "global", {"jwt"}, "cost", "HTTP", "Regional"),
        ("request", "regional", set(), "features", "HTTP", "Regional"),
    ],
)
def test_decision_helper_recommends(protocol, clients, needs, priority, api, endpoint):
    rec = decide.recommend(protocol, clients, needs, priority)
    assert (rec.api_type, rec.endpoint_type) == (api, endpoint)
    assert rec.reasons and all(reason.lesson for reason in rec.reasons)


def test_websocket_in_a_vpc_is_warned_that_private_is_rest_only():
    rec = decide.recommend("two-way", "vpc", set(), "cost")
    assert any("REST APIs" in caution.text for caution in rec.cautions)


def test_decision_helper_page_plain_and_htmx(client, course):
    response = client.get(reverse("decision_helper"), {"protocol": "request", "clients": "vpc", "priority": "cost"})
    assert "Recommended: a REST API with a private endpoint" in response.content.decode()
    response = client.get(
        reverse("decision_helper"), {"protocol": "request", "clients": "global", "needs": ["jwt"], "priority": "cost"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "Recommended: an HTTP API" in html and "<html" not in html
    response = client.get(reverse("decision_helper"), {"protocol": "carrier-pigeon"})
    assert response.status_code == 200 and "Answer each question" in response.content.decode()


def test_the_choosing_lesson_embeds_the_decision_helper(client, course):
    html = client.get("/course/choosing-a-design/").content.decode()
    assert "Decision helper" in html and 'hx-get="/course/choose/"' in html
