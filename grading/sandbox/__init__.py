"""The sandbox every grading kernel runs in (Linux, bubblewrap).

    bubblewrap.py      the command line that starts a kernel inside bubblewrap, each choice
                       with its reason (no network, read-only book, scratch folder, ...)
    limits.py          resource limits, set inside the sandbox just before the kernel starts
                       (`python -m grading.sandbox.limits`)
    kernel_manager.py  SandboxedKernelManager: the kernel manager nbgrader_config.py names, so
                       every grading kernel, also a TA's plain `nbgrader autograde`, is sandboxed

Imports only grading/paths.py of the book's code.
"""
