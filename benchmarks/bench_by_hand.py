"""What the by-hand guard costs a graded cell (issue 24 item 3).

The guard (helpers/by_hand_guard.py) judges every aten op in Python, so a by-loops answer pays
per op. Measured here: chapter 05's corr2d written with loops on a 40x40 input (about 5,800
ops), CPU time bare, under `forbid_builtins`, and under `forbid_builtins` + `by_hand`. Run:

    ./dlbook python -m benchmarks.bench_by_hand [--rounds 5]

It replaces a wall-clock assertion in the unit tests (a timed test flakes on a loaded machine).
"""

import argparse
import os
import time

import torch
import torch.nn.functional as F

from helpers.by_hand import by_hand, forbid_builtins

NO_LIBRARY_CONV = ((F, "conv2d"), (torch, "conv2d"), (F, "unfold"))


def corr2d_by_loops(X, K):
    k_h, k_w = K.shape
    Y = torch.zeros(X.shape[0] - k_h + 1, X.shape[1] - k_w + 1, dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i : i + k_h, j : j + k_w] * K).sum()
    return Y


def cpu_seconds(run, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    X, K = torch.randn(40, 40), torch.randn(3, 3)

    def guarded():
        with forbid_builtins("corr2d", *NO_LIBRARY_CONV):
            corr2d_by_loops(X, K)

    def both():
        with by_hand("corr2d"), forbid_builtins("corr2d", *NO_LIBRARY_CONV):
            corr2d_by_loops(X, K)

    rows = [
        ("no guard", cpu_seconds(lambda: corr2d_by_loops(X, K), args.rounds)),
        ("forbid_builtins", cpu_seconds(guarded, args.rounds)),
        ("forbid_builtins + by_hand", cpu_seconds(both, args.rounds)),
    ]
    print(
        f"corr2d by loops, 40x40, best CPU time of {args.rounds} (load {os.getloadavg()[0]:.1f}):"
    )
    for name, seconds in rows:
        print(f"  {name:27s} {seconds * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
