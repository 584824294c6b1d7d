"""grading.verdict.reference: the solution's records are computed once per source, also when several
graders ask for them at the same moment (a parallel batch)."""

import json
import multiprocessing
import time

from grading.verdict import reference


def _fake_compute(log_path):
    def compute(source_nb, execute):
        with open(log_path, "a") as log:
            log.write("computed\n")
        time.sleep(0.5)  # long enough that the other grader asks while this one computes
        return {"ex_test": [{"kind": "close", "value": 1.0}]}

    return compute


def _grader(source_nb, log_path, out_path):
    reference.compute = _fake_compute(log_path)  # this process only (forked)
    records = reference.reference_records(source_nb, execute=None)
    out_path.write_text(json.dumps(records))


def test_concurrent_graders_compute_the_reference_once(tmp_path, monkeypatch):
    monkeypatch.setenv("DLBOOK_REFERENCE_CACHE", str(tmp_path / "cache"))
    source = tmp_path / "source" / "01_x"
    source.mkdir(parents=True)
    (source / "01_x.ipynb").write_text("{}")
    log = tmp_path / "computed.log"
    fork = multiprocessing.get_context("fork")
    graders = [
        fork.Process(target=_grader, args=(source / "01_x.ipynb", log, tmp_path / f"{i}.json"))
        for i in range(3)
    ]
    for g in graders:
        g.start()
    for g in graders:
        g.join(timeout=60)
    assert [g.exitcode for g in graders] == [0, 0, 0]
    assert log.read_text().count("computed") == 1, (
        "the others must wait for the first one's records"
    )
    got = {(tmp_path / f"{i}.json").read_text() for i in range(3)}
    assert got == {json.dumps({"ex_test": [{"kind": "close", "value": 1.0}]})}
