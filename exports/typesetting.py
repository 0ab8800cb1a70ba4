"""PDFs typeset by Typst (the ``typst`` wheel: a compiled typesetter, run in-process).

Each layout is a static Typst file in templates/exports/pdf/ that reads one JSON value,
``sys.inputs.data``. Everything a person wrote (names, titles, comments, cycle names)
reaches Typst only as a JSON string, which Typst prints as text and never parses as
markup or code: a comment reading ``#exit()``, ``*bold*`` or ``$x$`` comes out literally,
and there is no escaping filter that a template could forget. The words of the layout are
translated in Python (``exports.files``) and travel in the same JSON.

Why Typst (issue 19): a 9-page report with its charts took WeasyPrint about 0.75 s of CPU,
half of it laying out the SVG charts' text; Typst takes about 0.1 s, 14x less CPU in the
same run (BENCHMARKS.md, "PDF renderer"). The PDF is tagged (headings, tables, reading order),
PDF/UA-1, with real, extractable text.
"""

from __future__ import annotations

import json
import threading
from functools import cache

from django.conf import settings

TEMPLATES = settings.BASE_DIR / "templates" / "exports" / "pdf"

# One compiler per layout and process, kept warm: the first compile loads and indexes the
# fonts (about 0.1 s), later ones reuse them. A compiler is not safe to share between
# threads (the web server may run several), hence the lock; Celery's prefork workers are
# single-threaded and never wait on it.
_lock = threading.Lock()


@cache
def _compiler(layout: str):
    # Imported when a PDF is built, not at start-up, like WeasyPrint and openpyxl.
    import typst

    return typst.Compiler(str(TEMPLATES / f"{layout}.typ"), root=str(TEMPLATES))


def render(layout: str, data: dict) -> bytes:
    """The PDF of ``templates/exports/pdf/<layout>.typ`` with ``data`` as its input."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    with _lock:
        # PDF/UA-1: Typst checks its rules (a title, a language, alternative text on every
        # image, tagged structure) while compiling and refuses a document that breaks one,
        # so a chart without alt text fails the tests instead of shipping. Its cost was
        # not measured apart from the rest of the compile.
        return _compiler(layout).compile(
            format="pdf", sys_inputs={"data": payload}, pdf_standards="ua-1"
        )
