"""Text-dump benchmark: the plain-text cleaner on the dev pages as other tools render them.

Users paste what their own tool made of a news page, not our reference scrape. This
script renders every page of ``../shared/eval/extraction/pages`` with each text
renderer found here (Python libraries and the text browsers of the system), into a
temporary folder that is deleted afterwards (``--keep DIR`` keeps it), runs the
plain-text cleaner and two baselines on every rendering, and scores the bodies with
the set's own ``score.py``. The figure that counts is the minimum over renderers.

Renderers: ``reference`` (the set's own browser-copy scrape), ``html2text`` (Markdown,
wrapped at 78 columns), ``bs4`` (BeautifulSoup ``get_text("\\n")``), ``lxml``
(``text_content()`` of the body), ``inscriptis``, ``html-text`` and ``markdownify`` when
installed; ``w3m`` and ``lynx`` (each with and without link numbers), ``elinks``,
``links``, Debian's ``html2text`` and ``pandoc`` (plain text and Markdown) when on PATH.
A missing one is named and skipped.

Methods: ``ours`` (``retrieval.ingest.extract.plaintext.extract_text``), ``trafilatura``
(default call on the dump wrapped one ``<p>`` per line) and ``keep-all`` (the dump).

    .venv/bin/python bench/eval_text_dumps.py [--data ../shared/eval/extraction]
        [--only ours] [--renderers lynx,w3m] [--keep DIR [--render]]
"""

from __future__ import annotations

import argparse
import gzip
import logging
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from eval_extraction import DEFAULT_DATA, _urls, keep_all, score, traf

from retrieval.errors import InputError
from retrieval.ingest.extract.plaintext import extract_text

Renderer = Callable[[bytes], str]
# Columns the terminal browsers lay text out in: a default terminal's width.
TERMINAL_COLUMNS = 80
# Seconds one page may take in a text browser before the rendering counts as empty.
RENDER_TIMEOUT = 60


def _html2text_py(page: bytes) -> str:
    import html2text

    converter = html2text.HTML2Text()  # defaults: Markdown, body_width 78
    return str(converter.handle(page.decode("utf-8", errors="replace")))


def _bs4(page: bytes) -> str:
    from bs4 import BeautifulSoup

    return str(BeautifulSoup(page.decode("utf-8", errors="replace"), "lxml").get_text("\n"))


def _lxml(page: bytes) -> str:
    import lxml.html

    # Decoded first: given bytes without a declared charset, lxml reads them as Latin-1.
    root = lxml.html.document_fromstring(page.decode("utf-8", errors="replace"))
    body = root.find("body")
    return str((body if body is not None else root).text_content())


def _inscriptis(page: bytes) -> str:
    import inscriptis

    return str(inscriptis.get_text(page.decode("utf-8", errors="replace")))


def _html_text(page: bytes) -> str:
    import html_text

    return str(html_text.extract_text(page.decode("utf-8", errors="replace")))


def _markdownify(page: bytes) -> str:
    import markdownify

    return str(markdownify.markdownify(page.decode("utf-8", errors="replace")))


def _command(*argv: str) -> Renderer:
    """A renderer reading the page from stdin, or from a file where ``argv`` says ``{file}``."""

    def run(page: bytes) -> str:
        with tempfile.NamedTemporaryFile(suffix=".html") as file:
            file.write(page)
            file.flush()
            args = [file.name if arg == "{file}" else arg for arg in argv]
            try:
                done = subprocess.run(
                    args, input=page, capture_output=True, timeout=RENDER_TIMEOUT, check=False
                )
            except subprocess.TimeoutExpired:
                return ""
        return done.stdout.decode("utf-8", errors="replace")

    return run


_COLS = str(TERMINAL_COLUMNS)
_PYTHON: dict[str, tuple[str, Renderer]] = {
    "html2text": ("html2text", _html2text_py),
    "bs4": ("bs4", _bs4),
    "lxml": ("lxml", _lxml),
    "inscriptis": ("inscriptis", _inscriptis),
    "html-text": ("html_text", _html_text),
    "markdownify": ("markdownify", _markdownify),
}
_BROWSERS: dict[str, tuple[str, ...]] = {
    "w3m": ("w3m", "-dump", "-T", "text/html", "-I", "UTF-8", "-O", "UTF-8", "-cols", _COLS),
    "lynx": (
        "lynx", "-dump", "-stdin", "-assume_charset=utf-8", "-display_charset=utf-8",
        f"-width={_COLS}",
    ),
    "lynx-nolist": (
        "lynx", "-dump", "-nolist", "-stdin", "-assume_charset=utf-8",
        "-display_charset=utf-8", f"-width={_COLS}",
    ),
    "w3m-numbers": (
        "w3m", "-dump", "-T", "text/html", "-I", "UTF-8", "-O", "UTF-8", "-cols", _COLS,
        "-o", "display_link_number=1",
    ),
    "elinks": (
        "elinks", "-dump", "-dump-charset", "utf-8", "-dump-width", _COLS,
        "-eval", "set document.codepage.assume = \"utf-8\"",
    ),
    "links": (
        "links", "-dump", "-html-assume-codepage", "utf-8", "-codepage", "utf-8",
        "-width", _COLS, "{file}",
    ),
    "html2text-deb": ("/usr/bin/html2text", "-utf8", "-width", _COLS),
    "pandoc-plain": ("pandoc", "-f", "html", "-t", "plain", "--columns", _COLS),
    "pandoc-md": ("pandoc", "-f", "html", "-t", "markdown", "--columns", _COLS),
}  # fmt: skip


def renderers(wanted: set[str] | None) -> dict[str, Renderer]:
    found: dict[str, Renderer] = {}
    for name, (module, render) in _PYTHON.items():
        try:
            __import__(module)
        except ImportError:
            print(f"{name}: not installed (pip install -e '.[bench]'), skipped")
            continue
        found[name] = render
    for name, argv in _BROWSERS.items():
        if shutil.which(argv[0]) is None:
            print(f"{name}: {argv[0]} not on PATH (apt-get install {argv[0]}), skipped")
            continue
        found[name] = _command(*argv)
    return {k: v for k, v in found.items() if wanted is None or k in wanted}


def ours(name: str, data: bytes, url: str | None) -> str:
    try:
        return extract_text(data.decode("utf-8", errors="replace"), name=name, url=url).body
    except InputError:
        return ""


METHODS = {"ours": ours, "trafilatura": traf, "keep-all": keep_all}


def render_all(data_dir: Path, out: Path, named: dict[str, Renderer]) -> None:
    for path in sorted((data_dir / "pages").glob("*.html.gz")):
        name = path.name[: -len(".html.gz")]
        page = gzip.decompress(path.read_bytes())
        (out / "reference").mkdir(parents=True, exist_ok=True)
        shutil.copy(path.with_name(f"{name}.txt"), out / "reference" / f"{name}.txt")
        for renderer, render in named.items():
            (out / renderer).mkdir(parents=True, exist_ok=True)
            (out / renderer / f"{name}.txt").write_text(render(page), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--only", help="comma-separated methods (default: all)")
    parser.add_argument("--renderers", help="comma-separated renderers (default: all found)")
    parser.add_argument(
        "--keep", type=Path, help="keep dumps and predictions here (dumps found there are reused)"
    )
    parser.add_argument("--render", action="store_true", help="render again into --keep")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # trafilatura logs every discarded page
    wanted = set(args.renderers.split(",")) if args.renderers else None
    methods = {k: v for k, v in METHODS.items() if not args.only or k in args.only.split(",")}
    urls = _urls(args.data)
    with tempfile.TemporaryDirectory(prefix="text-dumps-") as tmp:
        root = args.keep or Path(tmp)
        if not (args.keep and (root / "dumps").is_dir() and not args.render):
            render_all(args.data, root / "dumps", renderers(wanted))
        table: dict[str, dict[str, float]] = {}
        for dump_dir in sorted((root / "dumps").iterdir()):
            if wanted is not None and dump_dir.name not in wanted | {"reference"}:
                continue
            for method, run in methods.items():
                pred = root / "pred" / dump_dir.name / method
                pred.mkdir(parents=True, exist_ok=True)
                for dump in sorted(dump_dir.glob("*.txt")):
                    body = run(dump.name, dump.read_bytes(), urls.get(dump.stem))
                    (pred / dump.name).write_text(body, encoding="utf-8")
                table.setdefault(dump_dir.name, {})[method] = score(args.data, pred)[0]
    print(f"{'renderer':14}" + "".join(f"{m:>12}" for m in methods))
    for renderer, row in table.items():
        print(f"{renderer:14}" + "".join(f"{row[m]:12.3f}" for m in methods))
    print(f"{'min':14}" + "".join(f"{min(r[m] for r in table.values()):12.3f}" for m in methods))
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
