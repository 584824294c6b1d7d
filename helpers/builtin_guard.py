"""Test cells' guard for "by hand" exercises: PyTorch's ready-made version is off limits.

    with forbid_builtins("batch_norm", (F, "batch_norm"), (torch, "batch_norm")):
        Y = batch_norm(X, ...)      # the student's function

Inside the block each named function raises an AssertionError that says which call is not
allowed, so an answer that hands the work to `nn.BatchNorm2d` (which calls `F.batch_norm`)
fails with a message instead of passing. The originals are put back on exit, also on error.
"""
import contextlib


@contextlib.contextmanager
def forbid_builtins(exercise: str, *targets):
    """Replace each `(module, "name")` attribute by a function that fails, for the block."""
    saved = []
    try:
        for module, name in targets:
            original = getattr(module, name)  # AttributeError here: a typo in the test cell
            saved.append((module, name, original))
            setattr(module, name, _refusal(exercise, f"{module.__name__}.{name}"))
        yield
    finally:
        for module, name, original in reversed(saved):
            setattr(module, name, original)


def _refusal(exercise: str, qualified: str):
    def refuse(*args, **kwargs):
        raise AssertionError(f"{exercise} is to be written by hand, but it called {qualified} "
                             "(directly or through a layer such as nn.BatchNorm2d or "
                             "nn.Conv2d). Use tensor arithmetic instead.")
    return refuse
