"""helpers.checks: pass on right answers, fail with a message that says expected and got."""

import numpy as np
import pytest
import torch

from helpers import checks
from helpers.checks import check_close, check_equal, check_shape, check_true, check_type


def test_check_close_accepts_equal_values_across_types():
    check_close(torch.tensor([1.0, 2.0]), [1.0, 2.0], "list vs tensor")
    check_close(np.float64(91.83), 91.83, "float64 vs Python float", rtol=0, atol=1e-12)
    check_close(torch.tensor(91.83, dtype=torch.float64), 91.83, "0-d", rtol=0, atol=1e-12)


def test_check_close_reports_expected_and_got():
    with pytest.raises(AssertionError, match=r"sum: expected 3, got 4"):
        check_close(4.0, 3.0, "sum")
    with pytest.raises(AssertionError, match=r"X \(shape\): expected \(2, 3\), got \(3, 2\)"):
        check_close(torch.zeros(3, 2), torch.zeros(2, 3), "X")
    with pytest.raises(AssertionError, match="forget to `return`"):
        check_close(None, 1.0, "f(x)")


def test_check_close_names_the_worst_element_of_a_big_tensor():
    want = torch.zeros(100)
    got = want.clone()
    got[42] = 1.0
    with pytest.raises(AssertionError, match=r"worst is at index \(42,\): expected 0, got 1$"):
        check_close(got, want, "big")


def test_check_equal_shape_type_true():
    check_equal(torch.Size([2, 3]), (2, 3), "shape")
    with pytest.raises(AssertionError, match=r"expected \(2, 3\) \(tuple\), got \[2, 3\] \(list\)"):
        check_equal([2, 3], (2, 3), "shape")
    check_shape(torch.zeros(2, 3), (2, 3), "X")
    with pytest.raises(AssertionError, match="expected a tensor of shape"):
        check_shape([1, 2], (2,), "X")
    with pytest.raises(AssertionError, match="expected a float, got int"):
        check_type(3, float, "x")
    with pytest.raises(AssertionError, match="fix this"):
        check_true(False, "fix this")


@pytest.mark.parametrize(
    "truth",
    [
        True,
        np.bool_(True),
        torch.tensor(True),
        torch.tensor([True]),
        np.array(True),
        (torch.ones(3) > 0).all(),
    ],
)
def test_check_true_accepts_one_truth_value_in_any_container(truth):
    check_true(truth, "must not fail")


@pytest.mark.parametrize(
    "falsity", [False, 1, "yes", None, torch.tensor(False), np.array([False]), torch.tensor(1.0)]
)
def test_check_true_fails_with_the_authors_message_otherwise(falsity):
    with pytest.raises(AssertionError, match="^fix this$"):
        check_true(falsity, "fix this")


def test_check_true_on_many_truth_values_says_to_reduce_them():
    with pytest.raises(
        AssertionError,
        match=r"fix this \(the check got 3 truth values, not one: "
        r"use \.all\(\) or \.any\(\)\)",
    ):
        check_true(torch.ones(3) > 0, "fix this")


def test_captured_references_survive_a_rebound_torch_function(monkeypatch):
    monkeypatch.setattr(torch, "allclose", lambda *a, **k: True)
    with pytest.raises(AssertionError):
        check_close(torch.ones(2), torch.zeros(2), "x")


def test_check_close_on_a_big_tensor_says_expected_and_got_at_the_worst_index():
    want = torch.zeros(4, 5)
    got = want.clone()
    got[2, 3] = 7.5
    got[0, 0] = 0.5
    with pytest.raises(
        AssertionError,
        match=r"2 of 20 elements differ .* worst is at index "
        r"\(2, 3\): expected 0, got 7\.5",
    ):
        check_close(got, want, "big")


def test_check_close_names_a_dtype_difference_when_float32_falls_short():
    want = torch.tensor([1.0 / 3.0] * 20, dtype=torch.float64)
    with pytest.raises(
        AssertionError, match="your result is float32 but the expected value is float64"
    ):
        check_close(want.float(), want, "thirds", rtol=1e-12, atol=0)
    with pytest.raises(AssertionError) as same_dtype:  # no hint when dtypes agree
        check_close(want + 1, want, "thirds", rtol=1e-12, atol=0)
    assert "float32" not in str(same_dtype.value)


@pytest.mark.parametrize("dtype", [torch.float16, torch.float32, torch.float64, torch.int64])
@pytest.mark.parametrize("shape", [(), (1,), (3, 4)])
def test_check_close_agrees_with_numpy_allclose(dtype, shape):
    gen = torch.Generator().manual_seed(0)
    want = torch.randn(shape, generator=gen, dtype=torch.float64)
    for got in (want.to(dtype), want + 1e-3, want * (1 + 1e-7)):
        oracle = np.allclose(got.double().numpy(), want.numpy(), rtol=1e-5, atol=1e-6)
        try:
            check_close(got, want, "x")
            ours = True
        except AssertionError:
            ours = False
        assert ours == oracle
    nan = want.clone().reshape(-1)
    nan[0] = float("nan")
    with pytest.raises(AssertionError):
        check_close(nan, want.reshape(-1), "NaN never matches")


def test_case_labels_a_crash_and_lets_check_failures_through():
    crash = r"on a 3x5 tensor: your code raised RuntimeError: The size"
    with pytest.raises(AssertionError, match=crash), checks.case("on a 3x5 tensor"):
        torch.ones(3, 5) / torch.ones(3)
    with pytest.raises(AssertionError, match="^x: expected 1, got 2$"), checks.case("on a 3x5"):
        check_close(2.0, 1.0, "x")
    with pytest.raises(NotImplementedError), checks.case("unfinished"):
        raise NotImplementedError()


def _autograd_answers():
    def with_backward(x):
        x = x.detach().requires_grad_(True)
        (x**3).sum().backward()
        return x.grad

    def with_grad(x):
        x = x.detach().requires_grad_(True)
        return torch.autograd.grad((x**3).sum(), x)[0]

    def with_functional(x):
        return torch.autograd.functional.jacobian(lambda t: (t**3).sum(), x)

    def with_enable_grad(x):  # switching grad mode back on does not get around it
        with torch.enable_grad():
            x = x.detach().requires_grad_(True)
            (x**3).sum().backward()
            return x.grad

    return [with_backward, with_grad, with_functional, with_enable_grad]


@pytest.mark.parametrize("answer", _autograd_answers(), ids=lambda f: f.__name__)
def test_by_hand_fails_an_answer_that_calls_autograd(answer):
    x = torch.tensor([1.0, 2.0])
    check_close(answer(x), 3 * x**2, "the answer works outside by_hand")
    refused = "Exercise 1 asks for the derivative worked out by hand"
    with pytest.raises(AssertionError, match=refused), checks.by_hand("Exercise 1"):
        answer(x)
    check_close(answer(x), 3 * x**2, "autograd is back after the block")


def test_by_hand_passes_a_closed_form_answer():
    with checks.by_hand("Exercise 1"):
        got = 3 * torch.tensor([1.0, 2.0]) ** 2
    check_close(got, [3.0, 12.0], "closed form")


def test_failing_check_in_a_kernel_shows_no_helpers_checks_frames():
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(src)
        for src in (
            "from helpers.checks import check_close, case\nimport torch",
            "check_close(torch.zeros(20), torch.ones(20), 'the zeros')",
            "with case('on a 3x5 tensor'):\n    torch.ones(3, 5) / torch.ones(3)",
        )
    ]
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    for cell in nb.cells[1:]:
        (error,) = [o for o in cell.outputs if o.output_type == "error"]
        assert error.ename == "CheckFailed"
        shown = "\n".join(error.traceback)
        assert "checks.py" not in shown, shown
    assert "the zeros: 20 of 20 elements differ" in nb.cells[1].outputs[0].evalue


def test_a_simulated_gpu_tensor_refuses_numpy_until_moved_to_the_cpu():
    from helpers.chapters.fake_device import on_fake_gpu

    X = on_fake_gpu(torch.tensor([[1.0, 2.0], [3.0, 6.0]]))
    with pytest.raises(TypeError, match=r"Use Tensor.cpu\(\)"):
        X.mean(dim=0).numpy()  # results stay "on the GPU"
    with pytest.raises(TypeError, match=r"Use Tensor.cpu\(\)"):
        np.asarray(X * 2)
    np.testing.assert_array_equal(X.mean(dim=0).cpu().numpy(), [2.0, 4.0])
    np.testing.assert_array_equal(X.to("cpu").numpy(), X.detach().to(torch.device("cpu")).numpy())
    assert X.max().item() == 6.0


def test_the_skip_line_uses_a_glyph_every_text_font_has(capsys):
    # "⏭" (U+23ED) needs an emoji font and shows as an empty box without one; Latin-1's
    # characters are in every Latin text font.
    with checks.skip_if_unfinished("Exercise 3 (normalize_rows)"):
        raise NotImplementedError
    line = capsys.readouterr().out
    assert line.startswith("\u00bb This cell needs Exercise 3 (normalize_rows)"), line
    assert all(ord(c) < 0x100 for c in line), line
