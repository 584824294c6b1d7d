"""Run code cells in a real IPython kernel (the one notebooks use) and return the outputs.

The kernel inherits os.environ, so a test sets variables with `monkeypatch.setenv` first.
"""

import nbformat
from nbclient import NotebookClient


def run_cells(*sources: str, timeout: int = 120):
    """Execute the sources as consecutive notebook cells; return the executed notebook."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    return NotebookClient(nb, timeout=timeout, kernel_name="python3").execute()
