"""Nothing the verdict needs is reachable from the student's code in the rewritten hidden part.

Each test cell below computes its expected value *before* calling the student's function, in
one of the book's patterns (a `want` name, a reference module, a visible-part helper run on
hidden inputs, a table of cases, autograd on a copy). The "student" is a spy: called from the
cell, it looks through its caller's frames, globals, `gc` and its inputs' `.grad` for the
expected value. Run as written, the spy finds it (so the spy can see); rewritten for grading,
it must not, while the records the cell makes stay the student's values.
"""

import gc
import sys

import pytest
import torch

from grading.verdict.rewrite import RECORD, rewrite_test_cell
from helpers import checks
from helpers.isolation import fill_parameters

B, E = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
SECRET = 1234.5  # the expected values below all hold this number, the inputs never do


def _holds_secret(value, depth=0) -> bool:
    if depth > 3:
        return False
    if isinstance(value, torch.Tensor):
        if value.is_leaf and value.grad is not None and _holds_secret(value.grad, depth + 1):
            return True
        return value.numel() < 10_000 and bool((value.detach() == SECRET).any())
    if isinstance(value, float):
        return value == SECRET
    if isinstance(value, torch.nn.Module):
        return any(_holds_secret(p, depth + 1) for p in value.parameters())
    if isinstance(value, dict):
        return any(_holds_secret(v, depth + 1) for v in list(value.values()))
    if isinstance(value, (list, tuple)):
        return any(_holds_secret(v, depth + 1) for v in value)
    return False


class Spy:
    """The student's function: returns its input doubled, and looks for the expected value."""

    def __init__(self):
        self.found: list[str] = []

    def __call__(self, x, *rest):
        frame = sys._getframe(1)
        while frame is not None:
            for name, value in list(frame.f_locals.items()):
                if _holds_secret(value):
                    self.found.append(f"{frame.f_code.co_name}: {name}")
            frame = frame.f_back
        if isinstance(x, torch.Tensor) and x.grad is not None and _holds_secret(x.grad):
            self.found.append("x.grad")
        for obj in gc.get_objects():
            if type(obj) is torch.Tensor and _holds_secret(obj):
                self.found.append("gc")
                break
        return 2 * x


def _run(source: str, rewritten: bool) -> tuple[Spy, list]:
    spy, records = Spy(), []
    if rewritten:
        source, _, _ = rewrite_test_cell(source, B, E)

    def record(value, kind, **options):
        records.append(kind)  # not the value: it holds the secret, and gc would see it
        return value if options.get("passthrough") else None

    namespace = {
        "torch": torch,
        "nn": torch.nn,
        "student": spy,
        "fill_parameters": fill_parameters,
        RECORD: record,
        **{n: getattr(checks, n) for n in ("check_close", "check_equal", "check_true")},
    }
    exec(compile(source, "<test cell>", "exec"), namespace)  # noqa: S102 -- a test cell, as the kernel runs it
    return spy, records


CELLS = {
    "a want name": """
check_close(student(torch.ones(2)), torch.full((2,), 2.0), "visible")
### BEGIN HIDDEN TESTS
x = torch.full((3,), SECRET / 2)
want = 2 * x
check_close(student(x), want, "hidden")
### END HIDDEN TESTS
""",
    "a reference module, filled like the student's": """
### BEGIN HIDDEN TESTS
ref = nn.Linear(1, 1)
fill_parameters(ref)
with torch.no_grad():
    ref.weight.fill_(SECRET)
    ref.bias.zero_()
x = torch.ones(4, 1)
want = ref(x) * 2 / SECRET
check_close(student(x), want, "hidden")
### END HIDDEN TESTS
""",
    "a visible-part helper run on hidden inputs": """
def _check_double(x, what):
    want = 2 * x
    check_close(student(x), want, what)

_check_double(torch.ones(2), "visible")
### BEGIN HIDDEN TESTS
_check_double(torch.full((5,), SECRET / 2), "hidden")
### END HIDDEN TESTS
""",
    "a table of cases": """
### BEGIN HIDDEN TESTS
cases = [(torch.full((2,), SECRET / 2), "two", SECRET), (torch.full((3,), SECRET / 2), "three", SECRET)]
for x, label, want in cases:
    check_close(student(x)[0], want, label)
### END HIDDEN TESTS
""",
    "autograd on a copy of the input": """
### BEGIN HIDDEN TESTS
x = torch.full((3,), SECRET / 2)
xg = x.clone().requires_grad_(True)
(SECRET * xg).sum().backward()
check_close(student(x), xg.grad, "hidden")
### END HIDDEN TESTS
""",
    "autograd on the input itself, the student given a detached copy": """
### BEGIN HIDDEN TESTS
for n in (2, 3):
    x = torch.full((n,), SECRET / 2).requires_grad_(True)
    (SECRET * x).sum().backward()
    check_close(student(x.detach()), x.grad, "hidden")
### END HIDDEN TESTS
""",
}


@pytest.mark.parametrize("pattern", CELLS)
def test_the_spy_finds_the_expected_value_in_the_cell_as_written(pattern):
    source = CELLS[pattern].replace("SECRET", repr(SECRET))
    spy, _ = _run(source, rewritten=False)
    assert spy.found, f"{pattern}: the spy sees nothing even unrewritten; it proves nothing"


@pytest.mark.parametrize("pattern", CELLS)
def test_rewritten_for_grading_the_expected_value_is_out_of_reach(pattern):
    source = CELLS[pattern].replace("SECRET", repr(SECRET))
    gc.collect()  # what earlier tests left behind is not this cell's
    spy, records = _run(source, rewritten=True)
    assert not spy.found, f"{pattern}: reachable from the student's call: {spy.found}"
    assert records and set(records) == {"close"}, records


def _rewritten_hidden(*lines: str) -> str:
    """A test cell whose hidden part is `lines`, as rewritten for grading."""
    source = "\n".join([f"### {B}", *lines, f"### {E}", ""])
    return rewrite_test_cell(source, B, E)[0]


def test_a_statement_that_may_change_what_the_student_is_given_stays():
    # copy_parameters(ref, blk) may change blk, and blk.load_state_dict(...) changes blk: both
    # stay, and so does the reference they read (with what changes it, ref.eval()).
    rewritten = _rewritten_hidden(
        "ref = make()",
        "blk = student()",
        "ref.eval()",
        "copy_parameters(ref, blk)",
        "blk.load_state_dict(ref.state_dict())",
        "check_close(blk(x), ref(x), 'out')",
    )
    assert "ref = make()" in rewritten and "copy_parameters(ref, blk)" in rewritten
    assert "blk.load_state_dict(ref.state_dict())" in rewritten
    alone = _rewritten_hidden("ref = make()", "ref.eval()", "check_close(f(x), ref(x), 'o')")
    assert "ref" not in alone
    for mode in ("'train'", "'eval'"):  # a loop over constants does not keep a statement
        looped = _rewritten_hidden(
            "ref = make()",
            "for mode in ('train', 'eval'):",
            "    getattr(ref, mode)()",
            f"    check_close(f(x), ref(x), {mode})",
        )
        assert "ref" not in looped


def test_a_backward_whose_gradients_the_student_value_reads_stays():
    # the student's own result's backward fills a.grad, which is what the hidden check records
    rewritten = _rewritten_hidden(
        "a = torch.ones(3).requires_grad_(True)",
        "v = torch.ones(3)",
        "r = student(a)",
        "r.backward(v)",
        "check_close(a.grad, 2 * v, 'a.grad')",
    )
    assert "r.backward(v)" in rewritten and "v = torch.ones(3)" in rewritten
