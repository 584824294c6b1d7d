"""Small data files shipped with the book, found wherever `helpers` is installed.

The files live in `helpers/resources/` and are installed as package data, so the same call
works in a clone of the repository, after `pip install`, and on Colab:

    from helpers.resources import data_file
    df = pd.read_csv(data_file("house_tiny.csv"))

`house_tiny.csv` is a made-up teaching file (16 houses: rooms, floor area in m², heating type,
year built, price in thousands), with a few values missing on purpose for the chapter on
preprocessing. It describes no real market.
"""

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent / "resources"


def available() -> list[str]:
    """Names of the data files that `data_file` can return, sorted."""
    if not RESOURCES.is_dir():
        return []
    return sorted(p.name for p in RESOURCES.iterdir() if p.is_file() and not p.name.startswith("."))


def data_file(name: str) -> Path:
    """Return the path of the shipped data file `name`, e.g. `data_file("house_tiny.csv")`.

    Raises FileNotFoundError, naming the files that do exist, if there is no such file.
    """
    path = RESOURCES / name
    if Path(name).name != name or not path.is_file():
        names = ", ".join(available()) or "none"
        raise FileNotFoundError(
            f"no data file {name!r} in helpers/resources; the available files are: {names}"
        )
    return path
