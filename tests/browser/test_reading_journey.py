"""Reading and finding: the glossary, search, headings, landmarks, lab briefs and the 405 page."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_user

from .conftest import assert_accessible, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def axe_violations(page, ids: set[str]) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in results.response["violations"] if v["id"] in ids]


def test_lesson_headings_are_not_tab_stops_and_landmarks_are_unique(page, course):
    make_user("ada", first_name="Ada")
    log_in(page, "ada", PASSWORD)
    page.goto("/course/endpoint-types/")
    assert not axe_violations(page, {"landmark-unique", "landmark-complementary-is-top-level", "region"})
    assert_accessible(page, every_impact=True)
    assert page.get_by_role("heading", name="Private endpoints", exact=True).is_visible()  # no "#" in its name
    focused = set()
    for _ in range(120):
        page.keyboard.press("Tab")
        focused.add(page.evaluate("() => document.activeElement.className"))
    assert not any("headerlink" in name for name in focused)


def test_glossary_reads_as_text_with_a_to_z(page, course):
    page.goto("/glossary/")
    assert_accessible(page, every_impact=True)
    assert page.locator("#api-key + dd code").first.inner_text() == "x-api-key"
    page.get_by_role("navigation", name="Glossary, A to Z").get_by_role("link", name="V", exact=True).click()
    page.wait_for_url("**/glossary/#letter-v")
    page.locator("#vpc-link + dd").get_by_role("link").click()
    page.wait_for_url("**/course/integrations/#vpc-links")


def test_search_highlights_terms_and_finds_glossary_entries(page, course):
    page.goto("/search/?q=private+endpoint")
    assert page.locator(".glossary-hits a").first.inner_text() == "Private endpoint"
    assert page.locator(".search-hits mark").count() > 2
    assert_accessible(page, every_impact=True)
    page.locator(".search-hits a").first.click()
    page.wait_for_url("**/course/endpoint-types/#private")


def test_a_lab_brief_puts_from_and_subject_on_their_own_lines(page, course):
    page.goto("/labs/private-api/")
    labels = page.locator(".lab-brief-body > p:first-child > strong")
    assert labels.nth(0).inner_text() == "From:" and labels.nth(1).inner_text() == "Subject:"
    first, second = labels.nth(0).bounding_box(), labels.nth(1).bounding_box()
    assert second["y"] > first["y"] + first["height"] / 2 and abs(second["x"] - first["x"]) < 2
    assert_accessible(page, every_impact=True)


def test_a_post_only_address_opened_in_the_browser_shows_the_site_page(page, course):
    make_user("ada", first_name="Ada")
    log_in(page, "ada", PASSWORD)
    response = page.goto("/quizzes/review/")
    assert response.status == 405
    assert page.get_by_role("heading", name="This address only takes a form").is_visible()
    assert page.get_by_role("navigation", name="Main").is_visible()
    assert_accessible(page, every_impact=True)
