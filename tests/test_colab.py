"""Colab readiness: one published address for badges and setup cells, and a simulated Colab.

The simulation is a kernel like Colab's: `google.colab` is imported at start, the usual
scientific packages are there (PyTorch, matplotlib, ... -- here: this environment's, seen
through a .pth file), and the book's `helpers` are NOT. The release notebook's setup cell must
then install the book's package itself (its Colab branch, `%pip install ... dlbook @ ...`),
here from a wheel built from this checkout instead of GitHub, into a throw-away virtual
environment (never into the book's shared one), and the chapter runs on.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tools.build import MASTER_REPOSITORY, ROOT, book_settings, build_source, colab_url, publish_to

SIMULATED_CHAPTER = "02_autograd"  # trains with a live plot and draws figures: a fair sample


def _setup_cell(nb) -> str:
    cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "setup"]
    assert len(cells) == 1, "each chapter has exactly one setup cell (grade_id: setup)"
    return cells[0].source


def test_book_settings_come_from_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.dlbook]\nrepository = "someone/fork"\n'
        'branch = "fall-2027"\n'
    )
    assert book_settings(tmp_path) == {"repository": "someone/fork", "branch": "fall-2027"}
    assert colab_url("release/01_x/01_x.ipynb", tmp_path) == (
        "https://colab.research.google.com/github/someone/fork/blob/fall-2027/"
        "release/01_x/01_x.ipynb"
    )


def test_a_malformed_repository_setting_says_what_to_write(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dlbook]\nrepository = "https://github.com/someone/fork"\n'
    )
    with pytest.raises(ValueError, match="is not a GitHub owner/name such as"):
        book_settings(tmp_path)


def test_the_build_puts_the_setting_into_every_setup_cell(tmp_path):
    """One setting, substituted by the build: change it and every built setup cell follows."""
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    (tmp_path / "pyproject.toml").write_text('[tool.dlbook]\nrepository = "someone/fork"\n')
    slugs = build_source(tmp_path, tmp_path / "out")
    assert slugs
    for slug in slugs:
        setup = _setup_cell(nbformat.read(tmp_path / "out/source" / slug / f"{slug}.ipynb", 4))
        assert '"dlbook @ git+https://github.com/someone/fork"' in setup, slug
        assert MASTER_REPOSITORY not in setup, slug


@pytest.mark.parametrize("path", sorted(ROOT.glob("release/*/*.ipynb")), ids=lambda p: p.stem)
def test_every_released_setup_cell_installs_from_the_published_repository(path):
    setup = _setup_cell(nbformat.read(path, 4))
    repo = book_settings()["repository"]
    assert '"google.colab" in sys.modules' in setup, "the setup cell has no Colab branch"
    assert f'%pip install -q --no-deps "dlbook @ git+https://github.com/{repo}"' in setup, (
        f"{path.name}: the setup cell must install the book's package from {repo} "
        "(copy the setup cell of notebooks/01_tensors.md; `./dlbook build` fills in the "
        "address from pyproject's [tool.dlbook])"
    )
    assert colab_url(path.relative_to(ROOT).as_posix()).endswith(path.name)


def test_publish_to_leaves_other_addresses_alone():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            f'%pip install "dlbook @ git+https://github.com/{MASTER_REPOSITORY}"\n'
            "# see https://github.com/pytorch/pytorch"
        )
    ]
    publish_to(nb, "me/book")
    assert nb.cells[0].source == (
        '%pip install "dlbook @ git+https://github.com/me/book"\n'
        "# see https://github.com/pytorch/pytorch"
    )


# --- a simulated Colab ------------------------------------------------------------------------


def _build_wheel(tmp: Path) -> Path:
    """The book's package (helpers, grading) as a wheel, built from a copy of this checkout."""
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for package in ("helpers", "grading"):
        shutil.copytree(
            ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(tmp / "dist"),
            str(src),
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, f"building the book's wheel failed:\n{done.stderr}"
    (wheel,) = (tmp / "dist").glob("dlbook-*.whl")
    return wheel


def _colab_kernel(tmp: Path) -> tuple[str, Path]:
    """A kernelspec for a Colab-like kernel in a fresh venv; returns (its name, site-packages)."""
    venv = tmp / "colab-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", ("import sysconfig; print(sysconfig.get_paths()['purelib'])")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    here = Path(
        subprocess.run(
            [sys.executable, "-c", ("import sysconfig; print(sysconfig.get_paths()['purelib'])")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # Colab's preinstalled packages (torch, matplotlib, pip, ipykernel, ...): this environment's,
    # which holds no `helpers` (the book runs it from the checkout via PYTHONPATH).
    (site / "colab_preinstalled.pth").write_text(f"{here}\n")
    fake = tmp / "fake-colab"
    (fake / "google" / "colab").mkdir(parents=True)
    (fake / "google" / "colab" / "__init__.py").write_text(
        '"""Stands in for Colab\'s module: the setup cell only asks whether it is loaded."""\n'
    )
    spec = tmp / "jupyter" / "kernels" / "colab-sim"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [
                    str(python),
                    "-m",
                    "ipykernel_launcher",
                    "-f",
                    "{connection_file}",
                    "--IPKernelApp.exec_lines=['import google.colab']",
                ],
                "display_name": "Colab (simulated)",
                "language": "python",
                # No checkout on the path; a home of its own, so data goes to its ~/.cache/dlbook.
                "env": {"PYTHONPATH": str(fake), "HOME": str(tmp / "home")},
            }
        )
    )
    return "colab-sim", site


@pytest.mark.slow
def test_a_release_notebook_runs_on_a_simulated_colab(tmp_path, monkeypatch):
    wheel = _build_wheel(tmp_path)
    kernel, site = _colab_kernel(tmp_path)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    for name in ("NBGRADER_EXECUTION", "DLBOOK_DATA", "MPLBACKEND"):
        monkeypatch.delenv(name, raising=False)
    nb = nbformat.read(ROOT / "release" / SIMULATED_CHAPTER / f"{SIMULATED_CHAPTER}.ipynb", 4)
    setup = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    published = f"git+https://github.com/{book_settings()['repository']}"
    assert published in setup.source
    setup.source = setup.source.replace(published, wheel.as_uri())  # GitHub -> this checkout
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import sys, helpers\nprint(helpers.__file__)\nprint('google.colab' in sys.modules)"
        )
    )
    # Every sub-package came with the wheel (setuptools ships only the packages it is told).
    subpackages = ["helpers.data.loaders", "helpers.training.loop", "helpers.chapters.fake_device"]
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import importlib\n"
            f"for name in {subpackages!r}:\n"
            "    print(importlib.import_module(name).__file__)"
        )
    )
    work = tmp_path / "content"  # Colab's working folder: the notebook and nothing else
    work.mkdir()
    # Run All semantics: only cells tagged raises-exception (tests of unfinished exercises)
    # may fail; any other error stops the run, as it would stop a student.
    NotebookClient(
        nb, timeout=600, kernel_name=kernel, resources={"metadata": {"path": str(work)}}
    ).execute()
    setup_text = "".join(o.get("text", "") for o in setup.outputs)
    assert not [o for o in setup.outputs if o.output_type == "error"], setup_text
    where, colab = nb.cells[-2].outputs[0]["text"].split()
    for found in nb.cells[-1].outputs[0]["text"].split():
        assert Path(found).is_relative_to(site), f"{found} is not from the installed wheel"
    assert Path(where).is_relative_to(site), (
        f"helpers came from {where}, not from the package the setup cell installed into {site}"
    )
    assert colab == "True"


def test_the_wheel_lists_every_package():
    """pyproject's [tool.setuptools] packages names every folder of helpers/ and grading/ that
    is a package, so a new sub-package cannot be left out of the wheel students install."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    listed = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    found = sorted(
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("helpers", "grading")
        for init in (ROOT / top).rglob("__init__.py")
    )
    assert sorted(listed) == found
