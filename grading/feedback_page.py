"""The feedback page a student reads: exercise names in its contents, math as MathML, no CDN.

nbgrader's feedback template lists every test cell as "Test cell" and leaves `$...$` for
MathJax, which it loads from a CDN (and the sanitised page drops every script anyway,
preprocessors/sanitize_outputs.py). Two steps of generate_feedback fix that:

- `NameGradedCells` gives each graded cell its exercise's name, read from the instructor's
  notebook (the heading "### Exercise 3 (2 points): set the border" above it), so the page's
  contents say "Exercise 3: set the border (tests)"; a student's own headings are not used.
- `RenderMath` turns the math of every markdown cell into MathML with latex2mathml when the
  page is made, which browsers draw themselves.

The template, templates/dlbook_feedback/, extends nbgrader's: the contents with those names,
long output lines wrapped; nbgrader_config.py points the feedback exporter at it.
"""

from __future__ import annotations

import re

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor

from grading.paths import source_notebook
from helpers.nbcells import grade_id, is_test_metadata, nbgrader_metadata

NAME_KEY = "dlbook_name"  # graded cell metadata: its name in the page's contents

# "### Exercise 3 (2 points): set the border" -> "Exercise 3: set the border"
_HEADING = re.compile(r"^#{1,6}\s+(.*\S)\s*$", re.MULTILINE)
_POINTS = re.compile(r"\s*\(\s*[\d.]+\s+points?\s*\)", re.IGNORECASE)


# -- names ---------------------------------------------------------------------------------
def exercise_names(nb) -> dict[str, str]:
    """grade_id -> "Exercise N: title (tests)" for every graded cell, from the headings above."""
    names, heading = {}, None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found = _HEADING.findall(cell.source)
            if found:
                heading = _POINTS.sub("", found[-1]).strip()
        meta = nbgrader_metadata(cell)
        gid = grade_id(cell)
        if not (gid and meta.get("grade")):
            continue
        if is_test_metadata(meta):
            part = "tests"
        elif cell.cell_type == "markdown":
            part = "written answer"
        else:
            part = "your answer"
        names[gid] = f"{heading} ({part})" if heading else f"{gid} ({part})"
    return names


class NameGradedCells(NbGraderPreprocessor):
    """Every graded cell gets its name (NAME_KEY) from the instructor's notebook."""

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        try:
            path = source_notebook(self.config, info["assignment"], info["notebook"])
            names = exercise_names(nbformat.read(path, as_version=4))
        except (KeyError, OSError, ValueError):
            names = {}
        for cell in nb.cells:
            cell.metadata.pop(NAME_KEY, None)  # never a name the submission brought
            gid = grade_id(cell)
            if gid and nbgrader_metadata(cell).get("grade"):
                cell.metadata[NAME_KEY] = names.get(gid, gid)
        return nb, resources


# -- math ----------------------------------------------------------------------------------
# Code is left alone: fenced blocks and inline code spans are set aside before math is found.
_CODE = re.compile(r"(^```.*?^```|^~~~.*?^~~~|`+[^`\n]*?`+)", re.DOTALL | re.MULTILINE)
_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
# $x$: no space just inside the dollars and no digit right after ("costs $5 and $6" is text).
_INLINE = re.compile(r"(?<![\\$])\$(?=\S)([^$\n]*?\S)\$(?!\d)")
_TOKEN = "DLBOOKMATH{}X"


def to_mathml(latex: str, display: bool) -> str:
    """One formula as MathML on one line; the LaTeX itself, escaped, if it cannot convert."""
    import html

    from latex2mathml.converter import convert

    try:
        return convert(latex.strip(), display="block" if display else "inline").replace("\n", "")
    except Exception:  # noqa: BLE001 -- latex2mathml raises many types; show the source instead
        return f"<code>{html.escape(latex)}</code>"


def render_math(markdown: str) -> str:
    """`markdown` with each `$...$` and `$$...$$` replaced by a placeholder, rendered to HTML
    by nbconvert, placeholders then replaced by MathML: one HTML block on one line, which the
    page's markdown renderer passes through unchanged. Markdown without math is returned as is."""
    from nbconvert.filters import markdown2html

    code: list[str] = []
    formulas: list[str] = []

    def keep_code(match):
        code.append(match.group(0))
        return f"DLBOOKCODE{len(code) - 1}X"

    def keep(display):
        def replace(match):
            formulas.append(to_mathml(match.group(1), display))
            return _TOKEN.format(len(formulas) - 1)

        return replace

    text = _CODE.sub(keep_code, markdown)
    text = _DISPLAY.sub(keep(True), text)
    text = _INLINE.sub(keep(False), text)
    if not formulas:
        return markdown
    for index, original in enumerate(code):
        text = text.replace(f"DLBOOKCODE{index}X", original)
    page = markdown2html(text)
    for index, formula in enumerate(formulas):
        page = page.replace(_TOKEN.format(index), formula)
    return "<div>" + page.replace("\n", "&#10;") + "</div>"


class RenderMath(NbGraderPreprocessor):
    """Math in markdown cells as MathML (after SanitizeOutputs, whose cleaning keeps MathML)."""

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = render_math(cell.source)
        return nb, resources
