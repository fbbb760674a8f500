"""The Quarto project of a year: ``reports/<Y>/quarto/<lang>/`` — one book per language.

Generated on every render (Quarto need not be installed): copies of the executed notebooks (never
re-executed: ``execute: enabled: false``, ``freeze: true``) and small ``.qmd`` files for the pages that are
not notebooks, listed in ``_quarto.yml`` in the same order as the offline report. ``render_with_quarto``
runs ``quarto render`` when the command is on PATH.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from .book import Page
from .printed import book_markdown
from .strings import t


def _qmd(page: Page, img_dir: Path) -> str:
    body = book_markdown([page], img_dir)
    return body


def write_project(project_dir: Path, lang: str, pages: list[Page], title: str, subtitle: str) -> Path:
    """Write ``_quarto.yml`` and the chapter files for one language; return the ``_quarto.yml`` path."""
    if project_dir.exists():
        shutil.rmtree(project_dir)
    chapters_dir = project_dir / "chapters"
    chapters_dir.mkdir(parents=True)
    files: dict[str, str] = {}
    for i, page in enumerate(pages):
        stem = "index" if i == 0 else f"chapters/{page.id}"
        if page.notebook is not None and page.notebook.is_file() and page.failure is None:
            target = project_dir / f"{stem}.ipynb"
            shutil.copyfile(page.notebook, target)
        else:
            target = project_dir / f"{stem}.qmd"
            target.write_text(_qmd(page, project_dir / "chapters" / "img"), encoding="utf-8")
        files[page.id] = target.relative_to(project_dir).as_posix()

    chapters: list[object] = []
    parts: dict[str, dict[str, object]] = {}
    for page in pages:
        if page.section in ("categories", "iso"):
            if page.section not in parts:
                parts[page.section] = {"part": t(page.section, lang), "chapters": []}
                chapters.append(parts[page.section])
            parts[page.section]["chapters"].append(files[page.id])  # type: ignore[union-attr]
        else:
            chapters.append(files[page.id])
    config = {
        "project": {"type": "book", "output-dir": "_book"},
        "lang": lang,
        "execute": {"enabled": False, "freeze": True},
        "book": {"title": title, "subtitle": subtitle, "chapters": chapters},
        "format": {
            "html": {"toc": True, "code-fold": False, "echo": False, "embed-resources": False},
            "typst": {"toc": True, "echo": False, "output-file": f"report_{lang}"},
            "docx": {"toc": True, "echo": False, "output-file": f"report_{lang}"},
        },
    }
    path = project_dir / "_quarto.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def quarto_available() -> bool:
    return shutil.which("quarto") is not None


def render_with_quarto(project_dir: Path, formats: list[str]) -> Path:
    """``quarto render`` the book of one language into ``<project>/_book``; raises on failure."""
    to = ",".join({"html": "html", "pdf": "typst", "docx": "docx"}[f] for f in formats)
    proc = subprocess.run(["quarto", "render", str(project_dir), "--to", to], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"quarto render {project_dir} failed: {proc.stderr.strip()[-2000:]}")
    return project_dir / "_book"
