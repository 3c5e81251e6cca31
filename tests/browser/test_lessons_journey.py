from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_user

from .conftest import assert_accessible, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_read_a_lesson_mark_it_complete_and_find_canary(page, course):
    make_user("ada", first_name="Ada")
    log_in(page, "ada", PASSWORD)
    total = course.count()  # the course's own lessons, however many it has

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Course").click()
    page.wait_for_url("**/course/")
    assert page.get_by_test_id("progress-text").inner_text() == f"0 of {total} lessons complete"
    assert_accessible(page, every_impact=True)

    page.get_by_role("link", name="Endpoint types: edge-optimized, regional, private").first.click()
    page.wait_for_url("**/course/endpoint-types/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Endpoint types")
    assert page.locator(".lesson-body img").first.get_attribute("alt")
    assert_accessible(page, every_impact=True)

    page.get_by_role("button", name="Mark complete").click()
    # htmx swaps the control and, out of band, the progress bar and outline: no reload.
    page.get_by_text("You have completed this lesson.").wait_for()
    assert page.get_by_test_id("progress-text").inner_text() == f"1 of {total} lessons complete"
    assert page.locator("#course-progress [role=progressbar]").get_attribute("aria-valuenow") == str(round(100 / total))
    assert_accessible(page, every_impact=True)

    page.goto("/search/")
    page.get_by_label("Search the lessons").fill("canary")
    page.get_by_role("button", name="Search").click()
    page.locator(".search-hits a").first.wait_for()
    assert_accessible(page, every_impact=True)
    page.locator(".search-hits a").first.click()
    page.wait_for_url("**/course/stages-deployments/#canary-releases")
    assert page.get_by_role("heading", name="Canary releases").first.is_visible()


def test_bookmark_a_section_without_reloading(page, course):
    make_user("ada", first_name="Ada")
    log_in(page, "ada", PASSWORD)
    page.goto("/course/security/")
    page.locator(".toc").get_by_role("button", name="Bookmark: Resource policies").click()
    page.locator('.toc button[aria-pressed="true"]').wait_for()
    page.goto("/bookmarks/")
    assert page.get_by_role("link", name="Resource policies").is_visible()
    assert_accessible(page, every_impact=True)


def test_a_lesson_reads_well_on_a_phone(phone_page, course):
    page = phone_page
    page.goto("/course/api-types/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert_accessible(page, every_impact=True)


def test_decision_helper_updates_as_you_answer(page, course):
    page.goto("/course/choose/")
    page.get_by_label("Only clients inside our VPC; nothing public").check()
    page.get_by_text("Recommended: a REST API with a private endpoint").wait_for()
    assert_accessible(page, every_impact=True)
