"""GradingExecute: nbgrader's Execute, made safe to grade with (one kernel at a time).

What it adds to `nbgrader.preprocessors.Execute`, in the order things happen:
- before running, every autograded test cell is rewritten to record the values it checks
  (verdict/rewrite.py); the instructor's source is put back afterwards, so the graded notebook and the
  feedback show the test as written;
- output is capped in bytes per cell while it arrives (a cell printing in a loop cannot fill
  the disk or the grader's memory); errors are kept, shortened, because they carry the score;
- a cell that runs past the time limit, or kills its kernel (`os._exit`, memory), costs that
  cell only: the kernel is restarted, the cells before it are run again silently, and grading
  goes on; a kernel death is flagged for the TA (flags.py);
- afterwards the records are taken out of the test cells' outputs into
  `resources["dlbook"]["records"]`, stderr of test cells becomes stdout (the verdict no longer
  relies on stderr, and nbgrader would score any stderr as 0), and a test cell's
  `execute_result` becomes a plain display (nbgrader reads a number there as partial credit).
"""

import copy
import json

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.preprocessors import Execute
from traitlets import Integer

from grading.flags import note
from grading.verdict.cells import delimiters, error_output, grade_id, is_test_cell
from grading.verdict.records import MAX_RECORD_BYTES, MIME, extract
from grading.verdict.rewrite import RewriteError, rewrite_test_cell


class GradingExecute(Execute):
    max_output_bytes = Integer(
        100_000, help="Output kept per cell, in bytes; the rest is dropped with a note."
    ).tag(config=True)
    max_restarts = Integer(
        4,
        help="Kernel restarts (after a timeout or a kernel death) before the rest of the "
        "notebook is given up and flagged.",
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A cell past its time limit is answered by a restart, not an interrupt: a loop that
        # catches KeyboardInterrupt or ignores SIGINT would keep the kernel busy for good.
        self.interrupt_on_timeout = False
        self.shutdown_kernel = "immediate"

    # -- before: rewrite the tests ---------------------------------------------------------
    def _rewrite_tests(self, nb, resources) -> dict:
        begin, end = delimiters(self.config)
        originals = {}
        for index, cell in enumerate(nb.cells):
            if not is_test_cell(cell):
                continue
            try:
                new_source, _, _ = rewrite_test_cell(cell.source, begin, end)
            except (RewriteError, SyntaxError) as error:
                # The source of a test cell is the instructor's: fail it loudly, never guess.
                note(
                    resources,
                    f"test cell could not be prepared for grading: {error}",
                    grade_id(cell, index),
                    kind="grader_error",
                )
                new_source = f"raise RuntimeError({'test cell not gradable; see the flags'!r})"
            originals[index] = cell.source
            cell.source = new_source
        return originals

    # -- during: output cap ----------------------------------------------------------------
    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        msg_type = msg.get("msg_type")
        if msg_type == "error":
            content["evalue"] = str(content.get("evalue", ""))[:2000]
            content["traceback"] = [str(line)[:2000] for line in content.get("traceback", [])][-60:]
            return super().output(outs, msg, display_id, cell_index)
        size = len(json.dumps(content, default=str))
        is_record = MIME in (content.get("data") or {})
        used = self._bytes.setdefault((cell_index, is_record), 0)
        limit = MAX_RECORD_BYTES if is_record else self.max_output_bytes
        self._bytes[(cell_index, is_record)] = used + size
        if used + size > limit:
            if is_record:  # a record too many makes the cell's records malformed
                msg = copy.deepcopy(msg)
                msg["content"] = {
                    "data": {MIME: {"kind": "?", "error": "too much recorded"}},
                    "metadata": {},
                }
                if used <= limit:
                    return super().output(outs, msg, None, cell_index)
                return None
            if used <= limit:
                outs.append(
                    nbformat.v4.new_output(
                        "stream",
                        name="stdout",
                        text=f"\n... output truncated: more than {limit} bytes in this cell ...\n",
                    )
                )
            return None
        return super().output(outs, msg, display_id, cell_index)

    # -- the run: one kernel at a time, restarted after a timeout or a death -----------------
    def _run_cells(self, nb, resources) -> None:
        skipped: set[int] = set()  # cells that timed out or killed the kernel: never re-run
        start, restarts = 0, 0
        while start < len(nb.cells):
            self.km = None
            failed_at = None
            with self.setup_kernel():
                info = self.wait_for_reply(self.kc.kernel_info())
                nb.metadata["language_info"] = info["content"]["language_info"]
                try:
                    for index in range(start):  # replay what ran before, outputs thrown away
                        if index not in skipped and nb.cells[index].cell_type == "code":
                            self.execute_cell(
                                copy.deepcopy(nb.cells[index]), index, store_history=True
                            )
                except (CellTimeoutError, DeadKernelError):
                    failed_at = -1
                if failed_at is None:
                    for index in range(start, len(nb.cells)):
                        cell = nb.cells[index]
                        try:
                            self.execute_cell(cell, index, store_history=True)
                        except CellTimeoutError:
                            cell.outputs.append(
                                error_output(
                                    "CellTimeoutError",
                                    f"this cell ran longer than {self.timeout} s and was stopped",
                                )
                            )
                            failed_at = index
                            break
                        except DeadKernelError:
                            cell.outputs.append(
                                error_output(
                                    "DeadKernelError", "the kernel died while this cell ran"
                                )
                            )
                            note(
                                resources,
                                "the kernel died (os._exit, a crash or the memory "
                                "limit); the cells after it ran in a restarted kernel",
                                grade_id(cell, index),
                                kind="kernel_death",
                            )
                            failed_at = index
                            break
            if failed_at is None:
                return
            if failed_at == -1 or restarts >= self.max_restarts:
                reason = (
                    "re-running the earlier cells after a restart failed"
                    if failed_at == -1
                    else f"more than {self.max_restarts} kernel restarts"
                )
                note(
                    resources,
                    f"grading stopped early: {reason}; later cells were not run",
                    grade_id(nb.cells[start], start) if start < len(nb.cells) else None,
                    kind="kernel_death",
                )
                for cell in nb.cells[max(start, failed_at + 1) :]:
                    if cell.cell_type == "code":
                        cell.outputs = [error_output("NotRun", "not run: grading stopped early")]
                return
            skipped.add(failed_at)
            start, restarts = failed_at + 1, restarts + 1

    # -- after: records out, stderr and results made harmless --------------------------------
    def _collect(self, nb, resources, originals: dict) -> None:
        records = resources.setdefault("dlbook", {}).setdefault("records", {})
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            found, rest = extract(cell.get("outputs", []))
            if index in originals:
                records[grade_id(cell, index)] = found
                cell.source = originals[index]
                for output in rest:
                    if output.get("output_type") == "stream" and output.get("name") == "stderr":
                        output["name"] = "stdout"
                    if output.get("output_type") == "execute_result":
                        output["output_type"] = "display_data"
                        output.pop("execution_count", None)
            cell.outputs = rest

    def preprocess(self, nb, resources=None, km=None):
        from nbclient import NotebookClient

        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._bytes: dict = {}
        originals = self._rewrite_tests(nb, self.resources)
        try:
            self._run_cells(nb, self.resources)
        finally:
            self._collect(nb, self.resources, originals)
        self.set_widgets_metadata()
        return nb, self.resources
