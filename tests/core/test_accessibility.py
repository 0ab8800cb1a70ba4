"""axe-core on the pages a person sees, at phone and desktop width (WCAG 2.1 AA)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_the_login_page_has_no_serious_accessibility_violation(request, screen, axe_check):
    page = request.getfixturevalue(screen)
    page.goto("/accounts/login/")
    page.get_by_label("Email").wait_for()
    axe_check(page, f"login page ({screen})")
