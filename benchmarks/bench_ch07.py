"""Chapter 07's lab as a benchmark: ResNet-20 on CIFAR-10, 10 epochs, lr 0.1 then 0.01, a
checkpoint every epoch; and the check that an interrupted run, resumed, ends identical.

    PYTHONPATH=. python -m benchmarks.bench_ch07                 # CPU: the notebook's CPU sizes
    PYTHONPATH=. python -m benchmarks.bench_ch07 --device cuda   # GPU: the full lab
    PYTHONPATH=. python -m benchmarks.bench_ch07 --device cuda --data-root ~/.cache/dlbook/data

The recipe is the notebook's (section 7.9): SGD momentum 0.9, weight decay 5e-4, the data on
the device as uint8 with random crop + flip per batch there, bf16 autocast and channels-last on
a GPU. Without --data-root the images are synthetic (`helpers.fake_data`, CIFAR-10's format and
the requested size): the timing is real, the accuracy is not. Each run is timed as a whole
(training, evaluation after every epoch, checkpoint writes) after a warm-up run on a GPU;
results are mean ± std over --runs runs, written to benchmarks/results/ch07_lab_<device>.md.
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from benchmarks.bench_train import load_average, sync, write_results


class Crash(Exception):
    """Stands in for a dead kernel in the resume check."""


class CrashAfter:
    """The loader's batches, except that epoch `epoch` (1-based) raises Crash at batch `batch`."""

    def __init__(self, loader, epoch, batch):
        self.loader, self.epoch, self.batch, self.calls = loader, epoch, batch, 0

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        self.calls += 1
        for i, item in enumerate(self.loader):
            if self.calls == self.epoch and i == self.batch:
                raise Crash(f"epoch {self.epoch}, batch {i}")
            yield item


def loaders(root, batch_size, n_train, n_test, device):
    """The first n_train / n_test images of CIFAR-10 under root, as on-device loaders."""
    from helpers.loaders import CIFAR10_MEAN, CIFAR10_STD, ImagesOnDevice, load_data_cifar10

    full_train, full_test = load_data_cifar10(batch_size, root=root, device=device)
    common = {"mean": CIFAR10_MEAN, "std": CIFAR10_STD, "device": device}
    train = ImagesOnDevice(
        full_train.images[:n_train],
        full_train.labels[:n_train],
        batch_size,
        shuffle=True,
        augment=True,
        **common,
    )
    test = ImagesOnDevice(
        full_test.images[:n_test], full_test.labels[:n_test], batch_size, **common
    )
    return train, test


def recipe(args, device) -> dict:
    cuda = device.type == "cuda"
    return {
        "momentum": 0.9,
        "weight_decay": 5e-4,
        "scheduler": {args.drop_epoch: 0.01},
        "amp": "bf16" if cuda else None,
        "channels_last": cuda,
        "compile": args.compile,
        "init": False,  # keep resnet20's He initialisation, as the notebook does
        "plot": False,
    }


def lab_run(args, device, train, test, seed, checkpoint):
    """One full lab run; returns (wall seconds, History)."""
    from helpers.models import resnet20
    from helpers.training import train as train_loop

    torch.manual_seed(seed)
    net = resnet20()
    sync(device)
    tic = time.perf_counter()
    history = train_loop(
        net, train, test, args.epochs, 0.1, device, checkpoint=checkpoint, **recipe(args, device)
    )
    sync(device)
    return time.perf_counter() - tic, history


def resume_check(args, device, train, test, folder: Path) -> float:
    """Max |difference| of the weights between an uninterrupted run and a crashed-and-resumed
    one (3 epochs, crash in the 3rd); 0.0 means identical."""
    from helpers.models import resnet20
    from helpers.training import train as train_loop

    options = dict(recipe(args, device), scheduler={1: 0.01})
    torch.manual_seed(0)
    straight = resnet20()
    train_loop(straight, train, test, 3, 0.1, device, **options)
    torch.manual_seed(0)
    try:
        train_loop(
            resnet20(),
            CrashAfter(train, 3, 1),
            test,
            3,
            0.1,
            device,
            checkpoint=folder / "resume.pt",
            **options,
        )
    except Crash:
        pass
    torch.manual_seed(12345)
    resumed = resnet20()
    train_loop(
        resumed,
        train,
        test,
        3,
        0.1,
        device,
        checkpoint=folder / "resume.pt",
        resume=True,
        **options,
    )
    return max(
        float((a.float() - b.float()).abs().max())
        for a, b in zip(straight.state_dict().values(), resumed.state_dict().values())
    )


def main(argv=None):
    from helpers.datasets import CIFAR10, read_manifest
    from helpers.devices import try_gpu
    from helpers.fake_data import write_fake_cifar10

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default=None, help="cpu, cuda (default: try_gpu())")
    parser.add_argument("--epochs", type=int, default=None, help="default 10 (GPU), 4 (CPU)")
    parser.add_argument("--drop-epoch", type=int, default=None, help="lr 0.01 from this epoch")
    parser.add_argument("--batch-size", type=int, default=None, help="default 256 GPU, 128 CPU")
    parser.add_argument("--n-train", type=int, default=None, help="default 50000 GPU, 8000 CPU")
    parser.add_argument("--n-test", type=int, default=None, help="default 10000 GPU, 2000 CPU")
    parser.add_argument("--runs", type=int, default=None, help="timed runs (default 3 GPU, 1 CPU)")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch CPU threads (default: every core, as the notebook's training cells)",
    )
    parser.add_argument("--compile", action="store_true", help="torch.compile the net")
    parser.add_argument(
        "--data-root",
        default=None,
        help="a folder with CIFAR-10 (real or synthetic); default: synthetic",
    )
    parser.add_argument("--no-write", action="store_true", help="print, do not write results/")
    args = parser.parse_args(argv)
    device = torch.device(args.device) if args.device else try_gpu()
    gpu = device.type != "cpu"
    defaults = {
        "epochs": 10 if gpu else 4,
        "batch_size": 256 if gpu else 128,
        "n_train": 50_000 if gpu else 8_000,
        "n_test": 10_000 if gpu else 2_000,
        "runs": 3 if gpu else 1,
    }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.drop_epoch is None:
        args.drop_epoch = args.epochs // 2
    from helpers.runtime import available_cores

    args.threads = args.threads or available_cores()
    torch.set_num_threads(args.threads)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        root = args.data_root
        if root is None:
            root = tmp / "data"
            write_fake_cifar10(root, n_train=args.n_train, n_test=args.n_test)
        real = read_manifest(Path(root) / CIFAR10.folder) is None
        train, test = loaders(root, args.batch_size, args.n_train, args.n_test, device)
        if gpu:  # warm-up: CUDA context, cuDNN autotuning, compilation
            lab_run(argparse.Namespace(**{**vars(args), "epochs": 1}), device, train, test, 0, None)
        load_before = load_average()
        walls, accs, last = [], [], None
        for run in range(args.runs):
            wall, last = lab_run(args, device, train, test, run, tmp / f"lab{run}.pt")
            walls.append(wall)
            accs.append(last.test_acc[-1])
            print(f"run {run}: {wall:.1f} s, test acc {accs[-1]:.3f}")
        small_train, small_test = loaders(
            root, args.batch_size, min(1024, args.n_train), min(256, args.n_test), device
        )
        difference = resume_check(args, device, small_train, small_test, tmp)

    spread = lambda xs, f: (
        f"{f(statistics.mean(xs))} ± {f(statistics.stdev(xs))}" if len(xs) > 1 else f(xs[0])
    )
    examples = sum(last.examples)
    data = "real CIFAR-10" if real else "synthetic CIFAR-10-format images (accuracy meaningless)"
    lines = [
        (
            f"ResNet-20, {args.n_train} train / {args.n_test} test images of {data}, batch "
            f"{args.batch_size}, {args.epochs} epochs, lr 0.1 then 0.01 from epoch "
            f"{args.drop_epoch + 1}, SGD momentum 0.9, weight decay 5e-4, crop+flip on the device, "
            f"a checkpoint every epoch; amp={recipe(args, device)['amp']}, "
            f"channels_last={gpu}, compile={args.compile}; device {device}; {args.runs} run(s)."
        ),
        "",
        (
            "| wall time, whole lab (train + eval + checkpoints) | examples/sec (wall) "
            "| final test acc | resumed run vs uninterrupted: max weight difference |"
        ),
        "|---:|---:|---:|---:|",
        (
            f"| {spread(walls, lambda v: f'{v:.1f} s')} | "
            f"{examples / statistics.mean(walls):.0f} | {spread(accs, lambda v: f'{v:.3f}')} | "
            f"{difference:.3g} |"
        ),
        "",
        (f"- per-epoch test accuracy (last run): {', '.join(f'{a:.3f}' for a in last.test_acc)}"),
        f"- per-epoch wall seconds (last run): {', '.join(f'{s:.2f}' for s in last.seconds)}",
        f"- load average (1/5/15 min) before and after: {load_before} | {load_average()}",
    ]
    if not args.no_write:
        write_results(
            f"ch07_lab_{device.type}", "Chapter 07 lab: ResNet-20 on CIFAR-10", lines, device
        )
    print("\n".join(lines))
    return walls, accs, difference


if __name__ == "__main__":
    main()
