"""The validation split: which training examples are held out to score choices, chosen once.

    train_idx, val_idx = validation_split(60000, 5000)    # 55,000 and 5,000 positions

A model is trained on the training split, every choice (epochs, learning rate, architecture) is
made on the validation split, and the test set is used once, at the end (chapter 06). The held
out examples are a pseudo-random choice that depends on nothing but `(n, count, seed)`: each
position gets a 64-bit key from a fixed integer hash (SplitMix64's finaliser) and the `count`
smallest keys are held out. No random number generator is involved, so the split is the same
on every machine, with every PyTorch and NumPy version, whatever `torch.manual_seed` says, and
a run that reseeds cannot move examples between the splits.
"""

import numpy as np
import torch

VALIDATION_SEED = 0  # the book's one split; another seed gives another split of the same size

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64's output function on uint64s (Steele, Lea and Flood 2014): a bijection whose
    outputs look uniformly random, so sorting by it shuffles."""
    with np.errstate(over="ignore"):  # the arithmetic is meant to wrap modulo 2**64
        x = (x + np.uint64(0x9E3779B97F4A7C15)) & _MASK64
        x = ((x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & _MASK64
        x = ((x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & _MASK64
        return x ^ (x >> np.uint64(31))


def validation_count(validation, n: int, full_size: int | None = None) -> int:
    """How many of `n` training examples `validation` holds out.

    `validation` is a fraction in (0, 1) of `n`, or a number of examples. A number counts
    examples of the full dataset (`full_size`, e.g. 60,000 for Fashion-MNIST); on a smaller copy
    (the autograder's synthetic data, a test's) the same share of `n` is held out, at least 1.
    """
    if isinstance(validation, bool) or not isinstance(validation, (int, float)):
        raise TypeError(
            f"validation must be a number of examples or a fraction, got {validation!r}"
        )
    if isinstance(validation, float):
        if not 0 < validation < 1:
            raise ValueError(
                f"validation={validation}: a fraction must lie strictly between 0 and 1"
            )
        count = round(validation * n)
    else:
        full = full_size or n
        if not 0 < validation < full:
            raise ValueError(
                f"validation={validation}: hold out at least 1 and fewer than the {full} "
                "training examples"
            )
        count = validation if n >= full else round(validation * n / full)
    return min(max(count, 1), n - 1)


def validation_split(n: int, count: int, seed: int = VALIDATION_SEED):
    """(train_indices, val_indices): int64 tensors of positions 0..n-1, each sorted (so both keep
    the dataset's order), together covering every position once; `count` of them in val."""
    if not 0 < count < n:
        raise ValueError(f"cannot hold out {count} of {n} examples: use 1 to {n - 1}")
    positions = np.arange(n, dtype=np.uint64)
    keys = _splitmix64(positions ^ _splitmix64(np.full(n, seed, dtype=np.uint64)))
    held_out = np.zeros(n, dtype=bool)
    held_out[np.argsort(keys, kind="stable")[:count]] = True
    return (
        torch.from_numpy(np.flatnonzero(~held_out)).long(),
        torch.from_numpy(np.flatnonzero(held_out)).long(),
    )
