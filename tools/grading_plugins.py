"""nbgrader plug-ins for the course, configured in nbgrader_config.py."""
import re

from nbgrader.preprocessors import NbGraderPreprocessor

HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?",
                    re.DOTALL | re.MULTILINE)


class RedactHiddenTests(NbGraderPreprocessor):
    """Remove hidden tests from feedback: their source, and the traceback of a failed one.

    A traceback quotes the failing line, so an assert inside a hidden block would reveal the
    hidden test; only its error type and message (written by the instructor to be safe to
    show) are kept. (Subclassing nbgrader's base class, not nbconvert's, matters: nbconvert
    preprocessors are disabled unless switched on.)
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and "### BEGIN HIDDEN TESTS" in cell.source:
            cell.source = HIDDEN.sub("# (hidden tests were run here)\n", cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename')}: {output.get('evalue')}"]
        return cell, resources
