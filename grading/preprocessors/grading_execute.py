"""GradingExecute: nbgrader's Execute, made safe to grade with (one kernel at a time).

What it adds to `nbgrader.preprocessors.Execute`, in the order things happen:
- before running, every autograded test cell is rewritten to record the values it checks
  (verdict/rewrite.py); the instructor's source is put back afterwards, so the graded notebook and the
  feedback show the test as written;
- output is capped in bytes per cell and per notebook while it arrives, whatever message
  carries it (output_caps.py); errors are kept, shortened, because they carry the score;
- the whole notebook has a time budget derived from the solution's run time (time_budget.py):
  past it the rest is not run, what ran is graded, and the TA is flagged; a timed-out cell that
  is not graded is flagged too;
- test cells run with store_history=False and their source is purged from the kernel's
  linecache afterwards, so `In`, `_ih`, `Out` or a traceback in a later cell do not hold them;
- a cell that runs past the time limit, or kills its kernel (`os._exit`, memory), costs that
  cell only: the kernel is restarted, the cells before it are run again silently, and grading
  goes on; a kernel death is flagged for the TA (flags.py);
- afterwards the records are taken out of the test cells' outputs into
  `resources["dlbook"]["records"]`, stderr of test cells becomes stdout (the verdict no longer
  relies on stderr, and nbgrader would score any stderr as 0), and a test cell's
  `execute_result` becomes a plain display (nbgrader reads a number there as partial credit).
"""

import copy
import math
import time
from contextlib import contextmanager

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.preprocessors import Execute
from traitlets import Float, Integer

from grading.flags import note
from grading.preprocessors import time_budget
from grading.preprocessors.output_caps import OutputCaps
from grading.verdict.cells import delimiters, error_output, grade_id, is_test_cell
from grading.verdict.records import extract
from grading.verdict.rewrite import RewriteError, rewrite_test_cell
from helpers.nbcells import nbgrader_metadata

# Run silently in the kernel after each test cell: the cell's (rewritten) source leaves the
# linecache, where IPython keeps every cell for tracebacks and where a later cell could read it.
# Best effort inside a kernel the student controls; RedactHiddenTests is the guarantee.
FORGET_TEST_SOURCE = """
import linecache as _dlbook_lc
for _dlbook_k in [k for k, v in list(_dlbook_lc.cache.items())
                  if len(v) > 2 and any("__dlbook_record__" in ln for ln in v[2])]:
    _dlbook_lc.cache.pop(_dlbook_k, None)
del _dlbook_lc, _dlbook_k
"""


class GradingExecute(OutputCaps, Execute):
    time_budget_floor = Float(
        120.0, help="Seconds a whole notebook may take at least, however fast the solution runs."
    ).tag(config=True)
    time_budget_factor = Float(
        10.0, help="A notebook may take this many times the solution's own run time (or the floor)."
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

    # -- the run: one kernel at a time, restarted after a timeout or a death -----------------
    def _get_timeout(self, cell):
        # The per-cell limit, or less: what is left of the notebook's time budget.
        limit = super()._get_timeout(cell)
        # Only cells are cut short: kernel_info after a restart and the silent purge get the
        # plain limit; a provisional budget never cuts a cell short (see _out_of_time).
        if cell is None or self._deadline is None or not self._budget_final:
            return limit
        left = max(1, math.ceil(self._deadline - time.monotonic()))
        return left if limit is None else min(limit, left)

    def _out_of_time(self) -> bool:
        if self._deadline is None or time.monotonic() < self._deadline - 0.5:
            return False
        if not self._budget_final:
            # The floor is spent and the solution's time was not known when grading began (a
            # cold batch: the reference is computed by whichever grader needs it first). Know
            # it now, computing it if need be, and grant what the formula gives.
            self._budget_final = True
            solution = time_budget.solution_seconds(self, self.resources)
            self._budget = time_budget.budget(
                solution, self.time_budget_floor, self.time_budget_factor
            )
            self._deadline = self._began + self._budget
        return time.monotonic() >= self._deadline - 0.5

    def _execute(self, cell, index: int) -> None:
        """Run one cell; a test cell leaves no trace in the kernel's history or linecache."""
        test = is_test_cell(cell)
        self.execute_cell(cell, index, store_history=not test)
        if test:
            try:
                self.wait_for_reply(
                    self.kc.execute(FORGET_TEST_SOURCE, silent=True, store_history=False)
                )
            except TimeoutError:
                pass  # a kernel kept busy past the limit: the next cell times out and restarts it

    def _stop(self, nb, resources, first: int, reason: str, kind: str, flag_cell=None) -> None:
        note(
            resources,
            f"grading stopped early: {reason}; later cells were not run",
            flag_cell,
            kind=kind,
        )
        for cell in nb.cells[first:]:
            if cell.cell_type == "code":
                cell.outputs = [error_output("NotRun", f"not run: {reason}")]

    def _timed_out(self, nb, resources, cell, index: int) -> bool:
        """Handle a cell past its limit; True when it was the notebook's budget that ran out."""
        if self._out_of_time():
            cell.outputs.append(
                error_output(
                    "CellTimeoutError",
                    f"the notebook's time budget of {self._budget:.0f} s ran out in this cell",
                )
            )
            self._stop(
                nb,
                resources,
                index + 1,
                f"the notebook used up its time budget of {self._budget:.0f} s "
                f"({self.time_budget_factor:g}x the solution's run time, at least "
                f"{self.time_budget_floor:g} s); what ran before was graded",
                "time_budget",
                grade_id(cell, index),
            )
            return True
        cell.outputs.append(
            error_output(
                "CellTimeoutError", f"this cell ran longer than {self.timeout} s and was stopped"
            )
        )
        if not nbgrader_metadata(cell).get("grade") and not nbgrader_metadata(cell).get("solution"):
            # A graded cell that times out loses its points; an ungraded one would go unnoticed.
            note(
                resources,
                f"cell {index + 1}, which is not graded, ran longer than the per-cell limit of "
                f"{self.timeout} s and was stopped (the kernel was restarted)",
                kind="time_budget",
            )
        return False

    @contextmanager
    def _fresh_kernel(self, nb):
        """A new kernel for the cells from here on (the last one timed out or died)."""
        self.km = None  # setup_kernel starts a kernel when it has none
        with self.setup_kernel():
            info = self.wait_for_reply(self.kc.kernel_info())
            nb.metadata["language_info"] = info["content"]["language_info"]
            yield

    def _replay(self, nb, upto: int, skipped: set[int]) -> bool:
        """Run the code cells before `upto` again, outputs thrown away (and so not counted
        against the caps); False when the kernel timed out or died doing it."""
        held = dict(self._held)
        try:
            for index in range(upto):
                if index not in skipped and nb.cells[index].cell_type == "code":
                    self._execute(copy.deepcopy(nb.cells[index]), index)
        except (CellTimeoutError, DeadKernelError):
            return False
        finally:
            self._held = held
        return True

    def _died(self, resources, cell, index: int) -> None:
        cell.outputs.append(error_output("DeadKernelError", "the kernel died while this cell ran"))
        note(
            resources,
            "the kernel died (os._exit, a crash or the memory limit); the cells after it ran "
            "in a restarted kernel",
            grade_id(cell, index),
            kind="kernel_death",
        )

    def _run_from(self, nb, resources, start: int) -> int | None:
        """Run the cells from `start` on in the current kernel. Returns the index of a cell that
        timed out or killed the kernel (grading goes on after it, in a new kernel), or None when
        nothing is left to run: every cell ran, or the notebook's time budget ran out."""
        for index in range(start, len(nb.cells)):
            cell = nb.cells[index]
            if self._out_of_time():
                reason = f"the notebook used up its time budget of {self._budget:.0f} s"
                self._stop(nb, resources, index, reason, "time_budget", grade_id(cell, index))
                return None
            try:
                self._execute(cell, index)
            except CellTimeoutError:
                return None if self._timed_out(nb, resources, cell, index) else index
            except DeadKernelError:
                self._died(resources, cell, index)
                return index
        return None

    def _give_up(self, nb, resources, start: int, first: int, reason: str) -> None:
        """Stop restarting: the cells from `first` on are not run (flagged at `start`, where
        the last kernel began); a spent time budget is named as the reason if it is one."""
        kind = "kernel_death"
        if self._out_of_time():
            reason, kind = (
                f"the notebook used up its time budget of {self._budget:.0f} s",
                "time_budget",
            )
        self._stop(nb, resources, first, reason, kind, grade_id(nb.cells[start], start))

    def _run_cells(self, nb, resources) -> None:
        """Run every cell, in as many kernels as it takes: after a timeout or a death the next
        kernel replays the cells before, then goes on after the one that failed."""
        skipped: set[int] = set()  # cells that timed out or killed the kernel: never re-run
        start, restarts = 0, 0
        while start < len(nb.cells):
            with self._fresh_kernel(nb):
                replayed = self._replay(nb, start, skipped)
                failed_at = self._run_from(nb, resources, start) if replayed else None
            if not replayed:
                reason = "re-running the earlier cells after a restart failed"
                return self._give_up(nb, resources, start, start, reason)
            if failed_at is None:
                return None
            if restarts >= self.max_restarts:
                reason = f"more than {self.max_restarts} kernel restarts"
                return self._give_up(nb, resources, start, failed_at + 1, reason)
            skipped.add(failed_at)
            start, restarts = failed_at + 1, restarts + 1
        return None

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
        self._reset_caps()
        # A submission gets max(floor, factor x the solution's run time); the solution's own run
        # (the reference, which has no nbgrader resources) has no budget and is timed.
        grading = "nbgrader" in self.resources
        solution = time_budget.known_solution_seconds(self, self.resources) if grading else None
        self._budget_final = solution is not None
        self._budget = time_budget.budget(solution, self.time_budget_floor, self.time_budget_factor)
        self._budget = self._budget if grading else None
        self._began = began = time.monotonic()
        self._deadline = None if self._budget is None else began + self._budget
        key = time_budget.notebook_key(nb)
        originals = self._rewrite_tests(nb, self.resources)
        try:
            self._run_cells(nb, self.resources)
        finally:
            self._collect(nb, self.resources, originals)
        if not grading:
            time_budget.record_solution_seconds(key, time.monotonic() - began)
        self.set_widgets_metadata()
        return nb, self.resources
