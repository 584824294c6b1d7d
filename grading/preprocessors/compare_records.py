"""CompareRecords: each test cell's records against the solution's, in the grader's process.

An nbgrader preprocessor placed right after GradingExecute. A test cell whose records differ
from the reference records (verdict/reference.py) in number, kind or value gets an error output
with a message safe to show (which check of how many, never the expected value); nbgrader's
SaveAutoGrades then scores it 0, as it scores any error. A cell whose kernel already raised
keeps that error and its 0.
"""

from nbgrader.preprocessors import NbGraderPreprocessor

from grading.feedback import explain, set_message, visible_labels
from grading.flags import note
from grading.paths import source_notebook
from grading.preprocessors.grading_execute import GradingExecute
from grading.verdict.cells import delimiters, error_output, grade_id, is_test_cell
from grading.verdict.kinds import BOOLEAN_KINDS
from grading.verdict.records import compare_cell
from grading.verdict.reference import reference_records


def judge(nb, records: dict, reference: dict, resources: dict, config=None) -> None:
    """Append a `WrongAnswer` error to each test cell whose records do not match, and give
    every test cell its line for the feedback page (grading/feedback.py)."""
    begin, end = delimiters(config)
    for index, cell in enumerate(nb.cells):
        if not is_test_cell(cell):
            continue
        gid = grade_id(cell, index)
        labels = visible_labels(cell.source, begin, end)
        set_message(cell, explain(records.get(gid, []), reference.get(gid, []), labels))
        if gid not in reference:
            note(
                resources,
                "this test cell is not in the instructor's notebook",
                gid,
                kind="broken_notebook",
            )
            cell.outputs.append(
                error_output("NotGraded", "this test is not part of the assignment")
            )
            continue
        problem = compare_cell(records.get(gid, []), reference[gid])
        if problem and not any(o.get("output_type") == "error" for o in cell.outputs):
            cell.outputs.append(error_output("WrongAnswer", problem))


def boolean_only(reference: dict) -> list[str]:
    """Test cells whose hidden records are all booleans (forgeable; see README)."""
    return [
        gid
        for gid, recs in reference.items()
        if not any(r.get("hidden") and r.get("kind") not in BOOLEAN_KINDS for r in recs)
    ]


class CompareRecords(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        source_nb = source_notebook(self.config, info["assignment"], info["notebook"])

        # The solution runs exactly as a submission does: the same executor, the same config.
        def execute(notebook, res):
            return GradingExecute(config=self.config).preprocess(notebook, res)

        reference = reference_records(source_nb, execute)
        judge(nb, resources.get("dlbook", {}).get("records", {}), reference, resources, self.config)
        return nb, resources
