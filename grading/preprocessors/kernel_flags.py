"""KernelFlags: flags the kernel left in the outputs (helpers.grader_flags.flag_for_grader) go to the TA.

Runs after CompareRecords. The by-hand guards (helpers/by_hand_guard.py) leave one when an
answer reaches a forbidden routine or switches a guard off; here each becomes a `Flag` of its
kind on the cell that printed it (the test cell's grade_id), and the output is removed so the
student's feedback does not show it. The kernel is the student's: a forged flag only asks a TA
to look, so the count per notebook is capped and only the known kinds are taken.
"""

from nbgrader.preprocessors import NbGraderPreprocessor

from grading.flags import note
from grading.verdict.cells import grade_id
from helpers.grader_flags import FLAG_MIME

KINDS = ("by_hand",)  # the kinds a kernel may raise
MAX_FLAGS = 20


def kernel_flags(nb) -> list[tuple[str | None, str, str]]:
    """Take the kernel's flags out of the cells' outputs: [(grade_id, kind, reason)]."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            data = output.get("data", {}) if output.get("output_type") == "display_data" else {}
            if FLAG_MIME not in data:
                kept.append(output)
                continue
            flag = data[FLAG_MIME]
            if isinstance(flag, dict) and flag.get("kind") in KINDS:
                reason = str(flag.get("reason", "flagged in the kernel"))[:500]
                found.append((grade_id(cell, index), flag["kind"], reason))
        cell.outputs = kept
    unique = list(dict.fromkeys(found))
    return unique[:MAX_FLAGS]


class KernelFlags(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        for cell, kind, reason in kernel_flags(nb):
            note(resources, reason, cell, kind=kind)
        return nb, resources
