"""The "by hand" rules of chapters 01, 02 and 04 are enforced, not only stated (issue 20 item 1,
issue 24 item 3): ch01's norms without the library's norms, ch02's newton_sqrt without a library
root, ch04's MySequential without nn.Sequential.

Each forbidden route (most of them passed both the visible and the hidden tests before the
guard) must fail the visible part with the guard's message, which names what was used and says
what to do instead; the reference and the honest variants beside them pass the whole test.
Cells run in-process with tests/chapter_probes.py, in milliseconds; the real nbgrader round
trip, where the same guard also flags the cell for the TA, is tests/test_grading_by_hand.py.
"""

import pytest

from tests.chapter_probes import Chapter, ids
from tests.crafted.by_hand_rules import FORBIDDEN, HONEST

CHAPTERS = {"norms_by_hand": "01_tensors", "newton_sqrt": "02_autograd",
            "my_sequential": "04_training"}  # fmt: skip
_loaded: dict = {}


def chapter(gid: str) -> Chapter:
    slug = CHAPTERS[gid]
    if slug not in _loaded:
        _loaded[slug] = Chapter(slug)
    return _loaded[slug]


@pytest.mark.parametrize("gid", sorted(CHAPTERS))
def test_the_reference_passes_the_whole_test(gid):
    chapter(gid).reference_passes(gid)


@pytest.mark.parametrize(("gid", "why", "answer"), HONEST, ids=ids(HONEST))
def test_honest_variants_pass_the_whole_test(gid, why, answer):
    chapter(gid).run(answer, chapter(gid).test(gid))


@pytest.mark.parametrize(("gid", "why", "answer", "says"), FORBIDDEN, ids=ids(FORBIDDEN))
def test_a_forbidden_route_fails_the_visible_test_saying_what_was_used(gid, why, answer, says):
    with pytest.raises(AssertionError) as failed:
        chapter(gid).run(answer, chapter(gid).visible(gid))
    assert says in str(failed.value), str(failed.value)


@pytest.mark.parametrize(("gid", "why", "answer", "says"), FORBIDDEN, ids=ids(FORBIDDEN))
def test_a_forbidden_route_fails_the_hidden_part_too(gid, why, answer, says):
    """Past the visible part (run on the reference, for the names the hidden part reads), the
    hidden cases are guarded as well: what grading decides on."""
    ch = chapter(gid)
    hidden = ch.test(gid).split("### BEGIN HIDDEN TESTS")[1]
    with pytest.raises(AssertionError):
        ch.run(ch.src[gid] + "\n" + ch.visible(gid), answer + "\n" + hidden)
