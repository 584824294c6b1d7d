"""One plausible wrong answer per chapter, one module per chapter (`chNN.py`), so chapters are
added without touching a shared file. Each module defines SLUG and WRONG = (grade_id, source of
the answer cell): graded with real nbgrader, it must lose exactly that exercise's points.
Most wrong answers are a right one with one mistake put in (`swapped`).
"""

import importlib
import pkgutil


def wrong_answers() -> dict:
    """{slug: (grade_id, answer source)} for every chapter that has a module here."""
    found = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        found[module.SLUG] = module.WRONG
    return found


def swapped(source: str, old: str, new: str) -> str:
    """`source` with `old` replaced by `new`; `old` must be there, or the probe tests nothing."""
    assert old in source, old
    return source.replace(old, new)
