"""The late-submission policy, the instructor's settings in nbgrader's conventions.

nbgrader decides lateness, this module only how much it costs:
- the deadline is the assignment's `duedate` in the gradebook:
      ./dlbook python -m nbgrader db assignment add 01_tensors --duedate "2027-01-15 17:00:00 Europe/Berlin"
- a submission's time is its `timestamp.txt` (nbgrader's `submit` writes it, and
  `./dlbook collect` writes it from a Blackboard attempt's time);
- autograde's AssignLatePenalties step asks `c.AssignLatePenalties.plugin_class` for the penalty
  of a late notebook and records it in the gradebook (`late_submission_penalty`), which
  nbgrader's feedback, `nbgrader export` and `./dlbook export` subtract.

`PerDayPenalty` (set in nbgrader_config.py) takes a share of the score per started day late,
after an optional grace period, and everything after `zero_after_days`:

    c.AssignLatePenalties.plugin_class = "grading.handin.late.PerDayPenalty"
    c.PerDayPenalty.percent_per_day = 10      # 0 (the default): late work costs nothing
    c.PerDayPenalty.grace_minutes = 15
    c.PerDayPenalty.zero_after_days = 7       # 0: never zero
"""

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float


class PerDayPenalty(LateSubmissionPlugin):
    percent_per_day = Float(
        0.0, help="Share of the score (in %) each started day late costs; 0: no penalty"
    ).tag(config=True)
    grace_minutes = Float(0.0, help="Minutes after the deadline that still count as on time").tag(
        config=True
    )
    zero_after_days = Float(
        0.0, help="Work more than this many days late scores zero; 0: never"
    ).tag(config=True)

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        late = total_seconds_late - 60 * self.grace_minutes
        if late <= 0 or score is None:
            return None
        days = late / 86400
        if self.zero_after_days and days > self.zero_after_days:
            return score
        share = min(1.0, math.ceil(days) * self.percent_per_day / 100)
        return round(score * share, 6) if share else None


def penalty(score: float, seconds_late: float, config=None) -> float:
    """The penalty `PerDayPenalty` as configured gives (0 if none): for messages and tests."""
    found = PerDayPenalty(config=config).late_submission_penalty("", score, seconds_late)
    return found or 0.0
