"""RecordFlags: the last step of the autograde pipeline writes the flags the run raised.

After SaveAutoGrades, when grading raised flags (a kernel death, an unpreparable test, a broken
notebook found by CheckSubmission), they go to `autograded/<student>/<assignment>/
grading_flags.json` and the flagged cells (all graded cells when a flag names none) are marked
needs-manual-grade, so they show up in nbgrader's formgrader and in the batch's summary.
A clean regrade removes an old flags file.
"""

from nbgrader.preprocessors import NbGraderPreprocessor

from grading.flags import (
    SUBMISSION_STAGE,
    cells_to_review,
    describe,
    mark_for_review,
    noted,
    read_flags,
    write_flags,
)
from grading.paths import configured_flags_file


class RecordFlags(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        path = configured_flags_file(self.config, info["student"], info["assignment"])
        # Flags found before grading (broken notebook) are already in the file: keep them.
        earlier = [f for f in read_flags(path) if f.stage == SUBMISSION_STAGE]
        flags = earlier + [f for f in noted(resources) if f not in earlier]
        if flags:
            write_flags(path, flags)
            mark_for_review(
                info["db_url"],
                info["assignment"],
                info["notebook"],
                info["student"],
                cells_to_review(flags),
            )
            self.log.warning("%s needs a manual look: %s", info["student"], describe(flags))
        elif path.exists():
            path.unlink()  # a clean regrade clears old flags
        return nb, resources
