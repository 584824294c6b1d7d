"""The real `./dlbook lab` on a throw-away working copy, and a student's hands in JupyterLab.

Used by tests/test_browser.py. The server is started exactly as a student starts it (the
`./dlbook lab` script, its workspace copy of release/), with only these test settings:
- DLBOOK_WORK, DLBOOK_DATA: a temporary working copy and synthetic datasets in torchvision's
  formats (no download);
- DLBOOK_SETTINGS=grading: every training cell uses its grading-size settings (a few batches),
  so Run All of chapters 06-07 takes seconds, not the minutes of their CPU-sized runs. The live
  plots, widgets and messages are the same; the CPU runs' times are the benchmarks' business
  (benchmarks/bench_ch06.py, bench_ch07.py);
- JUPYTERLAB_WORKSPACES_DIR: an empty one, so no tab from an earlier session is reopened;
- JUPYTERLAB_SETTINGS_DIR: an empty settings folder (the tester's own settings never leak in)
  holding one setting, `windowingMode: none`, so every cell of a long notebook is in the page
  and can be inspected; a student's lab renders cells as they scroll into view instead.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("DLBOOK_CHROMIUM", "/usr/bin/chromium"))
URL_PATTERN = re.compile(r"(http://127\.0\.0\.1:\d+)/lab\?token=(\w+)")


def missing_requirements() -> str | None:
    """Why the browser suite cannot run here, or None."""
    if not CHROMIUM.exists():
        return (
            f"no Chromium at {CHROMIUM}: install it with `apt-get install chromium "
            "fonts-noto-cjk` (.ci/run does), or set DLBOOK_CHROMIUM to a Chromium binary"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing: it is in pyproject's test dependencies"
    # Without a CJK font the chapters' Chinese terms render as boxes: a student would see that.
    fonts = (
        subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False
        )
        if shutil.which("fc-list")
        else None
    )
    if fonts is None or not fonts.stdout.strip():
        return (
            "no font for Chinese text (the chapters' terms would show as boxes): install "
            "fonts-noto-cjk (`apt-get install fonts-noto-cjk`; .ci/run does)"
        )
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lab:
    """A running `./dlbook lab`: its base URL, token, working copy and log."""

    process: subprocess.Popen
    work: Path
    base: str = ""
    token: str = ""
    seconds_to_url: float = 0.0
    log: list = field(default_factory=list)
    reader: threading.Thread | None = None  # drains the server's output

    def url(self, path: str, query: str = "") -> str:
        return f"{self.base}/{path}?{query}{'&' if query else ''}token={self.token}"

    def shut_down_kernels(self) -> None:
        """End every notebook session (and its kernel), as closing a notebook's tab would."""
        headers = {"Authorization": f"token {self.token}"}
        with urllib.request.urlopen(
            urllib.request.Request(f"{self.base}/api/sessions", headers=headers), timeout=30
        ) as response:
            sessions = json.load(response)
        for session in sessions:
            urllib.request.urlopen(
                urllib.request.Request(
                    f"{self.base}/api/sessions/{session['id']}", method="DELETE", headers=headers
                ),
                timeout=30,
            ).close()

    def stop(self) -> None:
        if self.process.poll() is None:
            # The server's own process group (start_new_session): the server and its kernels.
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.reader is not None:
            self.reader.join(timeout=10)  # the server is gone: its pipe is at its end
        if self.process.stdout is not None and not (self.reader and self.reader.is_alive()):
            self.process.stdout.close()  # else a ResourceWarning fails some later test


def start_lab(tmp: Path, timeout: float = 180, training: str | None = "grading") -> Lab:
    """Start `./dlbook lab` on a fresh working copy under `tmp`; return when its URL is printed.

    `training`: DLBOOK_SETTINGS for the lab's kernels (None: chosen by the device, as in a
    student's lab)."""
    from helpers.data.fake import write_fake_cifar10, write_fake_fashion_mnist

    data, settings, work = tmp / "data", tmp / "lab-settings", tmp / "work"
    write_fake_fashion_mnist(data)
    write_fake_cifar10(data)
    tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("NBGRADER_EXECUTION", "DISPLAY", "JUPYTER_TOKEN")
    }
    env.pop("DLBOOK_SETTINGS", None)
    if training:
        env["DLBOOK_SETTINGS"] = training
    env.update(
        DLBOOK_WORK=str(work),
        DLBOOK_DATA=str(data),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp / "lab-workspaces"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
    )
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(ROOT / "dlbook"), "lab", f"--port={_free_port()}", "--ServerApp.port_retries=0"],
        cwd=tmp,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lab = Lab(process=process, work=work)
    found = threading.Event()

    def read_output():  # keep draining the pipe, or the server blocks on a full buffer
        for line in process.stdout:
            lab.log.append(line)
            match = URL_PATTERN.search(line)
            if match and not found.is_set():
                lab.base, lab.token = match.groups()
                lab.seconds_to_url = time.perf_counter() - start
                found.set()

    lab.reader = threading.Thread(target=read_output, daemon=True)
    lab.reader.start()
    if not found.wait(timeout) or process.poll() is not None:
        lab.stop()
        raise RuntimeError(
            "`./dlbook lab` printed no URL within "
            f"{timeout:.0f} s; its output:\n" + "".join(lab.log[-40:])
        )
    return lab


def keep_artifacts(name: str) -> Path:
    """A fresh folder for a failed test's screenshots: $DLBOOK_ARTIFACTS or test-artifacts/."""
    base = Path(os.environ.get("DLBOOK_ARTIFACTS", ROOT / "test-artifacts")) / "browser" / name
    if base.exists():
        shutil.rmtree(base)
    base.mkdir(parents=True)
    return base


# --- in the page --------------------------------------------------------------------------

# The cells of the notebook in front (another tab's cells are in the page too, hidden).
CELLS = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell"

# Records every state of the code cells' output images that the page could have painted (a
# MutationObserver sees each change, however busy the machine; a timer would miss short ones):
# a short key per image, and the full data URL the first time a key is seen, so a test can
# replay what a student saw during a run.
SAMPLER_JS = """(CELLS) => {
  const rec = window.__dlbook = {samples: [], images: {}, start: performance.now()};
  // A key per distinct image: length and an FNV-1a hash of the whole data URL, computed once
  // per (element, src) -- frames of one plot differ in few bytes, so no shortcut on a slice.
  const seen = new WeakMap();
  const key = (img) => {
    const src = img.src, known = seen.get(img);
    if (known && known[0] === src) return known[1];
    let h = 0x811c9dc5;
    for (let i = 0; i < src.length; i++) { h ^= src.charCodeAt(i); h = Math.imul(h, 16777619); }
    const k = src.length + ':' + (h >>> 0).toString(16);
    seen.set(img, [src, k]);
    return k;
  };
  let last = '';
  const sample = () => {
    const cells = [...document.querySelectorAll(CELLS)];
    const row = cells.map((cell) => [...cell.querySelectorAll('.jp-OutputArea-output img')]
      .map((img) => { const k = key(img);
                      if (!(k in rec.images)) rec.images[k] = img.src;
                      return k; }));
    const text = JSON.stringify(row);
    if (text !== last) { rec.samples.push([performance.now() - rec.start, row]); last = text; }
  };
  sample();
  rec.observer = new MutationObserver(sample);
  rec.observer.observe(document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)'),
                       {subtree: true, childList: true, attributes: true,
                        attributeFilter: ['src']});
}"""

STOP_SAMPLER_JS = """() => { window.__dlbook.observer.disconnect();
  return {samples: window.__dlbook.samples, images: window.__dlbook.images}; }"""


def open_notebook(page, lab: Lab, relpath: str, timeout_ms: int = 120_000) -> float:
    """Open a notebook as a student does (its URL in the lab); seconds until its kernel is idle."""
    start = time.perf_counter()
    # `reset`: a fresh layout, so only this notebook is open (not the tabs of earlier tests).
    page.goto(lab.url(f"lab/tree/{relpath}", "reset"))
    page.wait_for_selector(CELLS, timeout=timeout_ms)
    # The status bar says "Python 3 (ipykernel) | Idle" once the kernel has started.
    page.wait_for_function(
        "() => /\\| Idle/.test(document.querySelector('#jp-main-statusbar')?.innerText || '')",
        timeout=timeout_ms,
    )
    return time.perf_counter() - start


def menu(page, top: str, item: str) -> None:
    """Click a main-menu item, e.g. menu(page, "Run", "Run All Cells")."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(top)}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def run_all(page, timeout: float = 60) -> None:
    """Run > Run All Cells, and make sure it started (the first code cell is queued or ran)."""
    menu(page, "Run", "Run All Cells")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p not in ("", "[ ]:") for p in prompts(page)):
            return
        time.sleep(0.2)
    raise AssertionError(f"Run > Run All Cells started nothing within {timeout:.0f} s")


def prompts(page) -> list[str]:
    """The execution prompt of every cell in the page ('' for markdown): '[12]:', '[*]:', '[ ]:'."""
    return page.eval_on_selector_all(
        CELLS,
        """cells => cells.map(c => {
        const p = c.querySelector('.jp-InputArea-prompt');
        return c.classList.contains('jp-CodeCell') && p ? p.textContent.trim() : ''; })""",
    )


def wait_until_idle(page, timeout: float) -> bool:
    """Wait until no cell is running or queued and the kernel is idle (twice in a row)."""
    deadline, calm = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        busy = (
            any(p == "[*]:" for p in prompts(page))
            or page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").count() == 0
        )
        calm = 0 if busy else calm + 1
        if calm >= 2:
            return True
        time.sleep(0.5)
    return False


def save(page, lab: Lab, relpath: str, timeout: float = 30) -> dict:
    """Save the notebook through the File menu and return the saved file as a dict."""
    path = lab.work / relpath
    before = path.stat().st_mtime_ns
    menu(page, "File", "Save Notebook")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.stat().st_mtime_ns != before:
            try:  # the server may still be writing it
                return json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                pass
        time.sleep(0.2)
    raise AssertionError(f"File > Save Notebook did not save {path} within {timeout:.0f} s")


def cell_text(page, index: int) -> str:
    """Everything the output area of cell `index` shows, as text."""
    return page.locator(CELLS).nth(index).locator(".jp-OutputArea").inner_text()


def replace_cell_source(page, index: int, text: str) -> None:
    """Type `text` into cell `index`'s editor in place of what is there (as a paste would)."""
    editor = page.locator(CELLS).nth(index).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(text)


def run_cell(page, index: int) -> None:
    """Select cell `index` and run it (Run > Run Selected Cell, as Shift+Enter does)."""
    cell = page.locator(CELLS).nth(index)
    cell.locator(".jp-InputArea-prompt").click()
    menu(page, "Run", "Run Selected Cell and Do not Advance")


def add_cell_at_end(page, text: str) -> int:
    """Add a code cell after the last one, type `text` into it, run it; return its index."""
    cells = page.locator(CELLS)
    last = cells.count() - 1
    cells.nth(last).locator(".jp-InputArea-prompt, .jp-Cell-inputCollapser").first.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")  # command mode: insert a cell below
    page.wait_for_function(f"() => document.querySelectorAll({CELLS!r}).length > {last + 1}")
    new = cells.nth(last + 1)
    if "jp-MarkdownCell" in (new.get_attribute("class") or ""):
        page.keyboard.press("y")  # a code cell, whatever the last cell was
    new.locator(".cm-content").click()
    page.keyboard.insert_text(text)
    menu(page, "Run", "Run Selected Cell and Do not Advance")
    return last + 1


# nbgrader's Validate dialog: per failing cell two <pre> boxes, its source then its error; each
# with whether its text is wider than the box (a <pre> cuts long lines instead of wrapping).
VALIDATE_BOXES_JS = """() => [...document.querySelectorAll('.jp-Dialog-body .jp-RenderedText pre')]
  .map(e => ({text: e.innerText, cut: e.scrollWidth > e.clientWidth + 1}))"""


def validate(page, artifacts: str, timeout_ms: int = 180_000) -> tuple[list[dict], list[dict]]:
    """Click the open notebook's Validate, read the dialog (a screenshot kept under
    `artifacts`, pass or fail), close it; the failing cells' source and error boxes."""
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) jp-button.validate-button").click()
    page.locator(".jp-Dialog-header", has_text="Validation Results").wait_for(timeout=timeout_ms)
    boxes = page.evaluate(VALIDATE_BOXES_JS)
    page.screenshot(path=str(keep_artifacts(artifacts) / "page.png"))
    page.locator(".jp-Dialog button", has_text="Ok").click()
    return boxes[0::2], boxes[1::2]


def validate_problems(sources: list[dict], errors: list[dict]) -> list[str]:
    """What is wrong with the book's Validate dialog (tools/lab_validate.py): each failing test
    its numbered opening line and its failure's message, not its whole source and traceback,
    nothing cut at the dialog's edge."""
    problems = []
    for i, (source, error) in enumerate(zip(sources, errors), 1):
        if not source["text"].startswith(f"{i} of {len(sources)} failing tests: "):
            problems.append(f"Validate's entry {i} is not numbered: {source['text'][:200]!r}")
        if "Traceback" in error["text"] or not error["text"].strip():
            problems.append(f"entry {i} shows a traceback, not a message: {error['text'][:300]!r}")
        if source["cut"] or error["cut"]:
            problems.append(f"entry {i} is cut at the dialog's edge: {source['text'][:100]!r}")
    return problems
