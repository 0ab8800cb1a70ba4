#!/usr/bin/env python
"""The translation check (issue 18), run by `make lint` and CI. Fails, saying where, when:

(a) makemessages would change the committed catalogs: a marked string has no entry yet in
    locale/<lang>/LC_MESSAGES/django.po or djangojs.po, or an entry's string is gone
    (it runs makemessages in a temporary copy of the project, never on the work tree);
(b) an entry of a shipped catalog (de, fr, es) has an empty translation or is fuzzy;
(c) a compiled .mo is missing, or says something other than its .po (stale);
(d) a template shows text that is not marked for translation: the text outside
    {% translate %} / {% blocktranslate %}, with HTML tags, comments, <script> and <style>
    taken out and only the attributes people see (alt, title, placeholder, aria-label, an
    input button's value) kept, must hold no letter. ALLOWED_TEXT lists the few exceptions.

    python .ci/check_translations.py [--paths FILE_OR_DIR ...] [--skip-makemessages]

--paths limits (d) to some templates (the catalogs are always checked whole).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("de", "fr", "es")
DOMAINS = ("django", "djangojs")
MAKEMESSAGES = [
    "makemessages",
    *(f"-l{lang}" for lang in LANGUAGES),
    "--no-location",
    "--no-obsolete",
]
# Not copied into the temporary project: not source, or too big to be worth it.
COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "var",
    "staticfiles",
    "node_modules",
    "__pycache__",
    ".*_cache",
    "*.sqlite3",
    "*.mo",
)
# Text that is the same in every language: the product's name, formats and acronyms.
ALLOWED_TEXT = {"Feedback 360", "Feedback\xa0360", "API", "JSON", "CSV", "PDF", "HR"}
# Attributes whose values people see or hear.
VISIBLE_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "aria-description", "label"}
# Elements whose content is never words to translate: scripts, styles, and <code> (URLs,
# tokens and commands, the same in every language).
HIDDEN_ELEMENTS = ("script", "style", "code")
# The WeasyPrint layout of the PDF is kept only as the benchmark's baseline
# (PDF_RENDERER=weasyprint, docs/decisions.md): English only, never served by default.
NOT_CHECKED = ("templates/exports/pdf/",)
TEMPLATE_SUFFIXES = (".html", ".txt")
LETTER = re.compile(r"[^\W\d_]")


# --- (a), (b), (c): the catalogs ---------------------------------------------------


def _po(path: Path):
    import polib

    return polib.pofile(str(path), wrapwidth=0)


def _key(entry) -> tuple:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def _translations(entries) -> dict:
    return {
        _key(e): (
            tuple(v for _, v in sorted(e.msgstr_plural.items())) if e.msgid_plural else e.msgstr
        )
        for e in entries
        if e.msgid and not e.obsolete
    }


def catalog_problems(locale_dir: Path) -> list[str]:
    """(b) empty or fuzzy entries and (c) missing or stale .mo files."""
    import polib

    problems = []
    for lang in LANGUAGES:
        for domain in DOMAINS:
            po_path = locale_dir / lang / "LC_MESSAGES" / f"{domain}.po"
            if not po_path.exists():
                if domain == "django":
                    problems.append(f"{po_path}: missing")
                continue
            po = _po(po_path)
            for entry in po:
                if entry.obsolete:
                    continue
                where = f"{po_path.relative_to(locale_dir.parent)}: msgid {entry.msgid!r}"
                if "fuzzy" in entry.flags:
                    problems.append(f"{where} is fuzzy")
                empty = (
                    any(not v for v in entry.msgstr_plural.values())
                    if entry.msgid_plural
                    else not entry.msgstr
                )
                if empty:
                    problems.append(f"{where} has no translation")
            mo_path = po_path.with_suffix(".mo")
            if not mo_path.exists():
                problems.append(
                    f"{mo_path.relative_to(locale_dir.parent)}: missing (compilemessages)"
                )
                continue
            wanted = _translations(e for e in po if "fuzzy" not in e.flags)
            compiled = _translations(polib.mofile(str(mo_path)))
            if wanted != compiled:
                problems.append(
                    f"{mo_path.relative_to(locale_dir.parent)}: stale, not compiled from its .po "
                    "(run compilemessages)"
                )
    return problems


def makemessages_problems(root: Path) -> list[str]:
    """(a): the catalogs makemessages writes, compared with the committed ones."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="check-translations-") as tmp:
        copy = Path(tmp) / "project"
        shutil.copytree(root, copy, ignore=COPY_IGNORE, symlinks=True)
        for domain in DOMAINS:
            command = [sys.executable, "manage.py", *MAKEMESSAGES, "-d", domain]
            done = subprocess.run(command, cwd=copy, capture_output=True, text=True, check=False)  # noqa: S603 - our own manage.py
            if done.returncode:
                return [f"makemessages -d {domain} failed:\n{done.stderr}"]
        for lang in LANGUAGES:
            for domain in DOMAINS:
                relative = Path("locale") / lang / "LC_MESSAGES" / f"{domain}.po"
                made = copy / relative
                committed = root / relative
                made_keys = set(_translations(_po(made))) if made.exists() else set()
                committed_keys = set(_translations(_po(committed))) if committed.exists() else set()
                for msgctxt, msgid, _plural in sorted(made_keys - committed_keys):
                    context = f" (context {msgctxt!r})" if msgctxt else ""
                    problems.append(
                        f"{relative}: no entry for {msgid!r}{context} (run makemessages)"
                    )
                for _msgctxt, msgid, _plural in sorted(committed_keys - made_keys):
                    problems.append(
                        f"{relative}: {msgid!r} is no longer in the code "
                        "(run makemessages with --no-obsolete)"
                    )
    return problems


# --- (d): unmarked text in templates ---------------------------------------------------


def _blank(text: str) -> str:
    """The same lines, no words: line numbers stay right."""
    return "\n" * text.count("\n")


def translatable_source(source: str) -> str:
    """The template with every tag, variable, comment and translated text blanked out,
    leaving the text a person would see untranslated (and the HTML around it)."""
    from django.template.base import DebugLexer, TokenType

    out = []
    depth = 0  # inside blocktranslate (its text is the message) or comment
    for token in DebugLexer(source).tokenize():
        start, end = token.position
        raw = source[start:end]
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split(" ", 1)[0] if token.contents else ""
            if name in ("blocktranslate", "blocktrans", "comment", "verbatim"):
                depth += 1
            elif name in ("endblocktranslate", "endblocktrans", "endcomment", "endverbatim"):
                depth = max(0, depth - 1)
            out.append(_blank(raw))
        elif token.token_type == TokenType.TEXT and depth == 0:
            out.append(raw)
        else:
            out.append(_blank(raw))
    return "".join(out)


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN_ELEMENTS:
            self._hidden += 1
        values = dict(attrs)
        for name, value in attrs:
            visible = name in VISIBLE_ATTRIBUTES or (
                # An input button shows its value; a <button> shows its content instead.
                name == "value"
                and tag == "input"
                and (values.get("type") or "") in ("submit", "button", "reset")
            )
            if visible and value:
                self._check(value)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in HIDDEN_ELEMENTS:
            self._hidden -= 1

    def handle_endtag(self, tag):
        if tag in HIDDEN_ELEMENTS:
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data):
        if not self._hidden:
            self._check(data)

    def _check(self, text):
        text = " ".join(text.split())
        rest = text
        for allowed in sorted(ALLOWED_TEXT, key=len, reverse=True):
            rest = re.sub(rf"(?<!\w){re.escape(allowed)}(?!\w)", " ", rest)
        if LETTER.search(rest):
            self.found.append((self.getpos()[0], text))


def unmarked_text(source: str) -> list[tuple[int, str]]:
    """(line, text) of each piece of visible text that is not marked for translation."""
    parser = _VisibleText()
    parser.feed(translatable_source(source))
    parser.close()
    return parser.found


def template_files(paths: list[str]) -> list[Path]:
    files = []
    for name in paths:
        path = (ROOT / name) if not Path(name).is_absolute() else Path(name)
        if path.is_dir():
            files += sorted(
                p
                for p in path.rglob("*")
                if p.suffix in TEMPLATE_SUFFIXES
                and not (
                    p.is_relative_to(ROOT) and str(p.relative_to(ROOT)).startswith(NOT_CHECKED)
                )
            )
        elif path.exists():
            files.append(path)
        else:
            files.append(path)  # reported as missing below
    return files


def template_problems(paths: list[str]) -> list[str]:
    problems = []
    for path in template_files(paths):
        if not path.exists():
            problems.append(f"{path}: no such template")
            continue
        for line, text in unmarked_text(path.read_text(encoding="utf-8")):
            shown = text if len(text) <= 80 else text[:77] + "..."
            where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            problems.append(f"{where}:{line}: not marked for translation: {shown!r}")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--paths",
        nargs="+",
        default=["templates"],
        help="templates or folders of templates for the unmarked-text check (default: templates)",
    )
    parser.add_argument("--skip-makemessages", action="store_true", help="skip check (a)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    problems = []
    if not args.skip_makemessages:
        problems += makemessages_problems(ROOT)
    problems += catalog_problems(ROOT / "locale")
    problems += template_problems(args.paths)
    for problem in problems:
        print(problem)
    if problems:
        print(f"check_translations: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("check_translations: catalogs complete and compiled, templates marked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
