"""helpers.isolation: a test cell's state is fixed, and the student's comes back after it."""

import random

import numpy as np
import pytest
import torch

from helpers.isolation import fill_parameters, isolate, seed_for


class _Events:
    def __init__(self):
        self.callbacks = []

    def register(self, event, fn):
        self.callbacks.append(fn)

    def unregister(self, event, fn):
        self.callbacks.remove(fn)

    def fire(self):
        for fn in list(self.callbacks):
            fn(None)


@pytest.fixture
def shell(monkeypatch):
    fake = type("Shell", (), {"events": _Events()})()
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: fake)
    return fake


def _draws():
    return torch.rand(3).tolist(), np.random.rand(2).tolist(), random.random()


def test_a_test_draws_the_same_numbers_whatever_ran_before(shell):
    isolate("t_test")
    first = _draws()
    shell.events.fire()
    torch.rand(100), np.random.rand(7), random.random()  # a scratch cell
    torch.set_default_dtype(torch.float64)
    try:
        isolate("t_test")
        assert _draws() == first
        assert torch.get_default_dtype() == torch.float32
        shell.events.fire()
        assert torch.get_default_dtype() == torch.float64  # the student's, back
    finally:
        torch.set_default_dtype(torch.float32)


def test_the_students_random_stream_and_grad_mode_come_back(shell):
    torch.manual_seed(5)
    expected = torch.rand(4)
    torch.manual_seed(5)
    torch.set_grad_enabled(False)
    try:
        isolate("u_test")
        assert torch.is_grad_enabled()
        torch.rand(50)
        shell.events.fire()
        assert not torch.is_grad_enabled()
        assert torch.equal(torch.rand(4), expected)  # as if the test had not drawn
    finally:
        torch.set_grad_enabled(True)
    assert not shell.events.callbacks  # the hook removed itself


def test_inference_mode_left_on_by_the_student_is_off_in_the_test(shell):
    guard = torch.inference_mode()
    guard.__enter__()
    try:
        isolate("v_test")
        x = torch.ones(2, requires_grad=True)
        (x * 2).sum().backward()
        assert torch.equal(x.grad, torch.full((2,), 2.0))
        shell.events.fire()
        assert torch.is_inference_mode_enabled()
    finally:
        guard.__exit__(None, None, None)


def test_two_isolates_in_one_cell_still_restore_the_students_state(shell):
    torch.set_default_dtype(torch.float64)
    try:
        isolate("a_test")
        isolate("b_test")
        shell.events.fire()
        assert torch.get_default_dtype() == torch.float64
    finally:
        torch.set_default_dtype(torch.float32)


def test_seeds_differ_per_test_and_not_per_run():
    assert seed_for("a_test") == seed_for("a_test") != seed_for("b_test")


def test_fill_parameters_makes_any_initialisation_give_the_same_outputs():
    def block():
        return torch.nn.Sequential(
            torch.nn.Conv2d(2, 3, 3),
            torch.nn.BatchNorm2d(3),
            torch.nn.ReLU(),
            torch.nn.Conv2d(3, 1, 1),
        )

    a, b = block(), block()
    for p in b.parameters():
        torch.nn.init.normal_(p, 5.0, 3.0)  # another (odd, but valid) initialisation
    x = torch.randn(1, 2, 5, 5)
    assert not torch.allclose(a(x), b(x))
    fill_parameters(a, 3)
    fill_parameters(b, 3)
    assert torch.equal(a(x), b(x))
    assert torch.all(a[1].running_var > 0)


def test_in_a_real_kernel_the_test_cell_is_fixed_and_the_students_state_returns():
    """The build's line in a notebook: the test cell's draws and dtype do not depend on the
    student's cells, also when the test cell fails, and the student's state is back after it."""
    import nbformat
    from nbclient import NotebookClient

    from tools.build import ISOLATE

    line = ISOLATE.format(gid="k_test")
    test = f"{line}\nprint('draw', torch.rand(2).tolist(), torch.get_default_dtype())"
    failing = f"{line}\nprint('draw', torch.rand(2).tolist())\nraise AssertionError('fails')"
    after = "print('after', torch.get_default_dtype(), torch.rand(1).item())\n"
    sources = [
        "import torch",
        test,
        "torch.manual_seed(1); torch.set_default_dtype(torch.float64); torch.rand(9)",
        test,
        "print('after', torch.get_default_dtype(), torch.rand(1).item())",
        failing,
        "print('after', torch.get_default_dtype(), torch.rand(1).item())",
        "torch.manual_seed(1); torch.rand(9)\n" + after + after,
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    nb.cells[5].outputs = [o for o in nb.cells[5].outputs if o.output_type == "stream"]

    def text(i):
        return "".join(o.get("text", "") for o in nb.cells[i].outputs)

    assert text(1) == text(3) and "torch.float32" in text(1)
    assert text(5).split()[1:3] == text(1).split()[1:3]  # the failing test drew the same
    # After each test cell the student's dtype and random stream are as if it had not run.
    assert text(4) + text(6) == text(7) and "torch.float64" in text(4)


def test_fill_parameters_by_name_ignores_the_order_layers_were_registered_in():
    class Block(torch.nn.Module):
        def __init__(self, conv_first):
            super().__init__()
            if conv_first:
                self.conv = torch.nn.Conv2d(2, 3, 3)
                self.bn = torch.nn.BatchNorm2d(3)
            else:
                self.bn = torch.nn.BatchNorm2d(3)
                self.conv = torch.nn.Conv2d(2, 3, 3)

        def forward(self, x):
            return self.bn(self.conv(x))

    a, b = Block(True), Block(False)
    x = torch.randn(2, 2, 5, 5)
    fill_parameters(a, 1)
    fill_parameters(b, 1)
    assert not torch.equal(a.conv.weight, b.conv.weight)  # by order: other values
    fill_parameters(a, 1, by_name=True)
    fill_parameters(b, 1, by_name=True)
    assert torch.equal(a(x), b(x))
