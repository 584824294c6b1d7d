"""Chapter 06's two performance targets, measured.

    PYTHONPATH=. python -m benchmarks.bench_ch06 --part notebook          # the student's run
    PYTHONPATH=. python -m benchmarks.bench_ch06 --part lenet --device cuda   # the GPU target

1. `notebook`: executes `source/06_lenet/06_lenet.ipynb` in a real kernel, as a student's run
   (NBGRADER_EXECUTION unset), on synthetic data of the real datasets' sizes (Fashion-MNIST
   60,000 / 10,000, CIFAR-10 50,000 / 10,000, written by `helpers.fake_data` in torchvision's
   formats), and reports the total and the slowest cells. Target on a 2-core CPU: under 3 minutes.
2. `lenet`: LeNet (the notes' sigmoid version, batch 256, lr 0.9, 10 epochs) trained by the
   lecture notes' d2l `train_ch6` loop (`benchmarks/d2l_baseline.py`) and by `helpers.train`,
   alternating rounds on the same device; wall clock covers the whole train call (data,
   evaluation, plot). Target on a GPU: `helpers.train` at >= 10x the baseline's wall-clock
   examples/sec with test accuracy within 1 point. `--data ROOT` uses real Fashion-MNIST found
   under ROOT (torchvision layout); by default synthetic data, whose accuracy says nothing about
   the real data's, so only the speed is meaningful there.

Results go to benchmarks/results/ch06_notebook.md and ch06_lenet.md.
"""

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch

from benchmarks.bench_train import load_average, run_baseline, run_ours, write_results

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "source" / "06_lenet" / "06_lenet.ipynb"
TARGET_SECONDS, TARGET_SPEEDUP, TARGET_ACC_POINTS = 180, 10.0, 1.0


def bench_notebook(args, device):
    """Run the chapter as a student would, on full-size synthetic data; time every cell."""
    import nbformat
    from nbclient import NotebookClient

    from helpers.fake_data import write_fake_cifar10, write_fake_fashion_mnist

    with tempfile.TemporaryDirectory() as root:
        write_fake_fashion_mnist(root, n_train=60000, n_test=10000)
        write_fake_cifar10(root, n_train=50000, n_test=10000)
        env_before = {k: os.environ.get(k) for k in ("DLBOOK_DATA", "NBGRADER_EXECUTION")}
        os.environ["DLBOOK_DATA"] = root  # the kernel inherits the environment
        os.environ.pop("NBGRADER_EXECUTION", None)
        nb = nbformat.read(NOTEBOOK, as_version=4)
        loads = [load_average()]
        tic = time.perf_counter()
        try:
            NotebookClient(
                nb,
                timeout=900,
                kernel_name="python3",
                record_timing=True,
                resources={"metadata": {"path": str(NOTEBOOK.parent)}},
            ).execute()
        finally:
            for k, v in env_before.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        total = time.perf_counter() - tic
        loads.append(load_average())

    cells = []
    for i, cell in enumerate(nb.cells):
        timing = cell.metadata.get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if cell.cell_type == "code" and start and end:
            from datetime import datetime

            seconds = (
                datetime.fromisoformat(end.replace("Z", "+00:00"))
                - datetime.fromisoformat(start.replace("Z", "+00:00"))
            ).total_seconds()
            cells.append((seconds, i, cell.source.splitlines()[0][:70]))
    cells.sort(reverse=True)
    lines = [
        (
            f"`{NOTEBOOK.relative_to(ROOT)}` executed in a fresh kernel as a student's run, on "
            f"synthetic data of the real sizes; target under {TARGET_SECONDS} s on a 2-core "
            f"CPU."
        ),
        "",
        (
            f"- total (kernel start to last cell): **{total:.0f} s** "
            f"({'meets' if total < TARGET_SECONDS else 'misses'} the target here)"
        ),
        f"- load average (1/5/15 min) before | after: {' | '.join(loads)}",
        "",
        "| cell | seconds | first line |",
        "|---:|---:|---|",
        *[f"| {i} | {s:.1f} | `{line}` |" for s, i, line in cells[:8]],
    ]
    write_results("ch06_notebook", "Chapter 06: the student's run", lines, device)
    print("\n".join(lines))
    return total


def bench_lenet(args, device):
    """The d2l loop against helpers.train, alternating rounds; mean +- std and best of each."""
    from helpers.fake_data import write_fake_fashion_mnist
    from helpers.loaders import load_data_fashion_mnist

    with tempfile.TemporaryDirectory() as scratch:
        root = args.data
        if root is None:
            root = scratch
            write_fake_fashion_mnist(root, n_train=args.n_train, n_test=args.n_test)
        load_data_fashion_mnist(args.batch_size, root=root, device=device)  # decode once
        if device.type == "cuda":  # CUDA context, cuDNN autotuning: for neither loop's count
            run_ours(
                root, argparse.Namespace(**{**vars(args), "epochs": 1}), device, **_options(args)
            )
        loads, base, ours = [load_average()], [], []
        for r in range(args.rounds):
            print(f"-- round {r + 1}/{args.rounds}: d2l train_ch6", flush=True)
            base.append(run_baseline(root, args, device, workers=4))
            print(f"-- round {r + 1}/{args.rounds}: helpers.train", flush=True)
            ours.append(run_ours(root, args, device, **_options(args)))
            loads.append(load_average())

    def eps(run):
        return run["examples"] / run["wall_s"]

    def spread(runs):
        values = [eps(r) for r in runs]
        std = statistics.stdev(values) if len(values) > 1 else 0.0
        return f"{statistics.mean(values):.0f} ± {std:.0f}"

    b, o = max(base, key=eps), max(ours, key=eps)
    speedup = statistics.mean(eps(r) for r in ours) / statistics.mean(eps(r) for r in base)
    acc_gap = 100 * abs(
        statistics.mean(r["test_acc"] for r in ours) - statistics.mean(r["test_acc"] for r in base)
    )
    data = (
        f"real Fashion-MNIST from {args.data}"
        if args.data
        else f"synthetic Fashion-MNIST ({args.n_train} train / {args.n_test} test: the accuracy "
        "says nothing about the real data's, only the speed is meaningful)"
    )
    gpu = device.type == "cuda"
    verdict = (
        ("meets" if speedup >= TARGET_SPEEDUP and acc_gap <= TARGET_ACC_POINTS else "misses")
        if gpu
        else "n/a on a CPU (the target is for a GPU)"
    )
    lines = [
        (
            f"LeNet (sigmoid, avg pool), batch {args.batch_size}, lr {args.lr}, {args.epochs} "
            f"epochs on {data}; device {device}; helpers.train options {_options(args)}; "
            f"{args.rounds} alternating rounds. Wall clock: the whole train call."
        ),
        "",
        ("| loop | wall-clock examples/sec, mean ± std | best | test acc (mean) | wall s (best) |"),
        "|---|---:|---:|---:|---:|",
        (
            f"| d2l train_ch6 (DataLoader+ToTensor, 4 workers; float() per batch; redraw-all "
            f"plot) | {spread(base)} | {eps(b):.0f} "
            f"| {statistics.mean(r['test_acc'] for r in base):.3f} | {b['wall_s']:.1f} |"
        ),
        (
            f"| helpers.train (on-device data, device-side sums, throttled plot) "
            f"| {spread(ours)} | {eps(o):.0f} "
            f"| {statistics.mean(r['test_acc'] for r in ours):.3f} | {o['wall_s']:.1f} |"
        ),
        "",
        (
            f"- speed-up (ratio of means): **{speedup:.2f}x**; accuracy gap {acc_gap:.2f} "
            f"points; target >= {TARGET_SPEEDUP:.0f}x within {TARGET_ACC_POINTS:.0f} point on "
            f"a GPU: {verdict}"
        ),
        (
            f"- compute examples/sec of helpers.train (best round): "
            f"{o['compute_examples_per_sec']:.0f}"
        ),
        f"- load average (1/5/15 min) before and after each round: {' | '.join(loads)}",
    ]
    write_results("ch06_lenet", "Chapter 06: helpers.train vs the notes' train_ch6", lines, device)
    print("\n".join(lines))
    return speedup


def _options(args) -> dict:
    options = {}
    if args.compile:
        options["compile"] = True
    if args.amp:
        options["amp"] = args.amp
    return options


def main(argv=None):
    from helpers.devices import try_gpu

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--part", choices=["notebook", "lenet"], default=None, help="one part only (default: both)"
    )
    parser.add_argument("--device", default=None, help="cpu, cuda (default: try_gpu())")
    parser.add_argument("--data", default=None, help="a root holding real Fashion-MNIST")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=0.9)
    parser.add_argument("--n-train", type=int, default=None)
    parser.add_argument("--n-test", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--compile", action="store_true", help="helpers.train(compile=True)")
    parser.add_argument("--amp", choices=["bf16", "fp16"], default=None)
    args = parser.parse_args(argv)
    device = torch.device(args.device) if args.device else try_gpu()
    # The real dataset's size on a GPU; a tenth on a CPU, where the d2l loop takes minutes.
    gpu = device.type != "cpu"
    args.n_train = args.n_train or (60000 if gpu else 6000)
    args.n_test = args.n_test or (10000 if gpu else 1000)
    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)  # dynamo import, once
    result = None
    if args.part in (None, "notebook"):
        result = bench_notebook(args, device)
    if args.part in (None, "lenet"):
        result = bench_lenet(args, device)
    return result  # the last part's number: seconds, or the speed-up


if __name__ == "__main__":
    main()
