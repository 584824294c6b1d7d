"""Book-wide rules on what the exercises ask of a student (issue 20, item 5), for every chapter.

Chapters are found by `tools.build.masters()`, so a new chapter is covered the day it lands.
An exercise is a `### Exercise N (k points): title` heading and the cells after it up to the
next heading; its points are its test cells' points; its answer cells carry the tags.

  rule P  (prediction)    at least two exercises tagged `prediction` (the tag on an answer cell:
          `tags: [prediction]` in the cell's options): the student predicts before running (a
          shape, a count, which curve is which, what breaks and why), graded automatically.
  rule T1 (transcription) exercises tagged `transcription` (the answer is code the text or the
          lecture notes print) give at most a quarter of the chapter's points.
  rule T2 (untagged transcription) an exercise not tagged `transcription` is not one: no
          solution has most of its non-trivial lines printed verbatim in the chapter itself.
          A line is compared after normalising it (comments dropped, whitespace collapsed, one
          kind of quote); trivial lines (`return x`, `else:`, `super().__init__()`, ...) do not
          count. "Printed" means what a student reads: the markdown (its code spans and fenced
          code), the code cells that are neither answers nor tests, the visible parts of the
          test cells, and the answer cells outside their solution markers. (The lecture notes
          are not in the repository, so a transcription of the notes is found by the author and
          tagged; rule T1 counts it.)

Chapters 01-03 predate rule P; each now has two prediction exercises (01: `broadcast_predictions`,
`view_copy_predictions`; 02: `inplace_backward_predictions`, `predict_detach_grad`; 03:
`learning_rate_predictions`, `symmetry_predictions`). A chapter that does not pass a rule yet is
listed in PENDING below, as a strict expected failure: the day it passes, pytest reports the
XPASS as a failure, and its line in PENDING must go. Rules T1 and T2 hold for every chapter not
listed. (Chapter 02's `two_layer_step` is the notes' update loop, printed in the chapter: it is
tagged `transcription`, 3 of its 22 points.)

Each rule is shown failing on a planted chapter at the end of this file.
"""

import io
import re
import tokenize

import pytest

from tools.build import master_to_notebook, masters

MASTERS = masters()
SLUGS = [m.stem for m in MASTERS]
HEADING = re.compile(r"^### Exercise (\d+) \((\d+) points?\): .*$", re.MULTILINE)
MIN_PREDICTIONS = 2
MAX_TRANSCRIPTION_SHARE = 0.25
VERBATIM_SHARE = 0.5  # rule T2: "mostly" = more than half of the non-trivial lines
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.DOTALL)
HIDDEN_START = "### BEGIN HIDDEN TESTS"

# Chapter -> (rules it does not pass yet, why). Strict xfail: delete the line when it passes.
PENDING: dict = {}


# -- reading a chapter -------------------------------------------------------------------------
def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _is_test(cell) -> bool:
    return bool(_nbgrader(cell).get("grade")) and not _nbgrader(cell).get("solution")


def _is_answer(cell) -> bool:
    return bool(_nbgrader(cell).get("solution"))


def exercises(cells) -> list:
    """[{"heading", "points", "answers", "tests", "tags"}] in book order."""
    found = []
    for cell in cells:
        if cell.cell_type == "markdown":
            for match in HEADING.finditer(cell.source):
                found.append({"heading": match[0], "answers": [], "tests": [], "tags": set()})
        elif found and cell.cell_type == "code" and _is_answer(cell):
            found[-1]["answers"].append(cell)
            found[-1]["tags"] |= set(cell.metadata.get("tags", []))
        elif found and cell.cell_type == "code" and _is_test(cell):
            found[-1]["tests"].append(cell)
    for exercise in found:
        exercise["points"] = sum(float(_nbgrader(c)["points"]) for c in exercise["tests"])
    return found


def normalise(line: str) -> str:
    """One code line as compared by rule T2: no comment, single spaces, one kind of quote."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(line).readline))
        comments = [t for t in tokens if t.type == tokenize.COMMENT]
        if comments:  # cut at the comment's column: the code before it stays as written
            line = line[: comments[0].start[1]]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        line = re.sub(r"\s#.*$", "", line)  # a line of a multi-line statement
    return " ".join(line.replace("'", '"').split()).rstrip(",")


TRIVIAL = re.compile(
    r"^(pass|return|else:|try:|finally:|break|continue|\)|\]|\}|\):|super\(\).__init__\(\)|"
    r'""".*|r""".*|[A-Za-z_]\w* = [A-Za-z_]\w*|return [A-Za-z_]\w*|raise NotImplementedError.*)$'
)


def _non_trivial(lines) -> list:
    kept = []
    for line in lines:
        norm = normalise(line)
        if len(norm) >= 8 and not TRIVIAL.match(norm):
            kept.append(norm)
    return kept


def printed_lines(cells) -> set:
    """Every normalised code line a student reads in the chapter (see the module docstring)."""
    printed = set()
    for cell in cells:
        if cell.cell_type == "markdown":
            fenced = re.findall(r"```[^\n]*\n(.*?)```", cell.source, re.DOTALL)
            spans = re.findall(
                r"`([^`\n]+)`", re.sub(r"```.*?```", "", cell.source, flags=re.DOTALL)
            )
            for text in fenced + spans:
                printed |= {normalise(line) for line in text.splitlines()}
        elif cell.cell_type != "code":
            continue
        elif _is_answer(cell):
            printed |= {normalise(line) for line in SOLUTION.sub("", cell.source).splitlines()}
        elif _is_test(cell):
            visible = cell.source.split(HIDDEN_START)[0]
            printed |= {normalise(line) for line in visible.splitlines()}
        else:
            printed |= {normalise(line) for line in cell.source.splitlines()}
    printed.discard("")
    return printed


def verbatim_share(answer_source: str, printed: set) -> tuple:
    """(share of the solution's non-trivial lines printed verbatim, those lines, all of them)."""
    solution = "\n".join(SOLUTION.findall(answer_source))
    lines = _non_trivial(solution.splitlines())
    found = [line for line in lines if line in printed]
    return (len(found) / len(lines) if lines else 0.0), found, lines


# -- the rules, as functions of a chapter's cells (the planted tests call them too) -------------
def prediction_problems(cells) -> list:
    tagged = [e["heading"] for e in exercises(cells) if "prediction" in e["tags"]]
    if len(tagged) >= MIN_PREDICTIONS:
        return []
    return [
        (
            f"{len(tagged)} exercise(s) tagged `prediction` ({tagged}); at least {MIN_PREDICTIONS} "
            "are needed: tag the answer cell of an exercise where the student predicts before "
            "running (a shape, a count, which curve is which, what breaks), or write one"
        )
    ]


def transcription_share_problems(cells) -> list:
    found = exercises(cells)
    total = sum(e["points"] for e in found)
    copied = [e for e in found if "transcription" in e["tags"]]
    points = sum(e["points"] for e in copied)
    if total and points > MAX_TRANSCRIPTION_SHARE * total:
        return [
            f"{points:g} of {total:g} points are for transcription (more than a quarter): "
            + "; ".join(f"{e['heading']}" for e in copied)
        ]
    return []


def untagged_transcription_problems(cells) -> list:
    printed = printed_lines(cells)
    problems = []
    for exercise in exercises(cells):
        if "transcription" in exercise["tags"]:
            continue
        for answer in exercise["answers"]:
            share, found, lines = verbatim_share(answer.source, printed)
            if share > VERBATIM_SHARE:
                problems.append(
                    f"{exercise['heading']}: {len(found)} of the solution's {len(lines)} "
                    f"non-trivial lines are printed in the chapter ({found[:3]} ...): make the "
                    "student work it out, or tag the answer cell `transcription`"
                )
    return problems


def _cells(slug: str) -> list:
    return master_to_notebook(MASTERS[SLUGS.index(slug)]).cells


def _params(rule: str) -> list:
    marks = {
        slug: pytest.mark.xfail(strict=True, reason=f"{why} (delete {slug!r} from PENDING here)")
        for slug, (rules, why) in PENDING.items()
        if rule in rules.split()
    }
    return [pytest.param(slug, marks=marks.get(slug, ())) for slug in SLUGS]


# -- the rules over every chapter --------------------------------------------------------------
@pytest.mark.parametrize("slug", _params("P"))
def test_ruleP_at_least_two_prediction_exercises(slug):
    problems = prediction_problems(_cells(slug))
    assert not problems, f"{slug}: " + "\n  ".join(problems)


@pytest.mark.parametrize("slug", _params("T1"))
def test_ruleT1_transcription_is_at_most_a_quarter_of_the_points(slug):
    problems = transcription_share_problems(_cells(slug))
    assert not problems, f"{slug}: " + "\n  ".join(problems)


@pytest.mark.parametrize("slug", _params("T2"))
def test_ruleT2_no_untagged_exercise_copies_the_chapter(slug):
    problems = untagged_transcription_problems(_cells(slug))
    assert not problems, f"{slug}:\n  " + "\n  ".join(problems)


def test_pending_names_only_chapters_that_exist():
    assert set(PENDING) <= set(SLUGS), set(PENDING) - set(SLUGS)


# -- each rule fails on a planted chapter ------------------------------------------------------
def _planted(*parts) -> list:
    """A chapter in memory from ("md", text), ("answer", gid, source, tags), ("test", gid,
    points, source) and ("code", source) parts."""
    import nbformat

    cells = []
    for part in parts:
        if part[0] == "md":
            cells.append(nbformat.v4.new_markdown_cell(part[1]))
        elif part[0] == "code":
            cells.append(nbformat.v4.new_code_cell(part[1]))
        elif part[0] == "answer":
            _, gid, source, tags = part
            meta = {"nbgrader": {"grade_id": gid, "solution": True, "grade": False}}
            if tags:
                meta["tags"] = list(tags)
            cells.append(nbformat.v4.new_code_cell(source, metadata=meta))
        else:
            _, gid, points, source = part
            meta = {
                "nbgrader": {"grade_id": gid, "grade": True, "solution": False, "points": points}
            }
            cells.append(nbformat.v4.new_code_cell(source, metadata=meta))
    return cells


def _exercise(n, gid, points, solution, tags=(), test="passed('x')"):
    body = f"def {gid}(x):\n    ### BEGIN SOLUTION\n{solution}    ### END SOLUTION\n"
    return [
        ("md", f"### Exercise {n} ({points} points): {gid}"),
        ("answer", gid, body, tags),
        ("test", f"{gid}_test", points, test),
    ]


def test_ruleP_fails_a_chapter_with_one_prediction():
    one = _planted(
        *_exercise(1, "guess_shape", 2, "    return (3, 3)\n", tags=["prediction"]),
        *_exercise(2, "work", 2, "    return x + 1\n"),
    )
    assert prediction_problems(one), "one prediction exercise passed rule P"
    two = _planted(
        *_exercise(1, "guess_shape", 2, "    return (3, 3)\n", tags=["prediction"]),
        *_exercise(2, "guess_loss", 2, "    return 4 / 3\n", tags=["prediction"]),
    )
    assert not prediction_problems(two)


def test_ruleP_counts_the_tag_on_the_answer_cell_not_the_word_predict():
    untagged = _planted(
        *_exercise(1, "predict_shape", 2, "    return (3, 3)\n"),
        *_exercise(2, "predict_loss", 2, "    return 4 / 3\n"),
    )
    assert prediction_problems(untagged)


def test_ruleT1_fails_when_transcription_is_more_than_a_quarter():
    heavy = _planted(
        *_exercise(1, "copy_a", 2, "    return x.copy_a()\n", tags=["transcription"]),
        *_exercise(2, "copy_b", 1, "    return x.copy_b()\n", tags=["transcription"]),
        *_exercise(3, "think", 6, "    return x.think()\n"),
    )
    problems = transcription_share_problems(heavy)
    assert problems and "3 of 9 points" in problems[0], problems
    light = _planted(
        *_exercise(1, "copy_a", 2, "    return x.copy_a()\n", tags=["transcription"]),
        *_exercise(2, "think", 6, "    return x.think()\n"),
    )
    assert not transcription_share_problems(light)  # 2 of 8: exactly a quarter is allowed


PRINTED_LAYER = """\
The notes' layer:

```python
def dropout_layer(X, dropout):
    assert 0 <= dropout <= 1
    if dropout == 1:
        return torch.zeros_like(X)
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)
```
"""
COPIED_SOLUTION = """\
    assert 0 <= dropout <= 1   # the range
    if dropout == 1:
        return torch.zeros_like(X)
    mask = (torch.rand(X.shape) >  dropout).float()
    return mask * X / (1 - dropout)
"""


def test_ruleT2_finds_a_solution_copied_from_the_chapters_own_text():
    copied = _planted(("md", PRINTED_LAYER), *_exercise(1, "dropout_layer", 2, COPIED_SOLUTION))
    problems = untagged_transcription_problems(copied)
    assert problems and "4 of the solution's 5" in problems[0], problems
    tagged = _planted(
        ("md", PRINTED_LAYER),
        *_exercise(1, "dropout_layer", 2, COPIED_SOLUTION, tags=["transcription"]),
    )
    assert not untagged_transcription_problems(tagged)  # tagged: rule T1 counts it instead


def test_ruleT2_finds_a_solution_copied_from_a_code_cell_and_a_visible_test():
    from_code = _planted(
        ("code", "def f(x):\n    y = torch.relu(x @ W1 + b1)\n    return y @ W2 + b2\n"),
        *_exercise(1, "mlp", 2, "    y = torch.relu(x @ W1 + b1)\n    return y @ W2 + b2\n"),
    )
    assert untagged_transcription_problems(from_code)
    in_hidden_part_only = _planted(
        *_exercise(
            1,
            "mlp",
            2,
            "    y = torch.relu(x @ W1 + b1)\n    return y @ W2 + b2\n",
            test="passed('mlp')\n### BEGIN HIDDEN TESTS\ny = torch.relu(x @ W1 + b1)\n"
            "return y @ W2 + b2\n### END HIDDEN TESTS\n",
        )
    )
    assert not untagged_transcription_problems(in_hidden_part_only)  # the student never sees it


def test_ruleT2_passes_a_solution_that_only_shares_trivial_lines():
    worked = _planted(
        ("md", "Use `super().__init__()` and then `return x`; the formula is yours."),
        ("code", "for i in range(n):\n    pass\n"),
        *_exercise(
            1,
            "variance",
            2,
            "    super().__init__()\n    keep = 1 - p\n    return h ** 2 * p / keep\n",
        ),
    )
    assert not untagged_transcription_problems(worked)


def test_normalise_drops_comments_spacing_and_quote_kind():
    assert normalise("    x  = f( 'a' )   # why") == 'x = f( "a" )'
    assert normalise('s = "# not a comment"') == 's = "# not a comment"'
