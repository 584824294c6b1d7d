"""Every instructor notebook runs top to bottom in a real kernel, as a student would run it."""

import time

import nbformat
import pytest
from nbclient import NotebookClient

from tools.build import ROOT, colab_url

SOURCES = sorted(ROOT.glob("source/*/*.ipynb"))


@pytest.fixture(scope="module")
def synthetic_data(tmp_path_factory):
    """A DLBOOK_DATA folder of synthetic datasets in torchvision's formats: the student's code
    path (no autograder shortcut) without a download. Large enough for the chapters' CPU
    settings (chapter 07 trains on 2,500 CIFAR-10 images)."""
    from helpers.data.fake import write_fake_cifar10, write_fake_fashion_mnist

    root = tmp_path_factory.mktemp("data")
    write_fake_fashion_mnist(root, n_train=6000, n_test=1000)
    write_fake_cifar10(root, n_train=2500, n_test=500)
    return root


@pytest.mark.slow
@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_source_notebook_runs_top_to_bottom(path, monkeypatch, record_property, synthetic_data):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)  # the student's run, full length
    monkeypatch.setenv("DLBOOK_DATA", str(synthetic_data))  # the kernel inherits it
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    record_property("seconds", round(time.perf_counter() - start, 1))
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors


def test_readme_links_every_released_chapter_to_colab():
    """Badges use the one published address, pyproject's [tool.dlbook] repository."""
    readme = (ROOT / "README.md").read_text()
    for nb in sorted(ROOT.glob("release/*/*.ipynb")):
        url = colab_url(nb.relative_to(ROOT).as_posix())
        assert f"]({url})" in readme, f"README has no Colab badge linking to {url}"


def test_ci_runs_the_readme_test_command():
    assert "./dlbook test" in (ROOT / "README.md").read_text()
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("exec ./dlbook test")
