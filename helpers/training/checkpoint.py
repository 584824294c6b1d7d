"""Checkpoints that let `helpers.train(..., checkpoint=path, resume=True)` pick up where it stopped.

A checkpoint holds everything the next epoch depends on: the weights, the optimizer's state
(momentum buffers, Adam moments), the LR schedule, the fp16 gradient scaler, the history so far
and every random number generator (torch CPU and CUDA, NumPy, Python). Restoring the RNGs is
what makes a resumed run *identical* to an uninterrupted one: a shuffling DataLoader and dropout
draw the same numbers they would have drawn.

The file is written with `helpers.files.atomic_write` (a temporary name, flushed to disk, then
renamed), so an interrupt during saving leaves the previous checkpoint intact.

Checkpoints belong to one student. `user_checkpoint_dir(chapter)` is a folder of the user's own
(`$DLBOOK_CHECKPOINTS/<chapter>`, else `<XDG_CACHE_HOME or ~/.cache>/dlbook/checkpoints/
<chapter>`), never the machine's shared temp folder, and every checkpoint records its owner
(user name and home folder): `load` refuses one that another user saved, so on a course server
or a lab PC nobody resumes someone else's run.
"""

import getpass
import os
import pickle
import random
from pathlib import Path

import numpy as np
import torch

from helpers.files import atomic_write

FORMAT = 1  # bump when the layout of the saved dict changes; load() then refuses old files
CHECKPOINTS_VAR = "DLBOOK_CHECKPOINTS"  # overrides the root of user_checkpoint_dir


def owner() -> str:
    """Who is running this: "user name (home folder)", the identity a checkpoint records."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # a container user with no passwd entry and no $USER
        name = f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return f"{name} ({Path.home()})"


def user_checkpoint_dir(chapter: str) -> Path:
    """This user's folder for a chapter's checkpoints (created): $DLBOOK_CHECKPOINTS/<chapter>,
    else <$XDG_CACHE_HOME or ~/.cache>/dlbook/checkpoints/<chapter>."""
    root = os.environ.get(CHECKPOINTS_VAR)
    if not root:
        cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        root = Path(cache) / "dlbook" / "checkpoints"
    folder = Path(root).expanduser() / chapter
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def rng_state() -> dict:
    """Every generator's state, as plain tensors and numbers (loadable with weights_only=True)."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state = {
        "torch": torch.get_rng_state(),
        "numpy": (kind, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss, cached),
        "python": random.getstate(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    # pickle turns the tuple of ints into a list; random.setstate needs the tuple back.
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save(
    path,
    *,
    net,
    optimizer,
    scheduler=None,
    scaler=None,
    epoch: int,
    history: dict,
    extra: dict | None = None,
) -> None:
    """Write a checkpoint after `epoch` epochs (1-based count of finished epochs)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "format": FORMAT,
        "epoch": epoch,
        "model": net.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "scaler": scaler.state_dict() if scaler is not None else None,
        "history": history,
        "rng": rng_state(),
        "extra": extra or {},
        "owner": owner(),
    }
    # fsync: a checkpoint exists to survive crashes, power cuts included.
    atomic_write(path, lambda tmp: torch.save(state, tmp), fsync=True)


def load(path, *, net, optimizer, scheduler=None, scaler=None) -> dict:
    """Restore a checkpoint into these objects (and the RNGs); return it (epoch, history, extra)."""
    path = Path(path)
    # Loaded on the CPU: the RNG states must be CPU tensors; load_state_dict moves the rest.
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    # Bytes that are not a torch file fail inside the unpickler in many ways (seen: IndexError).
    except (
        pickle.UnpicklingError,
        RuntimeError,
        EOFError,
        ValueError,
        IndexError,
        KeyError,
        TypeError,
        AttributeError,
    ) as err:
        raise ValueError(
            f"{path} is not a checkpoint PyTorch can read ({type(err).__name__}): "
            "delete it, or pass checkpoint= another path, to start afresh."
        ) from err
    found = state.get("format") if isinstance(state, dict) else None
    if found != FORMAT:
        raise ValueError(
            f"{path} is not a helpers.train checkpoint of format {FORMAT} (found "
            f"format {found!r}; a bare state_dict has none): delete it, or pass "
            "checkpoint= another path, to start afresh."
        )
    saved_by = state.get("owner")
    if saved_by is not None and saved_by != owner():
        raise ValueError(
            f"{path} was saved by {saved_by}, not by you ({owner()}): a run of someone else's "
            "is not resumed. Use a checkpoint path of your own "
            "(helpers.training.checkpoint.user_checkpoint_dir) or resume=False."
        )
    try:
        net.load_state_dict(state["model"])
    except RuntimeError as err:
        raise ValueError(
            f"The checkpoint {path} was saved from a different model:\n{err}\n"
            "Delete the file, or pass checkpoint= a new path, to start afresh."
        ) from None
    optimizer.load_state_dict(state["optimizer"])
    if scheduler is not None and state["scheduler"] is not None:
        scheduler.load_state_dict(state["scheduler"])
    if scaler is not None and state["scaler"] is not None:
        scaler.load_state_dict(state["scaler"])
    set_rng_state(state["rng"])
    return state
