"""PDF and DOCX from one intermediate Pandoc Markdown document per language.

book pages → ``report_<lang>.md`` (figures extracted to ``img/``) → pandoc → Typst body → the PyPI ``typst``
compiler (bundled fonts only, fixed timestamp: same input, same bytes) → ``report_<lang>.pdf``; and the same
Markdown → pandoc → ``report_<lang>.docx`` (SOURCE_DATE_EPOCH fixed, zip normalised).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from ..util import normalize_zip, write_text_atomic
from .book import Block, Page, Table, numeric_columns, shift_headings
from .site import template_text
from .strings import t

PANDOC_FROM = "markdown-auto_identifiers-tex_math_dollars-raw_tex-raw_html-citations-smart"  # HTML in text is text  # HTML in text is text
FIXED_EPOCH = 0
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|$@~^])")
_TAG = re.compile(r"<[^>]+>")


class PrintError(RuntimeError):
    """pandoc or typst failed; the message says which file and why."""


def md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def table_markdown(table: Table) -> str:
    """A pipe table (numeric columns right-aligned); the caption follows as ``: caption``."""
    header, rows = table.padded()
    num = numeric_columns(table)
    head = header[-1] if header else [""] * table.ncols
    lines = ["| " + " | ".join(md_escape(c) for c in head) + " |"]
    lines.append("|" + "|".join("---:" if n else ":---" for n in num) + "|")
    lines += ["| " + " | ".join(md_escape(c) for c in r) + " |" for r in rows]
    if table.caption:
        lines += ["", f": {md_escape(table.caption)}"]
    return "\n".join(lines)


def block_markdown(block: Block, level: int, with_figures: bool) -> str:
    if block.kind == "markdown":
        # Sections inside a chapter stay out of the table of contents (chapters and ISO themes only).
        return shift_headings(block.text, level - 1, "{.unlisted}")
    if block.kind == "table" and block.table is not None:
        return table_markdown(block.table)
    if block.kind == "image" and block.image is not None:
        caption = md_escape(block.caption or block.alt)
        return f"![{caption}](img/{block.image_name}){{width=80%}}" if with_figures else ""
    if block.kind == "text":
        return "```\n" + block.text.replace("```", "'''") + "\n```"
    if block.kind == "error":
        return "> **" + md_escape(block.text) + "**"
    if block.kind == "html":
        text = " ".join(_TAG.sub(" ", block.text).split())
        return md_escape(text)
    return ""


def book_markdown(pages: list[Page], img_dir: Path) -> str:
    """The whole report of one language as Pandoc Markdown; figures are written to ``img_dir``.

    ISO indicator pages (level 3) become short sections without figures, under their theme's table.
    """
    parts: list[str] = []
    img_dir.mkdir(parents=True, exist_ok=True)
    for page in pages:
        parts.append(f"{'#' * page.level} {md_escape(page.title)}")
        with_figures = page.level < 3
        for block in page.blocks:
            if block.kind == "image" and block.image is not None and with_figures:
                target = img_dir / block.image_name
                if not target.exists():
                    target.write_bytes(block.image)
            text = block_markdown(block, page.level, with_figures)
            if text.strip():
                parts.append(text)
    return "\n\n".join(parts) + "\n"


def _pandoc(args: list[str], text: str, cwd: Path) -> bytes:
    import pypandoc

    env = {**os.environ, "SOURCE_DATE_EPOCH": str(FIXED_EPOCH)}
    proc = subprocess.run(
        [pypandoc.get_pandoc_path(), *args], input=text.encode("utf-8"), capture_output=True, cwd=cwd, env=env
    )
    if proc.returncode != 0:
        raise PrintError(f"pandoc {' '.join(args)} failed in {cwd}: {proc.stderr.decode('utf-8', 'replace').strip()}")
    return proc.stdout


def write_pdf(markdown: str, build_dir: Path, out: Path, inputs: dict[str, str]) -> Path:
    """Typeset the Markdown with Typst into ``out``; ``inputs`` fills the cover (title, city, year, ...)."""
    body = _pandoc(["-f", PANDOC_FROM, "-t", "typst", "--wrap=preserve"], markdown, build_dir)
    (build_dir / "body.typ").write_bytes(body)
    return typst_pdf(build_dir, "report.typ", out, inputs)


def typst_pdf(build_dir: Path, template: str, out: Path, inputs: dict[str, str] | None = None) -> Path:
    """Compile the package template ``template`` in ``build_dir`` (its data files beside it) into ``out``,
    atomically, with no system fonts and a fixed timestamp (the same inputs give the same bytes)."""
    import typst  # heavy: only when a PDF is written

    main = build_dir / template
    main.write_text(template_text(template), encoding="utf-8")
    try:
        pdf = typst.compile(
            str(main), root=str(build_dir), ignore_system_fonts=True, sys_inputs=inputs or {}, timestamp=FIXED_EPOCH
        )
    except Exception as exc:  # typst.TypstError carries the diagnostic
        raise PrintError(f"typst could not compile {main}: {exc}") from exc
    assert isinstance(pdf, bytes)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".pdf.tmp")
    tmp.write_bytes(pdf)
    os.replace(tmp, out)
    return out


def write_docx(markdown: str, build_dir: Path, out: Path, lang: str, title: str, subtitle: str) -> Path:
    """The same Markdown as a Word document (headings, figures, tables, a table of contents)."""
    tmp = build_dir / out.name
    args = [
        "-f",
        PANDOC_FROM,
        "-t",
        "docx",
        "--toc",
        "--toc-depth=2",
        f"--resource-path={build_dir}",
        "-M",
        f"title={title}",
        "-M",
        f"subtitle={subtitle}",
        "-M",
        f"lang={lang}",
        "-M",
        f"toc-title={t('contents', lang)}",
        "-o",
        str(tmp),
    ]
    _pandoc(args, markdown, build_dir)
    normalize_zip(tmp)
    out.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, out)
    return out


def write_markdown(markdown: str, path: Path) -> Path:
    return write_text_atomic(path, markdown)
