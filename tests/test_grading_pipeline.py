"""The grading pipeline's wiring, the sandbox command, broken-notebook checks and feedback
redaction, on in-memory notebooks (fast); one real sandboxed kernel (slow)."""

import shutil

import nbformat
import pytest
from traitlets.config import Config

from grading import sandbox
from grading.feedback import RedactHiddenTests
from grading.pipeline import autograde_preprocessors, nbgrader_default, sanitize_preprocessors
from grading.submission_check import problems, repair
from tools.build import ROOT


def test_the_pipeline_is_nbgraders_default_with_our_steps_in_place():
    ours = autograde_preprocessors()
    default = nbgrader_default()
    assert "nbgrader.preprocessors.execute.Execute" not in ours
    assert ours[:2] == ["grading.execute.GradingExecute", "grading.verdict.CompareRecords"]
    assert ours[2:-1] == default[1:]  # nbgrader's own steps, unchanged and in order
    assert ours[-1] == "grading.flags.RecordFlags"
    assert sanitize_preprocessors()[0] == "grading.submission_check.CheckSubmission"


def test_the_course_config_uses_the_sandbox_and_the_pipeline():
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    assert config.Autograde.autograde_preprocessors == autograde_preprocessors()
    assert config.Execute.kernel_manager_class.endswith("SandboxedKernelManager")
    assert any("grading.recorder" in a for a in config.Execute.extra_arguments)


def _cell(kind, gid, **meta):
    cell = (
        nbformat.v4.new_code_cell("x = 1")
        if kind == "code"
        else nbformat.v4.new_markdown_cell("x = 1")
    )
    cell.metadata["nbgrader"] = {"grade_id": gid, "schema_version": 3, **meta}
    return cell


def _source():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        _cell("code", "f", solution=True),
        _cell("code", "f_test", grade=True, locked=True, points=1),
    ]
    return nb


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda nb: nb.cells.append(nb.cells[1].copy()), "appears 2 times"),
        (lambda nb: nb.cells[1].metadata["nbgrader"].update(grade_id="g"), "unknown grade_id"),
        (lambda nb: nb.cells.pop(1), "test cell deleted"),
        (
            lambda nb: nb.cells.__setitem__(
                1, _cell("markdown", "f_test", grade=True, locked=True)
            ),
            "turned into markdown",
        ),
        (lambda nb: nb.cells[1].metadata["nbgrader"].update(locked=False), "unlocked"),
    ],
)
def test_broken_notebooks_are_named(change, reason):
    submitted = _source()
    change(submitted)
    found = problems(submitted, _source())
    assert any(reason in f["reason"] for f in found), found
    assert problems(_source(), _source()) == []


def test_repair_leaves_one_cell_per_known_grade_id():
    submitted = _source()
    submitted.cells += [_cell("code", "f_test"), _cell("code", "mine")]
    repair(submitted, _source())
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in submitted.cells]
    assert ids == ["f", "f_test", None, None]


def test_feedback_hides_hidden_source_and_what_ran_during_it():
    cell = _cell("code", "f_test", grade=True, locked=True, points=1)
    cell.source = "check(1)\n# BEGIN HIDDEN TESTS\nsecret_input = 7\n# END HIDDEN TESTS\n"
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="secret_input = 7"),
        nbformat.v4.new_output(
            "error", ename="Leak", evalue="secret_input = 7", traceback=["secret_input"]
        ),
    ]
    nb = nbformat.v4.new_notebook()
    nb.cells = [cell]
    RedactHiddenTests(config=Config()).preprocess(nb, {})
    shown = nb.cells[0].source + str(nb.cells[0].outputs)
    assert "secret_input" not in shown and "Leak" not in shown
    assert "Failed" in shown and "hidden tests were run here" in shown


def test_the_sandbox_command_hides_the_course_and_has_no_network(tmp_path, monkeypatch):
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap not installed")
    (tmp_path / "c.json").write_text("{}")
    cmd = sandbox.wrap(
        ["python", "-m", "ipykernel"],
        connection_file=str(tmp_path / "c.json"),
        socket_dir=str(tmp_path),
        scratch=str(tmp_path),
        limits={"memory": 1},
    )
    text = " ".join(cmd)
    assert "--unshare-net" in cmd and "--die-with-parent" in cmd and "--clearenv" in cmd
    assert str(ROOT / "source") not in text and "gradebook.db" not in text
    assert f"{ROOT / 'helpers'} /opt/dlbook/helpers" in text
    assert "/etc/shadow" not in text and "--ro-bind /etc /etc" not in text


def test_without_bwrap_the_message_says_how_to_install(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(sandbox.SandboxUnavailable, match="apt-get install bubblewrap"):
        sandbox.require_bwrap()
    monkeypatch.setenv(sandbox.OPT_OUT, "1")
    assert not sandbox.enabled()


@pytest.mark.slow
def test_the_opt_out_really_runs_an_unsandboxed_kernel(tmp_path, monkeypatch):
    """DLBOOK_UNSAFE_NO_SANDBOX=1 must still grade: a kernel without the sandbox talks TCP (the
    sandbox's IPC sockets live in its private folder, which the opt-out does not make)."""
    import nbformat
    from nbclient import NotebookClient

    from grading.kernel_manager import SandboxedKernelManager

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
