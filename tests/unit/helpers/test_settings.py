"""helpers.pick_settings: the device picks the settings, the autograder always gets the tiny
ones, DLBOOK_SETTINGS overrides the device, and the choice is printed with its reason."""

import pytest
import torch

from helpers.settings import OVERRIDE, pick_settings

OPTIONS = {"gpu": {"epochs": 10}, "cpu": {"epochs": 2}, "grading": {"epochs": 1}}


@pytest.fixture(autouse=True)
def student_run(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv(OVERRIDE, raising=False)


def test_the_device_picks_and_the_line_says_why(capsys):
    assert pick_settings(**OPTIONS, device=torch.device("cpu")) == {"epochs": 2}
    assert "no GPU found" in capsys.readouterr().out
    assert pick_settings(**OPTIONS, device="cuda:0") == {"epochs": 10}
    assert capsys.readouterr().out == "Settings: full settings on cuda:0: epochs=10\n"


def test_the_result_is_a_copy_the_notebook_may_change():
    got = pick_settings(**OPTIONS, device="cpu")
    got["epochs"] = 99
    assert OPTIONS["cpu"] == {"epochs": 2}


def test_the_autograder_always_gets_the_grading_settings(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setenv(OVERRIDE, "gpu")  # not even an override lifts it
    assert pick_settings(**OPTIONS, device="cuda:0") == {"epochs": 1}


@pytest.mark.parametrize("name", ["gpu", "cpu", "grading", " Grading "])
def test_the_environment_overrides_the_device(monkeypatch, capsys, name):
    monkeypatch.setenv(OVERRIDE, name)
    assert pick_settings(**OPTIONS, device="cpu") == OPTIONS[name.strip().lower()]
    assert f"chosen by {OVERRIDE}={name.strip().lower()}" in capsys.readouterr().out


def test_an_unknown_override_says_what_to_set(monkeypatch):
    monkeypatch.setenv(OVERRIDE, "fast")
    with pytest.raises(ValueError, match="not one of gpu, cpu, grading"):
        pick_settings(**OPTIONS, device="cpu")
