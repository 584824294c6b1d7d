"""What a student sees: every released chapter in the real `./dlbook lab`, driven in Chromium.

For each chapter in release/ (parametrized, so new chapters are covered when they are built):
open the notebook, Run All, and check that every code cell ran (Run All did not stop early),
that only test cells tagged `raises-exception` of unfinished exercises show errors, that every
figure the kernel sent is drawn and the formulas are typeset; that a live training plot is one
image updated in place (never two, never cleared) that ends on the final epoch; then fill one
exercise in through the editor and see its pass line. Chapter 05's explorer: move each slider
and see the picture change. A failure keeps a screenshot under test-artifacts/browser/ (or
$DLBOOK_ARTIFACTS) and names it.

Needs Chromium at /usr/bin/chromium (Debian's; Playwright's own browser download does not work
on the book's machines) with fonts-noto-cjk; .ci/run installs both. Otherwise the tests skip
and say what to install. Runtime: see the module's README row (under 10 minutes).
"""

import base64
import contextlib
import io
import json
import re
import time
from pathlib import Path

import pytest

from tests.browser import lab as ui

ROOT = ui.ROOT
RELEASED = sorted(p for p in ROOT.glob("release/[0-9][0-9]_*") if (p / f"{p.name}.ipynb").exists())
EXPLORER_CHAPTER = ROOT / "release" / "05_convolution"
PASS_LINE = "the visible tests pass"
EXPLORER_SETTINGS = re.compile(r"\s*(input|size|kernel|padding|stride|dilation)", re.IGNORECASE)
FRAME_KEY = "dlbook-animator"  # helpers.Animator.FRAME_KEY (not imported: no torch here)

# The browser tests share one lab and one Chromium (`./dlbook test` keeps a file on one worker).


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    missing = ui.missing_requirements()
    if missing:
        pytest.skip(f"browser suite skipped: {missing}")
    lab = ui.start_lab(tmp_path_factory.mktemp("lab"))
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        chromium = p.chromium.launch(executable_path=str(ui.CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, lab):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()
    lab.shut_down_kernels()  # each chapter's kernel holds its tensors: free them


def _fail(page, name: str, problems: list[str], recording: dict | None = None) -> None:
    folder = ui.keep_artifacts(name)
    page.screenshot(path=str(folder / "page.png"), full_page=True)
    if recording:  # every state of the output images during the run, to replay a failure
        (folder / "recording.json").write_text(json.dumps(recording), encoding="utf-8")
    (folder / "problems.txt").write_text("\n".join(problems) + "\n", encoding="utf-8")
    pytest.fail(
        f"{name}: {len(problems)} problem(s); screenshot in {folder}\n- " + "\n- ".join(problems),
        pytrace=False,
    )


def _first_line(cell: dict) -> str:
    source = "".join(cell["source"])
    return source.splitlines()[0][:70] if source else "(empty)"


def _png_info(data_url: str) -> dict | None:
    """The Animator's frame description inside a PNG data URL, or None for another image."""
    from PIL import Image

    if not data_url.startswith("data:image/png;base64,"):
        return None
    try:
        image = Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1])))
        text = getattr(image, "text", {}).get(FRAME_KEY)
    except (OSError, ValueError):  # not a readable PNG: not one of the Animator's frames
        return None
    return json.loads(text) if text else None


# --- the checks, each returning a list of problems ----------------------------------------


def check_ran_every_cell(shown: list[str], nb: dict) -> list[str]:
    """Run All must reach the last cell: every code cell has an execution number.

    `shown` is each cell's prompt as the page shows it ('[3]:', '[ ]:', '' for markdown).
    """
    if len(shown) != len(nb["cells"]):
        return [f"the page shows {len(shown)} cells, the notebook has {len(nb['cells'])}"]
    for i, (cell, prompt) in enumerate(zip(nb["cells"], shown)):
        if cell["cell_type"] == "code" and not re.fullmatch(r"\[\d+\]:", prompt):
            before = [
                c
                for c in nb["cells"][:i]
                if c["cell_type"] == "code"
                and any(o["output_type"] == "error" for o in c.get("outputs", []))
            ]
            why = (
                f"; the last error before it: {before[-1]['outputs'][-1]['ename']} in "
                f"'{_first_line(before[-1])}'"
                if before
                else ""
            )
            return [
                (
                    f"Run All stopped early: cell {i} ('{_first_line(cell)}') did not run "
                    f"(prompt {prompt!r}){why}"
                )
            ]
    return []


def check_errors_are_expected(nb: dict) -> list[str]:
    """Only test cells tagged raises-exception (an unfinished exercise) may show an error."""
    problems = []
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            if out["output_type"] == "error" and "raises-exception" not in cell["metadata"].get(
                "tags", []
            ):
                problems.append(
                    f"cell {i} ('{_first_line(cell)}') raised {out['ename']}: {out['evalue'][:120]}"
                )
            if (
                out["output_type"] == "stream"
                and out["name"] == "stderr"
                and "Traceback" in "".join(out["text"])
            ):
                problems.append(f"cell {i} ('{_first_line(cell)}') printed a traceback")
    return problems


def check_figures_drawn(page, nb: dict) -> list[str]:
    """Every image the kernel sent is drawn (decoded, non-zero size); formulas are typeset."""
    problems = []
    sent = [
        i
        for i, c in enumerate(nb["cells"])
        for o in c.get("outputs", [])
        if {"image/png", "image/svg+xml"} & set(o.get("data", {}))
    ]
    cells = page.locator(ui.CELLS)
    for i in sorted(set(sent)):
        sizes = (
            cells.nth(i)
            .locator(".jp-OutputArea-output img, .jp-OutputArea-output svg")
            .evaluate_all(
                "els => els.map(e => e.getBoundingClientRect().width * "
                "(e.naturalWidth === undefined ? 1 : e.naturalWidth))"
            )
        )
        if not sizes or min(sizes) <= 0:
            problems.append(
                f"cell {i} ('{_first_line(nb['cells'][i])}') sent a figure the page does not show"
            )
    has_math = any(
        c["cell_type"] == "markdown" and "$" in "".join(c["source"]) for c in nb["cells"]
    )
    if has_math and page.locator(".jp-RenderedMarkdown mjx-container").count() == 0:
        problems.append("the chapter has formulas ($...$) but none is typeset by MathJax")
    return problems


def check_live_plots(recording: dict) -> list[str]:
    """Each live plot (one Animator; a cell may train several) shows one image, updated in
    place, never cleared, ending on the end of its x-axis (the last epoch or step), and its
    first frame already has data."""
    problems = []
    info = {k: _png_info(src) for k, src in recording["images"].items()}
    frames: dict[tuple, list] = {}  # (cell, plot) -> [(number of its images shown, last key)]
    for _, row in recording["samples"]:
        for cell, keys in enumerate(row):
            shown: dict = {}
            for k in keys:
                if info.get(k):
                    shown.setdefault(info[k].get("plot"), []).append(k)
            for plot in {p for c, p in frames if c == cell} | set(shown):
                ks = shown.get(plot, [])
                frames.setdefault((cell, plot), []).append((len(ks), ks[-1] if ks else None))
    for (cell, _), seen in frames.items():
        counts = [n for n, _ in seen]
        if max(counts) > 1:
            problems.append(
                f"live plot in cell {cell}: {max(counts)} plot images at once "
                "(a new figure per update instead of one updated in place)"
            )
        shown_from = next(i for i, n in enumerate(counts) if n)
        if 0 in counts[shown_from:]:
            problems.append(f"live plot in cell {cell}: the image was cleared during training")
        keys = [k for _, k in seen if k]
        first, last = info[keys[0]], info[keys[-1]]
        if not any(first["points"]):
            problems.append(f"live plot in cell {cell}: the first frame is empty axes")
        xlim = last.get("xlim")
        if xlim and last["x_last"] is not None and abs(last["x_last"] - xlim[1]) > 1e-6:
            problems.append(
                f"live plot in cell {cell}: the last frame shown ends at "
                f"x={last['x_last']}, not at the end of training, x={xlim[1]}"
            )
    return problems


def fill_one_exercise(page, release_nb: dict, source_nb: dict) -> list[str]:
    """Type the reference answer of the first exercise whose test prints the pass line into
    its answer cell, run it and its test cell, and look for the pass line."""
    cells = release_nb["cells"]
    source_by_id = {c.get("id"): c for c in source_nb["cells"]}
    for i, cell in enumerate(cells[:-1]):
        meta = cell["metadata"].get("nbgrader", {})
        test = cells[i + 1]
        if not (
            cell["cell_type"] == "code"
            and meta.get("solution")
            and test["metadata"].get("nbgrader", {}).get("grade")
            and "passed(" in "".join(test["source"])
        ):
            continue
        answer = "".join(source_by_id[cell["id"]]["source"])
        answer = "\n".join(
            line
            for line in answer.splitlines()
            if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")
        )
        if PASS_LINE in ui.cell_text(page, i + 1):
            return [f"exercise '{meta['grade_id']}' shows its pass line before it is solved"]
        ui.replace_cell_source(page, i, answer)
        ui.run_cell(page, i)
        ui.wait_until_idle(page, 60)
        ui.run_cell(page, i + 1)
        ui.wait_until_idle(page, 60)
        shown = ui.cell_text(page, i + 1)
        if PASS_LINE not in shown:
            return [
                (
                    f"exercise '{meta['grade_id']}' filled in through the editor: its test cell "
                    f"shows {shown.strip()[-300:]!r}, not the pass line"
                )
            ]
        return []
    return [
        (
            "no exercise's test cell prints the pass line (`passed(...)` at the end of its "
            "visible part)"
        )
    ]


def self_check_in_the_page(page, release_nb: dict) -> list[str]:
    """`check()` typed into a new cell: the one exercise filled in passes, the others not."""
    n_tests = sum(
        1
        for c in release_nb["cells"]
        if c["cell_type"] == "code"
        and c["metadata"].get("nbgrader", {}).get("grade")
        and not c["metadata"]["nbgrader"].get("solution")
    )
    index = ui.add_cell_at_end(page, "from helpers.selfcheck import check\ncheck()")
    ui.wait_until_idle(page, 120)
    shown = ui.cell_text(page, index)
    want = f"1 of {n_tests} exercises pass their visible tests"
    if want not in shown:
        return [f"the self-check in a new cell shows {shown.strip()[-300:]!r}, not {want!r}"]
    return []


# --- the tests -----------------------------------------------------------------------------


@contextlib.contextmanager
def screenshot_on_error(page, name: str):
    """A Playwright error (a dialog in the way, a timeout) also keeps a screenshot."""
    try:
        yield
    except Exception as err:  # any error: keep the picture, then report it as a failure
        if isinstance(err, pytest.fail.Exception):
            raise
        _fail(page, name, [f"{type(err).__name__}: {str(err)[:1500]}"])


def run_all_and_check(page, lab, relpath: str, record_property, timeout: float = 420):
    """Open, Run All while recording the page, save; return (problems, saved notebook)."""
    record_property("open_s", round(ui.open_notebook(page, lab, relpath), 1))
    page.evaluate(ui.SAMPLER_JS, ui.CELLS)
    start = time.perf_counter()
    ui.run_all(page)
    finished = ui.wait_until_idle(page, timeout=timeout)
    record_property("run_all_s", round(time.perf_counter() - start, 1))
    recording = page.evaluate(ui.STOP_SAMPLER_JS)
    record_property("page_states_recorded", len(recording["samples"]))
    record_property(
        "live_plot_frames", sum(1 for src in recording["images"].values() if _png_info(src))
    )
    saved = ui.save(page, lab, relpath)
    problems = [] if finished else [f"Run All was still running after {timeout:.0f} s"]
    problems += check_ran_every_cell(ui.prompts(page), saved)
    problems += check_errors_are_expected(saved)
    problems += check_figures_drawn(page, saved)
    problems += check_live_plots(recording)
    return problems, saved, finished, recording


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("chapter", RELEASED, ids=lambda p: p.name)
def test_a_student_runs_the_whole_chapter(chapter: Path, lab, page, record_property):
    relpath = f"{chapter.name}/{chapter.name}.ipynb"
    source_nb = json.loads((ROOT / "source" / relpath).read_text(encoding="utf-8"))
    with screenshot_on_error(page, chapter.name):
        problems, saved, finished, recording = run_all_and_check(
            page, lab, relpath, record_property
        )
        if finished:
            start = time.perf_counter()
            filled = fill_one_exercise(page, saved, source_nb)
            problems += filled
            record_property("exercise_s", round(time.perf_counter() - start, 1))
            if not filled:
                problems += self_check_in_the_page(page, saved)
    if problems:
        _fail(page, chapter.name, problems, recording)


def _explorer_signature(page, index: int) -> tuple:
    """What the explorer shows, without the sliders' own read-outs: images and texts."""
    return tuple(
        page.locator(ui.CELLS)
        .nth(index)
        .evaluate("""cell => {
        const out = cell.querySelector('.jp-Cell-outputArea') || cell;
        const imgs = [...out.querySelectorAll('img')].map(i => i.src.length + i.src.slice(-64));
        const texts = [...out.querySelectorAll('.widget-output, .widget-html, .widget-label, '
            + '.jp-OutputArea-output pre, svg')]
            .filter(e => !e.closest('.widget-slider')).map(e => e.textContent || e.outerHTML);
        return [imgs.length, ...imgs, ...texts]; }""")
    )


@pytest.mark.browser
@pytest.mark.slow
def test_the_convolution_explorer_answers_its_sliders(lab, page):
    if not EXPLORER_CHAPTER.is_dir():
        pytest.skip(
            "chapter 05 (release/05_convolution/) is not built yet: the explorer test "
            "runs once it is"
        )
    relpath = f"{EXPLORER_CHAPTER.name}/{EXPLORER_CHAPTER.name}.ipynb"
    with screenshot_on_error(page, "05_explorer"):
        ui.open_notebook(page, lab, relpath)
        ui.run_all(page)
        ui.wait_until_idle(page, timeout=300)
        problems = _move_every_slider(page)
    if problems:
        _fail(page, "05_explorer", problems)


# Where the explorer's parts are drawn, in page pixels: every label whole (no text cut off),
# every read-out and handle inside the controls' column and left of the picture.
EXPLORER_LAYOUT_JS = """cell => {
  const box = e => e.getBoundingClientRect();
  const root = cell.querySelector('.conv-explorer');
  if (!root) return {missing: true};
  const img = root.querySelector('img');
  const column = root.querySelector('.widget-hbox > .widget-vbox');
  const clipped = e => e.scrollWidth > e.clientWidth + 1;
  return {
    picture_left: img ? box(img).left : null,
    column_right: box(column).right,
    column_clipped: clipped(column),
    labels: [...root.querySelectorAll('.widget-label, .widget-label-basic')]
      .filter(e => e.textContent.trim())
      .map(e => [e.textContent.trim(), clipped(e), box(e).width]),
    readouts: [...root.querySelectorAll('.widget-readout')]
      .map(e => [e.textContent.trim(), box(e).right, box(e).width]),
    handles: [...root.querySelectorAll('.noUi-handle')].map(e => [box(e).left, box(e).width]),
  }; }"""
SCROLLED_SIDEWAYS_JS = """cell => [...cell.querySelectorAll('.conv-explorer *')]
  .filter(e => e.scrollLeft > 0).map(e => e.className).join(', ')"""


def explorer_layout(cell) -> list[str]:
    """At the page's window width: nothing of the controls is cut off or hidden by the picture."""
    shown = cell.evaluate(EXPLORER_LAYOUT_JS)
    if shown.get("missing"):
        return ["the explorer's widget (class conv-explorer) is not in the page"]
    problems = []
    if shown["column_clipped"]:
        problems.append("the explorer's controls column is narrower than its controls")
    picture = shown["picture_left"]
    for text, clipped, width in shown["labels"]:
        if clipped or width <= 0:
            problems.append(f"the explorer's label {text!r} is cut off")
    for text, right, width in shown["readouts"]:
        if width <= 0 or not text or (picture is not None and right > picture + 1):
            problems.append(
                f"a slider's read-out ({text!r}) is hidden (right edge {right:.0f}, "
                f"picture from {picture})"
            )
    for left, width in shown["handles"]:
        if width <= 0 or left > shown["column_right"]:
            problems.append(f"a slider's handle is not visible (left {left:.0f}, width {width})")
    return problems


def _explorer_cells(nb: dict) -> tuple[int, int]:
    """Indices of chapter 05's setup cell and its `explore()` cell."""
    code = [(i, c) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]
    setup = next(i for i, c in code if c["metadata"].get("nbgrader", {}).get("grade_id") == "setup")
    return setup, next(i for i, c in code if "".join(c["source"]).strip() == "explore()")


# The explorer's output area: its text and every picture in it, drawn (naturalWidth > 0).
EXPLORER_AREA_JS = """cell => { const out = cell.querySelector('.jp-Cell-outputArea');
  return {text: out ? out.innerText : '',
          pictures: out ? [...out.querySelectorAll('img')].filter(i => i.naturalWidth > 0).length
                        : 0}; }"""


@pytest.mark.browser
@pytest.mark.slow
def test_the_explorer_is_a_picture_after_its_kernel_ends(lab, page):
    """Issue 23 item 2: run the explorer, restart the kernel, save, open the notebook again: its
    area shows the last picture (widget state saved with the notebook), not 'Error displaying
    widget: model not found'."""
    relpath = f"{EXPLORER_CHAPTER.name}/{EXPLORER_CHAPTER.name}.ipynb"
    setup, explorer = _explorer_cells(json.loads((lab.work / relpath).read_text("utf-8")))
    problems = []
    with screenshot_on_error(page, "05_explorer_restart"):
        ui.open_notebook(page, lab, relpath)
        for index in (setup, explorer):
            ui.run_cell(page, index)
            ui.wait_until_idle(page, timeout=120)
        page.locator(ui.CELLS).nth(explorer).locator(".conv-explorer img").wait_for()
        ui.menu(page, "Kernel", "Restart Kernel…")
        page.locator(".jp-Dialog button", has_text="Restart").click()
        ui.wait_until_idle(page, timeout=120)
        ui.save(page, lab, relpath)
        ui.open_notebook(page, lab, relpath)  # a fresh page: no widget model from before
        cell = page.locator(ui.CELLS).nth(explorer)
        deadline, shown = time.monotonic() + 30, {}
        while time.monotonic() < deadline:
            shown = cell.evaluate(EXPLORER_AREA_JS)
            if shown["pictures"] or "not found" in shown["text"]:
                break
            time.sleep(0.5)
        time.sleep(1)  # an error would replace "Loading widget..." once the manager is restored
        shown = cell.evaluate(EXPLORER_AREA_JS)
        if "model not found" in shown["text"] or "Error displaying widget" in shown["text"]:
            problems.append(f"after a restart the explorer reads {shown['text'][:200]!r}")
        if not shown["pictures"]:
            problems.append(
                f"after a restart the explorer shows no picture: {shown['text'][:200]!r}"
            )
        cell.scroll_into_view_if_needed()
        folder = ui.keep_artifacts("05_explorer_restart_seen")  # looked at, pass or fail
        page.screenshot(path=str(folder / "page.png"))
    if problems:
        _fail(page, "05_explorer_restart", problems)


def _move_every_slider(page) -> list[str]:
    cells = page.locator(ui.CELLS)
    with_sliders = [
        i for i in range(cells.count()) if cells.nth(i).locator(".widget-slider").count() > 0
    ]
    if not with_sliders:
        return [
            (
                "after Run All no cell shows a slider (ipywidgets did not render, or the "
                "explorer cell did not run)"
            )
        ]
    index = with_sliders[0]
    handles = cells.nth(index).locator(".widget-slider .noUi-handle")
    problems = (
        []
        if handles.count() >= 5
        else [
            (
                f"the explorer shows {handles.count()} sliders; input size, kernel size, padding, "
                "stride and dilation need one each"
            )
        ]
    )
    problems += explorer_layout(cells.nth(index))
    for k in range(handles.count()):
        before = _explorer_signature(page, index)
        handles.nth(k).focus()
        scrolled = cells.nth(index).evaluate(SCROLLED_SIDEWAYS_JS)
        if scrolled:
            problems.append(f"focusing slider {k} scrolled {scrolled} sideways")
        page.keyboard.press("ArrowRight")
        deadline = time.monotonic() + 10
        after = before
        while after == before and time.monotonic() < deadline:
            time.sleep(0.2)
            after = _explorer_signature(page, index)
        if after == before:  # at its maximum, or a setting that leaves nothing to change
            handles.nth(k).focus()
            page.keyboard.press("ArrowLeft")
            page.keyboard.press("ArrowLeft")
            time.sleep(2)
            after = _explorer_signature(page, index)
        label = cells.nth(index).locator(".widget-slider .widget-label").nth(k).inner_text()
        # The settings the issue names must each change the picture; another slider (e.g.
        # output padding, which only acts in transposed mode) only has to do no harm.
        if after == before and EXPLORER_SETTINGS.match(label):
            problems.append(f"moving the slider '{label}' left the explorer's picture unchanged")
        if after and before and after[0] != before[0]:
            problems.append(
                f"slider {k}: the explorer went from {before[0]} to {after[0]} "
                "images (a new figure per change instead of one updated in place)"
            )
    errors = (
        cells.nth(index)
        .locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        .count()
    )
    if errors:
        problems.append("the explorer cell shows an error or a warning")
    return problems


# --- the suite catches what it is for ------------------------------------------------------

BROKEN_CELLS = [
    "import time\nfrom IPython.display import clear_output\nimport helpers",
    # A new picture per frame (d2l's display() without a handle): plots stack up.
    (
        "stacked = helpers.Animator(xlim=[1, 12], min_interval=0)\n"
        "stacked.MAX_INTERVAL = 0  # a frame per point\n"
        "for i in range(1, 13):\n"
        "    stacked._handle = None\n"
        "    stacked.add(i, 1 / i)\n"
        "    time.sleep(0.1)"
    ),
    # clear_output() before each frame: the plot blinks away while training runs.
    (
        "cleared = helpers.Animator(xlim=[1, 4], min_interval=0)\n"
        "cleared.MAX_INTERVAL = 0\n"
        "for i in range(1, 5):\n"
        "    clear_output()\n"
        "    cleared._handle = None\n"
        "    time.sleep(0.5)\n"
        "    cleared.add(i, 1 / i)"
    ),
    # The last points are never drawn: the page ends on an early epoch.
    (
        "early = helpers.Animator(xlim=[1, 12], min_interval=60)\n"
        "for i in range(1, 13):\n"
        "    early.add(i, 1 / i)\n"
        "early._dirty = False"
    ),
    "raise ValueError('an untagged cell that fails')",
    "print('Run All never gets here')",
]


@pytest.mark.browser
@pytest.mark.slow
def test_the_checks_catch_a_broken_notebook_in_the_browser(lab, page, record_property):
    """A notebook with each fault the suite exists to catch, run in the same real lab."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in BROKEN_CELLS]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, lab.work / "broken.ipynb")
    with screenshot_on_error(page, "broken_notebook"):
        problems = run_all_and_check(page, lab, "broken.ipynb", record_property, 120)[0]
    found = "\n".join(problems)
    expected = {
        "stacked plots": "plot images at once",
        "cleared plot": "cleared during",
        "early last frame": "not at the end of training, x=12",
        "untagged error": "raised ValueError",
        "Run All stopped": "Run All stopped early",
    }
    missed = [name for name, text in expected.items() if text not in found]
    if missed:
        _fail(page, "broken_notebook", [f"the checks missed {missed}; they reported: {found}"])


def _nb(*cells):
    return {
        "cells": [
            {"cell_type": kind, "source": [src], "metadata": meta, "outputs": outs}
            for kind, src, meta, outs in cells
        ]
    }


def test_check_ran_every_cell_names_the_cell_run_all_stopped_at():
    error = {"output_type": "error", "ename": "NotImplementedError", "evalue": "", "traceback": []}
    nb = _nb(
        ("code", "x = 1", {}, []),
        ("markdown", "text", {}, []),
        ("code", "answer()", {}, [error]),
        ("code", "later()", {}, []),
    )
    assert check_ran_every_cell(["[1]:", "", "[2]:", "[3]:"], nb) == []
    problems = check_ran_every_cell(["[1]:", "", "[2]:", "[ ]:"], nb)
    assert len(problems) == 1 and "cell 3 ('later()') did not run" in problems[0]
    assert "NotImplementedError in 'answer()'" in problems[0]


def test_check_errors_are_expected_allows_only_tagged_cells():
    error = {
        "output_type": "error",
        "ename": "NotImplementedError",
        "evalue": "stub",
        "traceback": [],
    }
    nb = _nb(
        ("code", "test()", {"tags": ["raises-exception"]}, [error]), ("code", "demo()", {}, [error])
    )
    problems = check_errors_are_expected(nb)
    assert len(problems) == 1 and "cell 1 ('demo()') raised NotImplementedError" in problems[0]


def _frame(points, x_last, xlim=(1, 3), plot=1) -> str:
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    if points is not None:
        info.add_text(
            FRAME_KEY,
            json.dumps({"plot": plot, "points": points, "x_last": x_last, "xlim": list(xlim)}),
        )
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="png", pnginfo=info)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_check_live_plots_on_recorded_pages():
    images = {
        "a": _frame([1], 1),
        "b": _frame([2], 2),
        "c": _frame([3], 3),
        "e": _frame([0], None),
        "other": _frame(None, None),
    }  # "other": a plain figure
    good = {
        "images": images,
        "samples": [
            [0, [[], ["other"]]],
            [1, [["a"], ["other"]]],
            [2, [["b"], ["other"]]],
            [3, [["c"], ["other"]]],
        ],
    }
    assert check_live_plots(good) == []
    stacked = {"images": images, "samples": [[0, [["a"]]], [1, [["a", "b"]]]]}
    assert "2 plot images at once" in " ".join(check_live_plots(stacked))
    cleared = {"images": images, "samples": [[0, [["a"]]], [1, [[]]], [2, [["c"]]]]}
    assert "cleared" in " ".join(check_live_plots(cleared))
    early = {"images": images, "samples": [[0, [["a"]]], [1, [["b"]]]]}
    assert "ends at x=2, not at the end of training, x=3" in " ".join(check_live_plots(early))
    # Two trainings in one cell: two plots, each one image updated in place.
    images.update(a2=_frame([1], 1, plot=2), c2=_frame([3], 3, plot=2))
    two = {
        "images": images,
        "samples": [[0, [["a"]]], [1, [["c"]]], [2, [["c", "a2"]]], [3, [["c", "c2"]]]],
    }
    assert check_live_plots(two) == []
    empty_first = {"images": images, "samples": [[0, [["e"]]], [1, [["c"]]]]}
    assert "first frame is empty axes" in " ".join(check_live_plots(empty_first))


# --- issue 23: what a student sees on opening a chapter and in its small cells --------------

NOISE_CELLS = [
    ("code", "def square(x):\n    raise NotImplementedError()", {}),
    ("markdown", "### Exercise 1 (2 points): `square`", {}),
    (
        "code",
        (
            '"""square: small integers."""\n'
            "from helpers.checks import isolate; isolate('square_test')\n"
            "from helpers.checks import check_equal, passed\n"
            "check_equal(square(3), 9, 'square(3)')\npassed('square')"
        ),
        {
            "nbgrader": {
                "grade": True,
                "solution": False,
                "locked": True,
                "grade_id": "square_test",
                "points": 2,
                "schema_version": 3,
            },
            "tags": ["raises-exception"],
        },
    ),
    ("code", "from helpers.selfcheck import check\ncheck()", {}),
    # A training run long enough for an estimate (~5 s on a busy machine): a model that sleeps.
    (
        "code",
        (
            "import time, torch\nfrom torch import nn\nimport helpers\n"
            "class Slow(nn.Module):\n"
            "    def __init__(self):\n"
            "        super().__init__()\n"
            "        self.f = nn.Sequential(nn.Flatten(), nn.Linear(16, 10))\n"
            "    def forward(self, x):\n"
            "        time.sleep(0.03)\n"
            "        return self.f(x)\n"
            "X, y = torch.randn(640, 1, 4, 4), torch.randint(0, 10, (640,))\n"
            "batches = [(X[i:i + 8], y[i:i + 8]) for i in range(0, 640, 8)]\n"
            "history = helpers.train(Slow(), batches, batches[:4], 2, 0.1, 'cpu')"
        ),
        {},
    ),
]
TIME_LEFT = re.compile(r"epoch [12]/2 · batch \d+/80 · \d+:\d\d elapsed · about \d+:\d\d left")


def _noise_notebook():
    import nbformat

    nb = nbformat.v4.new_notebook()
    make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}
    nb.cells = [make[kind](src, metadata=meta) for kind, src, meta in NOISE_CELLS]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def unsaved_and_course_noise(page, lab, relpath: str) -> list[str]:
    """A chapter just opened is not marked modified; no course-server error is on the page."""
    ui.open_notebook(page, lab, relpath)
    time.sleep(3)  # JupyterLab writes the kernel's metadata just after the kernel is idle
    problems = []
    if page.locator(".lm-TabBar-tab.jp-mod-dirty").count():
        problems.append(f"{relpath} is marked unsaved right after opening (nothing was changed)")
    nbgrader_menu = page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Nbgrader$"))
    if nbgrader_menu.count():
        nbgrader_menu.click()
        items = page.locator(".lm-Menu").inner_text()
        page.keyboard.press("Escape")
        if "Assignment List" in items:
            problems.append("Nbgrader > Assignment List is offered with no course server")
    if "Error fetching courses" in page.locator("body").inner_text():
        problems.append("the page shows 'Error fetching courses!'")
    return problems


def validate_shows_every_failing_test(page, chapter: Path) -> list[str]:
    """Nbgrader's Validate on an untouched chapter: every test cell fails, each one listed as
    its numbered opening line and its failure's message (issue 23 item 6)."""
    nb = json.loads((chapter / f"{chapter.name}.ipynb").read_text(encoding="utf-8"))
    tests = sum(
        1
        for c in nb["cells"]
        if c["cell_type"] == "code" and c["metadata"].get("nbgrader", {}).get("grade")
    )
    sources, errors = ui.validate(page, "validate_seen")
    problems = ui.validate_problems(sources, errors)
    if len(sources) != tests or len(errors) != tests:
        problems.append(f"Validate lists {len(sources)} failing cells; the chapter has {tests}")
    return problems


def built_on_another_python(lab, chapter: Path) -> str:
    """The chapter as a release built on another Python (its notebook says 3.0.0) gives it to
    `./dlbook lab`'s working copy (tools/workspace.py); its path in the lab."""
    from tools.workspace import sync_workspace

    release = lab.work.parent / "release-elsewhere"
    nb = json.loads((chapter / f"{chapter.name}.ipynb").read_text(encoding="utf-8"))
    nb["metadata"]["language_info"]["version"] = "3.0.0"
    (release / chapter.name).mkdir(parents=True, exist_ok=True)
    (release / chapter.name / f"{chapter.name}.ipynb").write_text(json.dumps(nb), "utf-8")
    sync_workspace(release, lab.work / "elsewhere")
    return f"elsewhere/{chapter.name}/{chapter.name}.ipynb"


def noise_in_small_cells(page, lab) -> list[str]:
    """An unfinished test's one line, the self-check's summary alone, a training run's time
    left in the plot's display, and the legend beside the curves."""
    import nbformat

    nbformat.write(_noise_notebook(), lab.work / "noise.ipynb")
    ui.open_notebook(page, lab, "noise.ipynb")
    page.evaluate(ui.SAMPLER_JS, ui.CELLS)
    ui.run_all(page)
    train = len(NOISE_CELLS) - 1
    statuses, deadline = set(), time.monotonic() + 300
    while time.monotonic() < deadline:
        statuses.update(
            page.locator(ui.CELLS).nth(train).locator(".jp-OutputArea-output pre").all_inner_texts()
        )
        if ui.wait_until_idle(page, 1.5):  # two calm looks 0.5 s apart
            break
    recording = page.evaluate(ui.STOP_SAMPLER_JS)
    problems = []
    test_text = ui.cell_text(page, 2)
    if "Not attempted yet: square()" not in test_text or "Traceback" in test_text:
        problems.append(f"the unfinished exercise's test cell shows {test_text.strip()[-300:]!r}")
    check_text = ui.cell_text(page, 3)
    if "[Result(" in check_text or "0 of 1 exercises pass" not in check_text:
        problems.append(f"check() shows {check_text.strip()[-300:]!r}")
    if not any(TIME_LEFT.search(s) for s in statuses):
        problems.append(f"training never showed the time left; it showed {sorted(statuses)}")
    area = page.locator(ui.CELLS).nth(train).locator(".jp-OutputArea-output")
    texts = area.all_inner_texts()
    if not any("done: 2 epochs in" in t for t in texts):
        problems.append(f"no progress line ends the run; the cell's outputs read {texts}")
    if page.locator(ui.CELLS).nth(train).locator(".jp-OutputArea-output img").count() != 1:
        problems.append("the training cell does not show its live plot as one image")
    frames = [i for i in map(_png_info, recording["images"].values()) if i]
    for info in frames[-1:]:
        (ax0, _, ax1, _), (lx0, _, lx1, _) = info["axes_box"], info["legend_box"]
        if not (lx0 >= ax1 or lx1 <= ax0):
            problems.append(
                f"the legend {info['legend_box']} is over the curves {info['axes_box']}"
            )
    if not frames:
        problems.append("the training cell sent no live-plot frame")
    return problems


@pytest.mark.browser
def test_a_student_sees_no_noise(lab, page):
    chapter = RELEASED[0]
    with screenshot_on_error(page, "noise"):
        problems = unsaved_and_course_noise(page, lab, f"{chapter.name}/{chapter.name}.ipynb")
        problems += validate_shows_every_failing_test(page, chapter)
        # Whichever Python built the book, the student's copy opens unmodified (issue 23 item 6).
        problems += unsaved_and_course_noise(page, lab, built_on_another_python(lab, chapter))
        problems += noise_in_small_cells(page, lab)
        # JupyterLab's own news poll ("Would you like to get notified about official Jupyter
        # news?") is not for students: tools/student_lab/ switches its plugin off.
        if page.get_by_text("official Jupyter news").count():
            problems.append("JupyterLab asks the student about Jupyter news")
        folder = ui.keep_artifacts("noise_seen")  # the picture looked at, pass or fail
        page.screenshot(path=str(folder / "page.png"), full_page=True)
    if problems:
        _fail(page, "noise", problems)
