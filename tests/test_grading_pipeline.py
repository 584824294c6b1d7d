"""The grading pipeline as a TA's plain `nbgrader autograde` from the course folder gets it:
nbgrader_config.py names the sandbox and the book's pipeline (fast), and the opt-out really
runs an unsandboxed kernel (slow). Each step's own tests: tests/unit/grading/."""

import pytest

from grading.preprocessors.pipeline import autograde_preprocessors, sanitize_preprocessors
from grading.sandbox import bubblewrap as sandbox
from tools.build import ROOT


def test_the_course_config_uses_the_sandbox_and_the_pipeline():
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    assert config.Autograde.autograde_preprocessors == autograde_preprocessors()
    assert config.Autograde.sanitize_preprocessors == sanitize_preprocessors()
    assert config.Execute.kernel_manager_class == (
        "grading.sandbox.kernel_manager.SandboxedKernelManager"
    )
    assert any("grading.verdict.recorder" in a for a in config.Execute.extra_arguments)
    assert "grading.preprocessors.redact_hidden_tests.RedactHiddenTests" in (
        config.GenerateFeedback.preprocessors
    )


@pytest.mark.slow
def test_the_opt_out_really_runs_an_unsandboxed_kernel(tmp_path, monkeypatch):
    """DLBOOK_UNSAFE_NO_SANDBOX=1 must still grade: a kernel without the sandbox talks TCP (the
    sandbox's IPC sockets live in its private folder, which the opt-out does not make)."""
    import nbformat
    from nbclient import NotebookClient

    from grading.sandbox.kernel_manager import SandboxedKernelManager

    monkeypatch.setenv(sandbox.OPT_OUT, "1")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    NotebookClient(
        nb,
        kernel_name="python3",
        kernel_manager_class=SandboxedKernelManager,
        timeout=60,
        startup_timeout=60,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    assert nb.cells[0].outputs[0]["text"] == "42\n"
