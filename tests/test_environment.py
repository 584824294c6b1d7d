"""pyproject.toml (pip) and environment.yml (conda) list the same packages and ranges."""

import re

from tools.build import ROOT
from tools.requirements import read_dependencies

CONDA_NAMES = {"pytorch": "torch"}  # conda-forge names that differ from PyPI's


def _split(spec: str) -> tuple[str, str]:
    name, rest = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", spec).groups()
    return name.lower().replace("_", "-"), rest.replace(" ", "")


def _conda_deps() -> dict:
    deps, in_deps = {}, False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        if not line.startswith(" "):
            in_deps = line.startswith("dependencies:")
        m = re.match(r"\s+-\s+([^#\s][^#]*)", line)
        if in_deps and m and _split(m.group(1))[0] not in ("pip", "python"):
            name, spec = _split(m.group(1).strip())
            deps[CONDA_NAMES.get(name, name)] = spec
    return deps


def test_environment_yml_matches_pyproject():
    pip = dict(
        _split(d) for d in read_dependencies((ROOT / "pyproject.toml").read_text(), ["test"])
    )
    assert _conda_deps() == pip


def test_no_exact_pins():
    for spec in read_dependencies((ROOT / "pyproject.toml").read_text(), ["test"]):
        assert "==" not in spec, f"{spec}: use a range (exact pins break installs)"


def test_python_310_fallback_parser_agrees_with_tomllib():
    import tools.requirements as req

    text = (ROOT / "pyproject.toml").read_text()
    fallback = req._array(text, r"^dependencies = \[") + req._array(text, r"^test = \[")
    assert fallback == read_dependencies(text, ["test"])
