"""The project's URLconf: each app's URLs included once."""

from django.urls import URLResolver

from config import urls


def test_it_includes_each_url_module_once():
    included = [
        getattr(pattern.urlconf_name, "__name__", pattern.urlconf_name)
        for pattern in urls.urlpatterns
        # A module, by name or imported (the admin's URLs are a list of its own).
        if isinstance(pattern, URLResolver) and not isinstance(pattern.urlconf_name, list | tuple)
    ]
    assert "reports.urls" in included
    assert len(included) == len(set(included)), included
