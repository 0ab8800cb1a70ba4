"""The translation check itself (.ci/check_translations.py): it must fail on what it is
for, and pass on a marked template and a complete catalog."""

import importlib.util
import shutil
import subprocess
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "check_translations", ROOT / ".ci/check_translations.py"
)
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)


def test_an_unmarked_word_fails():
    found = check.unmarked_text('{% load i18n %}<p>{% translate "Hello" %}</p>\n<p>Goodbye</p>')
    assert found == [(2, "Goodbye")]


def test_a_marked_template_passes():
    source = """{% extends "base.html" %}{% load i18n static %}
{% block title %}{% translate "Language" %}{% endblock %}
{% block content %}
{# a comment with words #}
{% comment %}More words, never shown.{% endcomment %}
<h1 class="big title" id="x-{{ id }}">{% blocktranslate trimmed with name=person.name %}
  Feedback for <strong>{{ name }}</strong>{% endblocktranslate %}</h1>
<!-- an HTML comment -->
<script src="{% static 'js/survey.js' %}">var words = "not shown";</script>
<style>.a { content: "x"; }</style>
<input type="radio" name="rating_{{ item.id }}" value="na"{% if checked %} checked{% endif %}>
<button type="submit" name="action" value="save">{% translate "Save draft" %}</button>
<a href="{{ link }}" aria-label="{% translate 'Open' %}">{{ name }}</a> · 1 – 5 &nbsp; Feedback 360
{% endblock %}"""
    assert check.unmarked_text(source) == []


def test_visible_attributes_count_and_hidden_ones_do_not():
    assert check.unmarked_text('<img alt="A chart" src="x.png" class="wide chart">') == [
        (1, "A chart")
    ]
    assert check.unmarked_text('<input type="submit" value="Send">') == [(1, "Send")]
    assert check.unmarked_text(
        '<input placeholder="{% translate "Name" %}" title="Your name">'
    ) == [(1, "Your name")]


def test_text_around_a_variable_or_tag_is_still_found():
    assert check.unmarked_text("<p>Hello {{ name }},</p>") == [(1, "Hello ,")]
    assert check.unmarked_text("{% if x %}closed{% endif %}") == [(1, "closed")]
    # The allowed brand name hides only itself.
    assert check.unmarked_text("<p>Welcome to Feedback 360</p>") == [(1, "Welcome to Feedback 360")]


def _catalogs(tmp_path, *, fuzzy=False, empty=False, compile_=True, stale=False):
    locale = tmp_path / "locale"
    for lang in check.LANGUAGES:
        folder = locale / lang / "LC_MESSAGES"
        folder.mkdir(parents=True)
        po = polib.POFile()
        po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": lang}
        entry = polib.POEntry(msgid="Save", msgstr="" if empty else f"Save ({lang})")
        if fuzzy:
            entry.flags.append("fuzzy")
        po.append(entry)
        po.save(str(folder / "django.po"))
        if compile_:
            po.save_as_mofile(str(folder / "django.mo"))
        if stale:
            po[0].msgstr = "Changed after compiling"
            po.save(str(folder / "django.po"))
    return locale


def test_complete_compiled_catalogs_pass(tmp_path):
    assert check.catalog_problems(_catalogs(tmp_path)) == []


def test_a_fuzzy_entry_fails(tmp_path):
    problems = check.catalog_problems(_catalogs(tmp_path, fuzzy=True))
    assert len(problems) == 3 and all("'Save' is fuzzy" in p for p in problems)


def test_an_empty_translation_fails(tmp_path):
    problems = check.catalog_problems(_catalogs(tmp_path, empty=True))
    assert any("'Save' has no translation" in p for p in problems)


def test_a_missing_or_stale_mo_fails(tmp_path):
    missing = check.catalog_problems(_catalogs(tmp_path / "a", compile_=False))
    assert len(missing) == 3 and all("django.mo: missing" in p for p in missing)
    stale = check.catalog_problems(_catalogs(tmp_path / "b", stale=True))
    assert len(stale) == 3 and all("stale" in p for p in stale)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext (apt: gettext)")
def test_a_new_marked_string_without_a_catalog_entry_fails(tmp_path):
    """(a) on a copy of the project with one new marked string: makemessages would add it."""
    project = tmp_path / "project"
    shutil.copytree(ROOT, project, ignore=check.COPY_IGNORE, symlinks=True)
    shutil.copytree(ROOT / "locale", project / "locale", dirs_exist_ok=True)
    template = project / "templates" / "feedback" / "too_many_guesses.html"
    template.write_text(template.read_text() + '{% translate "A sentence nobody translated" %}\n')
    problems = check.makemessages_problems(project)
    assert any("'A sentence nobody translated'" in p for p in problems), problems
    assert len([p for p in problems if "no entry for" in p]) == 3  # de, fr, es


def test_the_committed_project_passes_the_whole_check():
    """The shipped catalogs and every template, as `make lint` (and so CI) runs it."""
    make = subprocess.run(
        ["make", "-s", "-n", "lint"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    line = next(line for line in make.stdout.splitlines() if "check_translations.py" in line)
    assert "--paths" not in line  # the whole of templates/, not a chosen few
    assert check.main(["--skip-makemessages"]) == 0


def test_code_is_not_words_but_the_text_around_it_is():
    assert check.unmarked_text("<p><code>https://host/scim/v2/</code></p>") == []
    assert [text for _, text in check.unmarked_text("<p>Base URL: <code>x</code></p>")] == [
        "Base URL:"
    ]
