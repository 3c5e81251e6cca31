from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_user

from .conftest import assert_accessible, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_up_log_out_log_in_see_your_name(page):
    page.goto("/")
    assert_accessible(page)
    page.get_by_role("link", name="Sign up").click()
    assert_accessible(page)
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Your name").fill("Grace")
    page.get_by_label("E-mail").fill("grace@example.com")
    page.locator("#id_password1").fill("a-long-unusual-passphrase")
    page.locator("#id_password2").fill("a-long-unusual-passphrase")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/")
    assert page.get_by_test_id("user-name").inner_text() == "Grace"

    page.get_by_role("button", name="Account menu for Grace").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/")
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").is_visible()

    log_in(page, "grace", "a-long-unusual-passphrase")
    assert page.get_by_test_id("user-name").inner_text() == "Grace"
    assert_accessible(page)


def test_signup_errors_are_readable(page):
    page.goto("/accounts/signup/")
    page.get_by_role("button", name="Create account").click()
    assert page.get_by_text("This field is required.").first.is_visible()
    assert_accessible(page)


def test_instructor_sees_the_dashboard_link_and_a_learner_does_not(page):
    make_user("ines", first_name="Inès", instructor=True)
    make_user("ada", first_name="Ada")
    log_in(page, "ada", PASSWORD)
    assert page.get_by_role("link", name="Dashboard").count() == 0

    page.context.clear_cookies()
    log_in(page, "ines", PASSWORD)
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url("**/dashboard/")
    assert page.get_by_role("heading", name="Instructor dashboard").is_visible()
    assert_accessible(page)


def test_dark_mode_and_phone_layout(phone_page):
    page = phone_page
    page.goto("/")
    # On a phone the menu collapses behind a button that a keyboard or a finger can open.
    toggler = page.get_by_role("button", name="Show the menu")
    assert toggler.is_visible()
    toggler.click()
    page.get_by_role("button", name="Dark mode").click()
    assert page.evaluate("document.documentElement.getAttribute('data-bs-theme')") == "dark"
    page.reload()
    assert page.evaluate("document.documentElement.getAttribute('data-bs-theme')") == "dark"
    assert_accessible(page)
    # Nothing is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_skip_link_is_first_and_moves_focus(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
