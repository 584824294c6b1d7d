"""helpers.resources: shipped data files are found by name; a wrong name says what exists."""

import csv

import pytest

from helpers.resources import available, data_file


def test_house_tiny_is_shipped_and_readable():
    path = data_file("house_tiny.csv")
    assert path.is_file()
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["rooms", "area_m2", "heating", "year_built", "price"]
    assert 10 <= len(rows) <= 20
    # The preprocessing section relies on gaps in numeric and text columns, none in the target.
    assert any(r["area_m2"] == "" for r in rows) and any(r["heating"] == "" for r in rows)
    assert all(r["price"] != "" for r in rows)


def test_available_lists_the_csv():
    assert "house_tiny.csv" in available()


@pytest.mark.parametrize("name", ["house.csv", "../resources.py", "resources/house_tiny.csv", ""])
def test_wrong_name_raises_with_the_list_of_files(name):
    with pytest.raises(FileNotFoundError, match=r"house_tiny\.csv"):
        data_file(name)
