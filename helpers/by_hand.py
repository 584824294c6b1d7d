"""`forbid`: make a test fail with a clear message when an answer calls the library function it
was asked to write by hand.

    with forbid("corr2d", "torch.nn.functional.conv2d", "torch.conv2d"):
        Y = corr2d(X, K)   # AssertionError if corr2d calls F.conv2d (or nn.Conv2d, which does)

Used by test cells only (instructor code); every replaced attribute is restored on exit, even
when the answer raises.
"""
import importlib
from contextlib import contextmanager


def _resolve(dotted: str):
    """("torch.nn.functional", "conv2d") for "torch.nn.functional.conv2d" (module or class owner)."""
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            owner = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:-1]:
            owner = getattr(owner, name)
        if not hasattr(owner, parts[-1]):
            raise AttributeError(f"{dotted} does not exist")
        return owner, parts[-1]
    raise ImportError(f"cannot import a module from {dotted!r}")


@contextmanager
def forbid(exercise: str, *dotted_names: str):
    """Inside the block, calling any of `dotted_names` raises AssertionError naming `exercise`."""
    saved = []
    try:
        for dotted in dotted_names:
            owner, attr = _resolve(dotted)
            saved.append((owner, attr, getattr(owner, attr)))

            def refuse(*args, _name=dotted, **kwargs):
                raise AssertionError(f"{exercise} is to be written by hand: it called {_name}, "
                                     "which this exercise asks you to implement yourself.")

            setattr(owner, attr, refuse)
        yield
    finally:
        for owner, attr, original in reversed(saved):
            setattr(owner, attr, original)
