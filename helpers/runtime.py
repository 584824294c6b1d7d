"""Where is this code running: under nbgrader's autograder, in a Jupyter kernel, or a plain script."""

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
