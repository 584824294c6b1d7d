"""OutputCaps: what a graded notebook may hold, in bytes, whatever message type carries it.

A mixin of GradingExecute (nbclient's NotebookClient underneath). Every iopub message that puts
something into the notebook is counted while it arrives: stream, display_data, execute_result
and error through `output`; update_display_data (nbclient applies those in `_update_display_id`,
not `output`, so they used to pass uncounted: one 120 MB update made a 120 MB feedback page);
and widget comm messages, whose state nbclient keeps for the notebook's metadata.

    per cell       max_output_bytes (1 MB): what one cell's outputs may hold
    per notebook   max_notebook_bytes (5 MB): all outputs together
    records        MAX_RECORD_BYTES per test cell (verdict/records.py), counted apart

What is counted is what the notebook would *hold*: an update adds the difference between the new
content and the content it replaces (a progress display updated 10,000 times in place holds one
display), and `clear_output` gives the cell's bytes back. Past a cap the output is dropped, one
line says so in the cell, and the TA gets an `output_cap` flag; errors are always kept (they
carry the score), shortened. 1 MB a cell is ten figures or 10,000 printed lines: more than any
chapter's cell prints under grading; 5 MB keeps a feedback page quick to open.
"""

import copy
import json

import nbformat
from traitlets import Integer
from traitlets.config import Configurable

from grading.flags import note
from grading.verdict.cells import grade_id
from grading.verdict.records import MAX_RECORD_BYTES, MIME

ERROR_TEXT = 2000  # characters kept of an error's value and of each traceback line
ERROR_LINES = 60  # traceback lines kept (the last ones: where it failed)


def _size(content: dict) -> int:
    return len(json.dumps(content, default=str))


def _marker(limit: int, where: str):
    return nbformat.v4.new_output(
        "stream",
        name="stdout",
        text=f"\n... output truncated: more than {limit} bytes {where} ...\n",
    )


class OutputCaps(Configurable):
    max_output_bytes = Integer(
        1_000_000, help="Output a cell may hold, in bytes; the rest is dropped with a note."
    ).tag(config=True)
    max_notebook_bytes = Integer(
        5_000_000, help="Output the whole notebook may hold, in bytes."
    ).tag(config=True)

    def _reset_caps(self) -> None:
        self._held: dict = {}  # (cell index, is_record) -> bytes held
        self._truncated: set = set()  # cells (and "notebook") already flagged

    def _total(self) -> int:
        return sum(n for (_, is_record), n in self._held.items() if not is_record)

    def _over(self, cell_index: int, growth: int, is_record: bool = False) -> str | None:
        """Why `growth` more bytes in this cell would pass a cap (None: they fit)."""
        held = self._held.get((cell_index, is_record), 0)
        if is_record:
            return "records" if held + growth > MAX_RECORD_BYTES else None
        if held + growth > self.max_output_bytes:
            return "cell"
        if self._total() + growth > self.max_notebook_bytes:
            return "notebook"
        return None

    def _hold(self, cell_index: int, growth: int, is_record: bool = False) -> None:
        key = (cell_index, is_record)
        self._held[key] = max(0, self._held.get(key, 0) + growth)

    def _cut(self, outs, cell_index: int, which: str) -> None:
        """Note the cut once per cell (and once for the notebook): a line here, a flag for the TA."""
        key = "notebook" if which == "notebook" else cell_index
        if key in self._truncated:
            return
        self._truncated.add(key)
        limit = self.max_notebook_bytes if which == "notebook" else self.max_output_bytes
        where = "in this notebook" if which == "notebook" else "in this cell"
        if outs is not None:
            outs.append(_marker(limit, where))
        cell = self.nb.cells[cell_index] if cell_index < len(self.nb.cells) else {}
        note(
            self.resources,
            f"output truncated: more than {limit} bytes {where} (the rest was dropped)",
            None if which == "notebook" else grade_id(cell, cell_index),
            kind="output_cap",
        )

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        if self.clear_before_next_output:  # nbclient clears the cell before this output
            self._held.pop((cell_index, False), None)
        if msg.get("msg_type") == "error":
            content["evalue"] = str(content.get("evalue", ""))[:ERROR_TEXT]
            lines = content.get("traceback", [])
            content["traceback"] = [str(ln)[:ERROR_TEXT] for ln in lines][-ERROR_LINES:]
            if self._over(cell_index, _size(content)) is not None:
                content["traceback"] = content["traceback"][-1:]  # past a cap: its last line
                content["evalue"] = content["evalue"][:200]
            self._hold(cell_index, _size(content))  # always kept: it carries the score
            return super().output(outs, msg, display_id, cell_index)
        size = _size(content)
        is_record = MIME in (content.get("data") or {})
        which = self._over(cell_index, size, is_record)
        if which is None:
            self._hold(cell_index, size, is_record)
            return super().output(outs, msg, display_id, cell_index)
        if is_record:  # a record too many makes the cell's records malformed, so they fail
            if self._held.get((cell_index, True), 0) <= MAX_RECORD_BYTES:
                self._hold(cell_index, MAX_RECORD_BYTES + 1, True)
                msg = copy.deepcopy(msg)
                msg["content"] = {
                    "data": {MIME: {"kind": "?", "error": "too much recorded"}},
                    "metadata": {},
                }
                return super().output(outs, msg, None, cell_index)
            return None
        self._cut(outs, cell_index, which)
        return None

    def clear_output(self, outs, msg, cell_index):
        super().clear_output(outs, msg, cell_index)
        if not msg.get("content", {}).get("wait"):
            self._held.pop((cell_index, False), None)

    def _update_display_id(self, display_id, msg):
        targets = self._display_id_map.get(display_id, {})
        content = msg.get("content", {})
        new = _size({"data": content.get("data", {}), "metadata": content.get("metadata", {})})
        growth = {}  # cell index -> bytes the update adds there
        for cell_index, output_indices in targets.items():
            outputs = self.nb.cells[cell_index].outputs
            for i in output_indices:
                if i < len(outputs):
                    old = _size(
                        {
                            "data": outputs[i].get("data", {}),
                            "metadata": outputs[i].get("metadata", {}),
                        }
                    )
                    growth[cell_index] = growth.get(cell_index, 0) + new - old
        total = sum(growth.values())
        for cell_index, grown in growth.items():
            which = self._over(cell_index, grown) if grown > 0 else None
            if which is None and total > 0 and self._total() + total > self.max_notebook_bytes:
                which = "notebook"
            if which is not None:
                self._cut(None, cell_index, which)
                return  # the update is dropped: the outputs keep what they showed
        for cell_index, grown in growth.items():
            self._hold(cell_index, grown)
        super()._update_display_id(display_id, msg)

    def handle_comm_msg(self, outs, msg, cell_index):
        # Widget messages end up in the notebook's metadata (its widget state): counted too.
        size = _size(msg.get("content", {}))
        which = self._over(cell_index, size)
        if which is not None:
            self._cut(outs, cell_index, which)
            return None
        self._hold(cell_index, size)
        return super().handle_comm_msg(outs, msg, cell_index)
