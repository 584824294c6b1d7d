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
    with pytest.raises(AssertionError, match="difference of 1 at flat index 42"):
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


def test_captured_references_survive_a_rebound_torch_function(monkeypatch):
    monkeypatch.setattr(torch, "allclose", lambda *a, **k: True)
    with pytest.raises(AssertionError):
        check_close(torch.ones(2), torch.zeros(2), "x")


def test_replacing_a_check_function_is_detected(monkeypatch):
    checks.record_trusted_functions()
    monkeypatch.setattr(checks, "check_true", lambda *a, **k: None)
    with pytest.raises(AssertionError, match="was replaced during grading"):
        checks.check_close(1.0, 1.0, "x")
