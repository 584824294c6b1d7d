"""Where is this code running: under nbgrader's autograder, in a Jupyter kernel, or a plain script."""

import contextlib
import os


def is_autograding() -> bool:
    """True while nbgrader executes the notebook (`nbgrader autograde` / `validate`).

    nbgrader sets NBGRADER_EXECUTION in the kernel's environment; chapters use this to train for
    a few batches instead of many epochs, and the Animator to draw nothing.
    """
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def in_notebook() -> bool:
    """True inside a Jupyter kernel (JupyterLab, Colab, VS Code), False in a terminal or script."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    # Terminal IPython has no kernel; every notebook frontend talks to an ipykernel-based shell.
    return shell is not None and getattr(shell, "kernel", None) is not None


def limit_threads(n: int = 1) -> None:
    """Let PyTorch and NumPy's BLAS each use at most `n` threads.

    For chapters whose arrays are small: there, threads waiting for each other cost more than
    the arithmetic, and on a busy 2-core machine (a grading server) a NumPy loop can run 30x
    slower with every library's default thread pool competing for the cores.
    """
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(n)
    threadpool_limits(n)


TRAIN_THREADS_VAR = "DLBOOK_TRAIN_THREADS"  # overrides the number of threads a training cell uses


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, which a container or a batch
    scheduler may set below the machine's count), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS and Windows have no sched_getaffinity
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def train_threads(n: int | None = None):
    """Inside the block PyTorch uses `n` threads, by default $DLBOOK_TRAIN_THREADS or every core;
    afterwards the previous setting (the chapter's one-thread limit for small tensors) is back.

    Training a CNN is large matrix work, where more threads do help: the chapters wrap their
    training cells in this. Under the autograder nothing changes (the grader runs several
    notebooks side by side, each kept to its own thread). Yields the thread count in use.
    """
    import torch

    previous = torch.get_num_threads()
    if is_autograding():
        yield previous
        return
    if n is None:
        setting = os.environ.get(TRAIN_THREADS_VAR, "").strip()
        try:
            n = int(setting) if setting else available_cores()
        except ValueError:
            raise ValueError(
                f"{TRAIN_THREADS_VAR}={setting!r} is not a number of threads: set it to an "
                "integer such as 4, or unset it to use every core."
            ) from None
    if n < 1:
        raise ValueError(f"train_threads needs at least 1 thread, got {n}")
    torch.set_num_threads(n)
    try:
        yield n
    finally:
        torch.set_num_threads(previous)
