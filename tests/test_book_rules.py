"""The book-wide rules every chapter keeps (issue 9), checked over every chapter there is.

Chapters are found by `tools.build.masters()`, so a new chapter is covered the day it lands.
Static rules read the chapter as the build makes it; the `slow` ones run real kernels:

  rule 1   Run All on a fresh student notebook reaches the end; demo cells that need an
           unfinished exercise print one line, and draw no half figure.
  rule 2   every test cell's visible part ends with `passed(...)`; a failing check's traceback
           shows no helpers.checks frames; a hidden test calls the student's code inside
           `with case(...)`, so a crash comes back labelled with the case that ran.
  rule 3-5 the visible tests catch the plausible wrong answers in tests/wrong_answers/chNN.py
           (`CAUGHT_BY_VISIBLE_TESTS`): the mistake the text warns about, a missing `.cpu()`,
           autograd inside a "by hand" answer.
  rule 5   a "by hand" exercise whose test uses autograd runs the answer inside `by_hand(...)`;
           an exercise whose text states a rule ("by hand", "switched off", "(no `torch.x`)")
           has a test that enforces it with a guard.
  rule 7   "### Exercise N (k points): title" headings, N = 1, 2, ..., k = the points of the
           exercise's test cells; a thread limit in the setup cell; print options restored.
  rule 8   key terms have their Chinese name at first use in the book; no 插值法, no 降维.
  rule 10  the graded notebook runs under NBGRADER_EXECUTION with no network and no dataset,
           each graded cell in seconds.
"""

import importlib
import re
import time

import nbformat
import pytest
from nbclient import NotebookClient

from helpers.nbcells import is_test_cell, is_test_metadata, nbgrader_metadata
from tools.build import RUN_ALL_CONTINUES, master_to_notebook, masters

MASTERS = masters()
SLUGS = [m.stem for m in MASTERS]
ROOT = MASTERS[0].parent.parent if MASTERS else None

SKIP_NOTICE = "\u00bb This cell needs"
HIDDEN_START = "### BEGIN HIDDEN TESTS"
EXERCISE_HEADING = re.compile(r"^#{1,6} .*\bExercise\b.*$", re.MULTILINE)
GOOD_HEADING = re.compile(r"^### Exercise (\d+) \((\d+) points?\): \S.*$")

# Rule 8: key concepts and their Chinese names; the first chapter (in book order) that uses the
# English term must give the Chinese one too.
KEY_TERMS = {
    "tensor": "张量",
    "broadcasting": "广播",
    "loss function": "损失函数",
    "gradient descent": "梯度下降",
    "learning rate": "学习率",
    "derivative": "导数",
    "central difference": "中心差分",
    "mean squared error": "均方误差",
    "binary cross-entropy": "二元交叉熵",
    "fully connected layer": "全连接层",
    "overfitting": "过拟合",
    "transpose": "转置",
    "in place": "原地",
    "gradient": "梯度",
    "chain rule": "链式法则",
    "imputation": "插补",
}
BANNED_TERMS = {
    "插值法": "imputation is 插补 (插值法 is interpolation)",
    "降维": "a reduction (sum over an axis) is 归约; 降维 means dimensionality reduction",
}


def _cells(slug: str) -> list:
    return master_to_notebook(ROOT / "notebooks" / f"{slug}.md").cells


def _is_test(cell) -> bool:
    """Graded and not an answer, whatever the cell's type (markdown test cells are a mistake
    the rules below report)."""
    return is_test_metadata(nbgrader_metadata(cell))


def _visible_part(source: str) -> str:
    return source.split(HIDDEN_START)[0]


# -- rule 2 -------------------------------------------------------------------------------------
@pytest.mark.parametrize("slug", SLUGS)
def test_rule2_every_visible_test_part_ends_with_passed(slug):
    missing = []
    for cell in _cells(slug):
        if is_test_cell(cell):
            lines = [ln for ln in _visible_part(cell.source).splitlines() if ln.strip()]
            if not lines or not lines[-1].startswith("passed("):
                missing.append(cell.metadata["nbgrader"]["grade_id"])
    assert not missing, (
        f"{slug}: these test cells' visible part must end with "
        f'passed("...") (see COMMON_BRIEF conventions): {missing}'
    )


# -- rule 7 -------------------------------------------------------------------------------------
def _exercises(cells) -> list:
    """[(heading line, [test cells up to the next heading])] in book order."""
    found = []
    for cell in cells:
        if cell.cell_type == "markdown":
            for heading in EXERCISE_HEADING.findall(cell.source):
                found.append((heading, []))
        elif _is_test(cell):
            if not found:
                found.append(("(no exercise heading before it)", []))
            found[-1][1].append(cell)
    return found


@pytest.mark.parametrize("slug", SLUGS)
def test_rule7_exercise_headings_number_and_points(slug):
    problems = []
    exercises = _exercises(_cells(slug))
    for expected_n, (heading, tests) in enumerate(exercises, start=1):
        match = GOOD_HEADING.match(heading)
        if not match:
            problems.append(f"{heading!r} is not '### Exercise N (k points): title'")
            continue
        n, k = int(match[1]), int(match[2])
        points = sum(c.metadata["nbgrader"]["points"] for c in tests)
        if n != expected_n:
            problems.append(f"{heading!r}: expected Exercise {expected_n}")
        if k != points:
            problems.append(f"{heading!r}: its test cells give {points} points")
    graded = sum(1 for c in _cells(slug) if is_test_cell(c))
    assert graded, f"{slug} has no graded exercise"
    assert not problems, f"{slug}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("slug", SLUGS)
def test_rule7_setup_cell_limits_threads(slug):
    setup = next(c for c in _cells(slug) if c.cell_type == "code")
    assert setup.metadata.get("nbgrader", {}).get("grade_id") == "setup", (
        f"{slug}: the first code cell must be the setup cell (grade_id: setup)"
    )
    assert "helpers.limit_threads(" in setup.source, (
        f"{slug}: call helpers.limit_threads(n) in the setup cell (n measured for the chapter)"
    )


RESET_PRINT_OPTIONS = re.compile(r"set_printoptions\(profile=[\"']default[\"']\)\s*(#.*)?$")


@pytest.mark.parametrize("slug", SLUGS)
def test_rule7_print_options_are_not_changed_for_the_rest_of_the_kernel(slug):
    bad = []
    for cell in _cells(slug):
        calls = [ln.strip() for ln in cell.source.splitlines() if "set_printoptions(" in ln]
        if cell.cell_type == "code" and calls and not RESET_PRINT_OPTIONS.search(calls[-1]):
            bad.append(calls[-1])
    assert not bad, (
        f"{slug}: a cell that changes torch's print options must end by restoring "
        f'them, set_printoptions(profile="default") (or use np.printoptions as '
        f"a context manager), or every later cell prints differently: {bad}"
    )


def _answer_names(cells) -> dict:
    """grade_id -> the names its answer cell defines (functions, classes, assigned names)."""
    import ast

    names = {}
    for cell in cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("solution"):
            continue
        tree = ast.parse(cell.source)
        defined = set()
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                defined.add(node.name)
            elif isinstance(node, ast.Assign):
                defined |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        names[meta["grade_id"]] = defined
    return names


def _unlabelled_calls(hidden: str, student_names: set) -> list:
    """Lines of `hidden` that call a student's function outside any `with case(...)` block."""
    import ast

    found = []

    def visit(node, labelled: bool):
        if isinstance(node, ast.With) and any(
            isinstance(item.context_expr, ast.Call)
            and getattr(item.context_expr.func, "id", None) == "case"
            for item in node.items
        ):
            labelled = True
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in student_names
            and not labelled
        ):
            found.append(f"line {node.lineno}: {node.func.id}(...)")
        for child in ast.iter_child_nodes(node):
            visit(child, labelled)

    visit(ast.parse(hidden), False)
    return found


@pytest.mark.parametrize("slug", SLUGS)
def test_rule2_hidden_tests_label_a_crash_with_its_case(slug):
    """A crash in a hidden test (shown in feedback without its source) must say which case ran:
    every call of the student's code in a hidden part sits inside `with case("..."):`."""
    cells = _cells(slug)
    answers = _answer_names(cells)
    bare = []
    for cell in cells:
        if not is_test_cell(cell) or HIDDEN_START not in cell.source:
            continue
        gid = cell.metadata["nbgrader"]["grade_id"].removesuffix("_test")
        hidden = cell.source.split(HIDDEN_START)[1].split("### END HIDDEN TESTS")[0]
        bare += [f"{gid} {call}" for call in _unlabelled_calls(hidden, answers.get(gid, set()))]
    assert not bare, (
        f'{slug}: wrap these hidden-test calls in `with case("what ran"):` '
        "(helpers.checks) so a crash is labelled:\n  " + "\n  ".join(bare)
    )


# -- rule 5 -------------------------------------------------------------------------------------
@pytest.mark.parametrize("slug", SLUGS)
def test_rule5_by_hand_exercises_switch_autograd_off(slug):
    bad = []
    for heading, tests in _exercises(_cells(slug)):
        if "by hand" not in heading.lower():
            continue
        for cell in tests:
            uses_autograd = ".backward(" in cell.source or "torch.autograd" in cell.source
            if uses_autograd and "by_hand(" not in cell.source and "numpy_only(" not in cell.source:
                bad.append(heading)
    assert not bad, (
        f"{slug}: these 'by hand' exercises compare with autograd but do not run "
        f"the answer inside helpers.checks.by_hand(...): {bad}"
    )


# Words in an exercise's text that state a rule about how the answer is computed, and the guards
# (helpers.by_hand, or an op count) that enforce one.
RULE_WORDS = re.compile(
    r"by hand|switched off|\(no `torch\.|counts the PyTorch operations", re.IGNORECASE
)
GUARDS = ("by_hand(", "numpy_only(", "forbid_builtins(", "CountTorchCalls()")


def _exercise_texts(cells) -> list:
    """[(heading, the markdown from the heading to the first test cell, [test cells])]."""
    found = []
    for cell in cells:
        if cell.cell_type == "markdown":
            parts = EXERCISE_HEADING.split(cell.source)
            for heading, after in zip(EXERCISE_HEADING.findall(cell.source), parts[1:]):
                found.append([heading, after, []])
            if found and not found[-1][2] and len(parts) == 1:
                found[-1][1] += "\n" + cell.source
        elif _is_test(cell) and found:
            found[-1][2].append(cell)
    return found


@pytest.mark.parametrize("slug", SLUGS)
def test_rule5_a_rule_the_text_states_is_enforced_by_a_guard(slug):
    """Issue 20: every "by hand" / "switched off" / "(no `torch.x`)" rule is enforced, or the
    rule is dropped from the text."""
    bad = []
    for heading, text, tests in _exercise_texts(_cells(slug)):
        words = RULE_WORDS.findall(re.sub(r"\s+", " ", heading + " " + text))
        if words and not any(g in c.source for c in tests for g in GUARDS):
            bad.append(f"{heading} (says {words[0]!r})")
    assert not bad, (
        f"{slug}: these exercises state a rule their tests do not enforce; run the answer under "
        "a guard from helpers.by_hand (notebooks/AUTHORING.md) or drop the rule:\n  "
        + "\n  ".join(bad)
    )


# -- rule 8 -------------------------------------------------------------------------------------
def _prose(slug: str) -> str:
    text = "\n".join(c.source for c in _cells(slug) if c.cell_type == "markdown")
    return re.sub(r"\s+", " ", text)  # a term may be split over two lines


@pytest.mark.parametrize("slug", SLUGS)
def test_rule8_key_terms_have_their_chinese_name_at_first_use(slug):
    """Checks the terms whose first use in the book (chapters in order) is in `slug`."""
    missing = []
    for english, chinese in KEY_TERMS.items():
        pattern = re.compile(rf"\b{re.escape(english)}", re.IGNORECASE)
        first = next((s for s in SLUGS if pattern.search(_prose(s))), None)
        if first != slug:
            continue
        prose = _prose(first)
        at = pattern.search(prose).start()
        # The Chinese name belongs next to the first use (same paragraph, give or take).
        if chinese not in prose[max(0, at - 200) : at + 300]:
            missing.append(f"{english} ({chinese}) in {first}")
    assert not missing, "give the Chinese name at the first use: " + "; ".join(missing)


@pytest.mark.parametrize("slug", SLUGS)
def test_rule8_no_misleading_chinese_terms(slug):
    text = "\n".join(c.source for c in _cells(slug))
    found = [f"{term}: {why}" for term, why in BANNED_TERMS.items() if term in text]
    assert not found, f"{slug}: " + "; ".join(found)


# -- kernels ------------------------------------------------------------------------------------
BLOCK_NETWORK = """\
import socket as _socket
def _no_network(*args, **kwargs):
    raise OSError("no network on this grading machine (tests/test_book_rules.py)")
_socket.getaddrinfo = _no_network
_socket.create_connection = _no_network
_socket.socket.connect = lambda self, address: (
    _no_network() if self.family in (_socket.AF_INET, _socket.AF_INET6) else None)
del _no_network"""


def _execute(nb, monkeypatch, tmp_path, grading: bool, cwd) -> float:
    """Run `nb` in a real kernel with Run All semantics (a cell tagged raises-exception may fail,
    any other failure stops the run); return the wall time."""
    monkeypatch.setenv("DLBOOK_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("MPLBACKEND", "agg")
    if grading:
        monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    else:
        monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    ).execute()
    return time.perf_counter() - start


def _errors(cell) -> list:
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


@pytest.mark.slow
@pytest.mark.parametrize("slug", SLUGS)
def test_rule1_run_all_reaches_the_end_of_a_fresh_student_notebook(slug, monkeypatch, tmp_path):
    from helpers.data.fake import write_fake_cifar10, write_fake_fashion_mnist

    write_fake_fashion_mnist(tmp_path / "data", n_train=600, n_test=200)
    write_fake_cifar10(tmp_path / "data", n_train=500, n_test=100)
    path = ROOT / "release" / slug / f"{slug}.ipynb"
    nb = nbformat.read(path, as_version=4)
    try:
        _execute(nb, monkeypatch, tmp_path, grading=False, cwd=path.parent)
    except Exception as err:  # noqa: BLE001 -- nbclient's CellExecutionError names the cell
        pytest.fail(
            f"{slug}: Run All stopped at a cell that is not tagged "
            f"{RUN_ALL_CONTINUES!r}:\n{str(err)[:1500]}"
        )
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        if "skip_if_unfinished(" in cell.source:  # every exercise is unfinished here
            assert SKIP_NOTICE in text, (
                f"{slug} cell {index}: a demo cell guarded by "
                "skip_if_unfinished should print its one-line notice"
            )
        if SKIP_NOTICE in text:
            figures = [o for o in cell.outputs if "image/png" in o.get("data", {})]
            assert not figures, f"{slug} cell {index}: printed the skip notice but drew a figure"
        for error in _errors(cell):
            assert error.ename == "NotImplementedError", (
                f"{slug} cell {index}: a fresh notebook should fail only where an exercise is "
                f"unfinished, got {error.ename}: {error.evalue}"
            )


def _load_wrong_answers(slug: str) -> list:
    """The chapter's `CAUGHT_BY_VISIBLE_TESTS`: [(grade_id, why, answer source)]."""
    number = slug.split("_")[0]
    try:
        module = importlib.import_module(f"tests.wrong_answers.ch{number}")
    except ModuleNotFoundError:
        return []
    return list(getattr(module, "CAUGHT_BY_VISIBLE_TESTS", []))


def _graded_run(slug: str) -> tuple:
    """The instructor notebook; after each test cell, for each plausible wrong answer of that
    exercise: the wrong answer, the test's visible part (which must fail), the right answer."""
    path = ROOT / "source" / slug / f"{slug}.ipynb"
    nb = nbformat.read(path, as_version=4)
    wrong = _load_wrong_answers(slug)
    answers = {
        c.metadata["nbgrader"]["grade_id"]: c
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    cells, probes = [nbformat.v4.new_code_cell(BLOCK_NETWORK)], []
    for cell in nb.cells:
        cells.append(cell)
        if not _is_test(cell):
            continue
        gid = cell.metadata["nbgrader"]["grade_id"].removesuffix("_test")
        for answer_id, why, source in wrong:
            if answer_id != gid:
                continue
            probe = nbformat.v4.new_code_cell(
                _visible_part(cell.source), metadata={"tags": [RUN_ALL_CONTINUES]}
            )
            cells += [
                nbformat.v4.new_code_cell(source),
                probe,
                nbformat.v4.new_code_cell(answers[answer_id].source),
            ]
            probes.append((answer_id, why, probe))
    nb.cells = cells
    return nb, probes, path.parent


@pytest.fixture(scope="module")
def graded_runs(tmp_path_factory):
    """Run each chapter's graded notebook once (under NBGRADER_EXECUTION, offline, no data)."""
    done = {}

    def run(slug):
        if slug not in done:
            nb, probes, cwd = _graded_run(slug)
            with pytest.MonkeyPatch.context() as mp:
                tmp = tmp_path_factory.mktemp(slug)
                try:
                    seconds = _execute(nb, mp, tmp, grading=True, cwd=cwd)
                    failure = None
                except Exception as err:  # noqa: BLE001 -- reported by the test that asks
                    seconds, failure = None, str(err)[:2000]
            done[slug] = (nb, probes, seconds, failure)
        return done[slug]

    return run


@pytest.mark.slow
@pytest.mark.parametrize("slug", SLUGS)
def test_rule10_graded_notebook_runs_offline_without_datasets(slug, graded_runs):
    nb, _, seconds, failure = graded_runs(slug)
    assert failure is None, (
        f"{slug}: under NBGRADER_EXECUTION with no network and an empty "
        f"data folder, a cell failed:\n{failure}"
    )
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "tags" not in cell.metadata:
            assert not _errors(cell), f"{slug} cell {index} failed under the autograder"
    timings = _graded_cell_seconds(nb)
    assert timings, f"{slug}: nbclient recorded no cell timings to check"
    slow = {gid: round(t, 1) for gid, t in timings.items() if t > GRADED_CELL_LIMIT_S}
    assert not slow, (
        f"{slug}: graded cells should run in seconds under NBGRADER_EXECUTION "
        f"(limit here {GRADED_CELL_LIMIT_S} s, on a loaded 2-core machine): {slow}"
    )
    print(f"{slug}: graded run {seconds:.1f} s")


# Generous on purpose: the test machine is shared; nbgrader's own per-cell limit is 60 s.
GRADED_CELL_LIMIT_S = 30


def _graded_cell_seconds(nb) -> dict:
    """grade_id -> seconds, from the timing nbclient records in each cell's metadata."""
    from datetime import datetime

    seconds = {}
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        timing = cell.metadata.get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if gid and start and end:
            parse = datetime.fromisoformat
            seconds[gid] = (
                parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))
            ).total_seconds()
    return seconds


def _wrong_answer_probes(slug, graded_runs) -> list:
    """[(grade_id, why, the probe's outputs)] for the chapter's CAUGHT_BY_VISIBLE_TESTS; skips
    when it lists none."""
    _, probes, _, failure = graded_runs(slug)
    assert failure is None, f"{slug}: the graded run failed:\n{failure}"
    if not probes:
        pytest.skip(f"{slug} lists no CAUGHT_BY_VISIBLE_TESTS in tests/wrong_answers/")
    return probes


@pytest.mark.slow
@pytest.mark.parametrize("slug", SLUGS)
def test_rule3_visible_tests_catch_the_mistakes_the_text_warns_about(slug, graded_runs):
    probes = _wrong_answer_probes(slug, graded_runs)
    passed_anyway = [f"{gid}: {why}" for gid, why, probe in probes if not _errors(probe)]
    assert not passed_anyway, (
        f"{slug}: the visible tests pass these wrong answers:\n  " + "\n  ".join(passed_anyway)
    )
    bare = [
        f"{gid}: {why} -> {_errors(p)[0].ename}"
        for gid, why, p in probes
        if _errors(p) and _errors(p)[0].ename not in ("CheckFailed", "AssertionError")
    ]
    assert not bare, (
        f"{slug}: these wrong answers crash the visible test with a bare error "
        "instead of the book's message (wrap the call in `with case(...)`):\n  " + "\n  ".join(bare)
    )


@pytest.mark.slow
@pytest.mark.parametrize("slug", SLUGS)
def test_rule2_a_failing_visible_test_shows_the_message_without_checks_frames(slug, graded_runs):
    """The wrong answers' failures (rule 3's probes) as the student sees them in the kernel."""
    probes = _wrong_answer_probes(slug, graded_runs)
    noisy = []
    for gid, why, probe in probes:
        for error in _errors(probe):
            shown = "\n".join(error.traceback)
            if "helpers/checks.py" in shown or "helpers\\checks.py" in shown:
                noisy.append(f"{gid} ({why})")
    assert not noisy, (
        f"{slug}: these failures show helpers.checks frames (raise CheckFailed "
        "through helpers.checks):\n  " + "\n  ".join(noisy)
    )
