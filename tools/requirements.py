"""Print the dependencies listed in pyproject.toml, one per line, for `pip install`.

Usage: python tools/requirements.py pyproject.toml [extra ...]. Runs before anything is
installed, so it uses only the standard library (tomllib on 3.11+, a small parser on 3.10).
"""

import re
import sys


def read_dependencies(text: str, extras: list[str]) -> list[str]:
    try:
        import tomllib
    except ImportError:  # Python 3.10: the two arrays we need are simple lists of strings
        deps = _array(text, r"^dependencies = \[")
        for extra in extras:
            deps += _array(text, rf"^{re.escape(extra)} = \[")
        return deps
    project = tomllib.loads(text)["project"]
    deps = list(project["dependencies"])
    for extra in extras:
        deps += project.get("optional-dependencies", {}).get(extra, [])
    return deps


def _array(text: str, opening: str) -> list[str]:
    match = re.search(opening + r"(.*?)^\]", text, re.DOTALL | re.MULTILINE)
    return re.findall(r'"([^"]+)"', match.group(1)) if match else []


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        print("\n".join(read_dependencies(f.read(), sys.argv[2:])))
