"""Chapter 05, measured: the im2col claim, and the student's Run All time.

Run: ./dlbook python -m benchmarks.bench_ch05                  (both parts)
     ./dlbook python -m benchmarks.bench_ch05 --part conv      (benchmarks/results/ch05_conv.md)
     ./dlbook python -m benchmarks.bench_ch05 --part notebook  (benchmarks/results/ch05_notebook.md)

Part `conv`: a convolution as one matrix product (im2col) is orders of magnitude faster than
Python loops over output pixels, and close to `F.conv2d`.

Workload: one 3-channel 64x64 image, 16 output channels, 3x3 kernel, no padding, stride 1
(62x62 outputs), float32, one thread (as in the chapter). The loop version is the chapter's
`corr2d` for one (output, input) channel pair, timed and multiplied by the 48 pairs; the others
compute the whole layer. Each number is over RUNS timed calls after one warm-up: mean +- std,
and the median, which a busy shared machine disturbs less (preemption makes the std large).
"""

import argparse
import os
import platform
import statistics
import time
from datetime import date, datetime
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
RUNS = {"loops": 5, "fast": 200}
NOTEBOOKS = {  # the student's Run All: every exercise answered, and a fresh release notebook
    "answered (source)": ROOT / "source" / "05_convolution" / "05_convolution.ipynb",
    "fresh (release)": ROOT / "release" / "05_convolution" / "05_convolution.ipynb",
}
TARGET_SECONDS = 300  # issue 20: any chapter's Run All under 5 minutes on a 2-core CPU


def corr2d(X, K):
    """The chapter's reference answer to exercise 1: a Python loop over output pixels."""
    k_h, k_w = K.shape
    Y = torch.zeros(X.shape[0] - k_h + 1, X.shape[1] - k_w + 1)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i : i + k_h, j : j + k_w] * K).sum()
    return Y


def im2col(X, k):
    """The chapter's reference answer to exercise 14 (stride 1, no padding)."""
    n, c, h, w = X.shape
    h_out, w_out = h - k + 1, w - k + 1
    cols = torch.empty(n, c, k, k, h_out, w_out)
    for a in range(k):
        for b in range(k):
            cols[:, :, a, b] = X[:, :, a : a + h_out, b : b + w_out]
    return cols.reshape(n, c * k * k, h_out * w_out)


def _times(fn, runs):
    fn()  # warm-up
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return statistics.mean(out), statistics.stdev(out), statistics.median(out)


def bench_conv() -> None:
    torch.set_num_threads(1)
    torch.manual_seed(0)
    X, W = torch.randn(1, 3, 64, 64), torch.randn(16, 3, 3, 3)
    ref = F.conv2d(X, W)
    # The three ways compute the same layer (checked, so the timings compare like with like).
    loops = torch.stack([sum(corr2d(X[0, c], W[o, c]) for c in range(3)) for o in range(16)])
    assert torch.allclose(loops, ref[0], atol=1e-4)
    assert torch.allclose((W.reshape(16, -1) @ im2col(X, 3)).reshape(1, 16, 62, 62), ref, atol=1e-4)
    pair = _times(lambda: corr2d(X[0, 0], W[0, 0]), RUNS["loops"])
    rows = {
        "Python loops (corr2d), 48 channel pairs": tuple(48 * t for t in pair),
        "im2col by slicing + one matmul": _times(
            lambda: W.reshape(16, -1) @ im2col(X, 3), RUNS["fast"]
        ),
        "F.unfold + one matmul": _times(lambda: W.reshape(16, -1) @ F.unfold(X, 3), RUNS["fast"]),
        "F.conv2d": _times(lambda: F.conv2d(X, W), RUNS["fast"]),
    }
    base = rows["F.conv2d"][2]
    lines = [
        "# Convolution three ways (chapter 05)",
        "",
        (
            f"{date.today()}, {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"torch {torch.__version__}, 1 thread, load average {os.getloadavg()[0]:.1f} at the start."
        ),
        "Command: `./dlbook python -m benchmarks.bench_ch05`",
        "",
        "| (1, 3, 64, 64) -> (1, 16, 62, 62), 3x3 | mean +- std | median | median / F.conv2d |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {name} | {m * 1e3:.3f} +- {s * 1e3:.3f} ms | {med * 1e3:.3f} ms | {med / base:.1f} |"
        for name, (m, s, med) in rows.items()
    ]
    lines.append("")
    (ROOT / "benchmarks" / "results").mkdir(exist_ok=True)
    (ROOT / "benchmarks" / "results" / "ch05_conv.md").write_text("\n".join(lines))
    print("\n".join(lines))


def _cell_seconds(cell) -> float | None:
    timing = cell.metadata.get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return None
    parse = datetime.fromisoformat
    return (parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))).total_seconds()


def bench_notebook() -> None:
    """Run All as a student's kernel runs it (NBGRADER_EXECUTION unset); time every cell."""
    import nbformat
    from nbclient import NotebookClient

    from benchmarks.bench_train import load_average, write_results

    saved = os.environ.pop("NBGRADER_EXECUTION", None)
    lines = [f"Target: under {TARGET_SECONDS} s on a 2-core CPU (issue 20).", ""]
    try:
        for name, path in NOTEBOOKS.items():
            nb = nbformat.read(path, as_version=4)
            before = load_average()
            tic = time.perf_counter()
            NotebookClient(
                nb,
                timeout=600,
                kernel_name="python3",
                allow_errors=True,  # a fresh notebook stops nowhere: unfinished cells only fail
                resources={"metadata": {"path": str(path.parent)}},
            ).execute()
            total = time.perf_counter() - tic
            raised = sum(
                any(o.output_type == "error" for o in c.get("outputs", [])) for c in nb.cells
            )
            cells = sorted(
                (
                    (t, i, c.source.splitlines()[0][:60])
                    for i, c in enumerate(nb.cells)
                    if c.cell_type == "code" and (t := _cell_seconds(c)) is not None
                ),
                reverse=True,
            )
            lines += [
                f"## {name}: `{path.relative_to(ROOT)}`",
                "",
                (
                    f"- total (kernel start to last cell): **{total:.1f} s** "
                    f"({'meets' if total < TARGET_SECONDS else 'misses'} the target)"
                ),
                f"- load average (1/5/15 min) before | after: {before} | {load_average()}",
                f"- cells that raised (a fresh notebook's unfinished exercises): {raised}",
                "",
                "| cell | seconds | first line |",
                "|---:|---:|---|",
                *[f"| {i} | {t:.2f} | `{line}` |" for t, i, line in cells[:5]],
                "",
            ]
    finally:
        if saved is not None:
            os.environ["NBGRADER_EXECUTION"] = saved
    write_results("ch05_notebook", "Chapter 05: the student's Run All", lines)
    print("\n".join(lines))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--part", choices=["conv", "notebook"], default=None, help="one part only (default: both)"
    )
    args = parser.parse_args(argv)
    if args.part in (None, "conv"):
        bench_conv()
    if args.part in (None, "notebook"):
        bench_notebook()


if __name__ == "__main__":
    main()
