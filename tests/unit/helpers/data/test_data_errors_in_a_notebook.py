"""A data error (offline, a damaged file) shows in a notebook as its message alone."""

import nbformat
import pytest
from nbclient import NotebookClient


@pytest.mark.slow
def test_an_offline_message_is_shown_without_a_traceback_into_helpers():
    nb = nbformat.v4.new_notebook()
    sources = (
        (
            "from helpers.data.specs import DatasetNotAvailableError\n"
            "def fetch():\n"
            "    raise DatasetNotAvailableError('Fashion-MNIST could not be downloaded.\\n'\n"
            "                                   'Download these files ...\\n  /data/FashionMNIST')\n"
            "try:\n"
            "    fetch()\n"
            "except DatasetNotAvailableError as err:\n"
            "    saved = err\n"
        ),
        "raise saved",
    )
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    (error,) = [o for o in nb.cells[1].outputs if o.output_type == "error"]
    assert error.ename == "DatasetNotAvailableError"
    assert error.traceback == [
        "Fashion-MNIST could not be downloaded.",
        "Download these files ...",
        "  /data/FashionMNIST",
    ]
