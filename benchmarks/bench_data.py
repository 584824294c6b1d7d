"""Benchmark: the on-device data path vs DataLoader + ToTensor, on Fashion-MNIST-shaped data.

    PYTHONPATH=. python -m benchmarks.bench_data            # 60000 training images, batch 256
    PYTHONPATH=. python -m benchmarks.bench_data --n-train 10000 --epochs 3
    PYTHONPATH=. python -m benchmarks.bench_data --threads 1     # steadier on a shared CPU

Writes synthetic Fashion-MNIST (helpers.data.fake) to a temporary folder, then times full
training epochs of each path with a no-op model: every batch is moved to the device and summed
into an on-device accumulator, so only data work is measured. Timer synchronizes the device at
each clock read. Prints a table and writes it to benchmarks/results/data.md.
"""

import argparse
import os
import platform
import tempfile
from pathlib import Path

import torch

from helpers.data.fake import write_fake_fashion_mnist
from helpers.data.loaders import (
    default_num_workers,
    fashion_mnist_dataloaders,
    load_data_fashion_mnist,
)
from helpers.devices import try_gpu
from helpers.timing import Timer

RESULTS = Path(__file__).resolve().parent / "results" / "data.md"


def run_epochs(loader, device, epochs: int) -> list:
    """Seconds per epoch of touching every batch (X.sum() accumulated on `device`)."""
    times = []
    for _ in range(epochs):
        total = torch.zeros((), device=device)
        timer = Timer()
        for X, y in loader:
            total += X.to(device, non_blocking=True).sum() + y.to(device).sum()
        times.append(timer.stop())
        float(total)  # make sure the work was really done
    return times


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=60000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=5, help="timed epochs of the fast path")
    parser.add_argument("--dataloader-epochs", type=int, default=2)
    parser.add_argument("--device", default=None, help="default: helpers.try_gpu()")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch CPU threads (default: torch's); 1 is steadier on a busy CPU",
    )
    args = parser.parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = try_gpu() if args.device is None else torch.device(args.device)

    rows = []
    with tempfile.TemporaryDirectory() as root:
        write_fake_fashion_mnist(root, n_train=args.n_train, n_test=1000)
        timer = Timer()
        load_data_fashion_mnist(args.batch_size, root=root, device=device)
        first_load = timer.stop()
        timer.start()
        fast, _ = load_data_fashion_mnist(args.batch_size, root=root, device=device)
        cached_load = timer.stop()

        run_epochs(fast, device, 1)  # warm-up: allocator, kernels
        times = run_epochs(fast, device, args.epochs)
        rows.append(("on-device (ImagesOnDevice)", "-", times))
        for workers in sorted({0, default_num_workers()}):
            loader, _ = fashion_mnist_dataloaders(args.batch_size, root=root, num_workers=workers)
            times = run_epochs(loader, device, args.dataloader_epochs)
            rows.append(("DataLoader + ToTensor", str(workers), times))

    n = args.n_train
    fast_rate = n / min(rows[0][2])
    gpu = torch.cuda.get_device_name(0) if device.type == "cuda" else "no GPU used"
    lines = [
        "# Data path benchmark (`PYTHONPATH=. python -m benchmarks.bench_data`, see its docstring)",
        "",
        (
            f"- {n} Fashion-MNIST-shaped training images (synthetic), batch size "
            f"{args.batch_size}, device `{device}`, torch {torch.__version__}, "
            f"{torch.get_num_threads()} torch CPU thread(s) in the main process"
        ),
        f"- machine: {platform.platform()}, {os.cpu_count()} CPU cores, {gpu}",
        "- no-op model: each batch moved to the device and summed; best epoch of the timed ones",
        (
            f"- fast path one-off costs: first load (verify, decode, write cache) {first_load:.2f} s;"
            f" load from cache {cached_load:.2f} s"
        ),
        "",
        (
            "| path | workers | epochs | best epoch (s) | mean epoch (s) | examples/s (best) | "
            "fast / this |"
        ),
        "|---|---|---|---|---|---|---|",
    ]
    for name, workers, times in rows:
        rate = n / min(times)
        lines.append(
            f"| {name} | {workers} | {len(times)} | {min(times):.3f} | "
            f"{sum(times) / len(times):.3f} | {rate:,.0f} | {fast_rate / rate:.1f}x |"
        )
    table = "\n".join(lines) + "\n"
    print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(table)
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
