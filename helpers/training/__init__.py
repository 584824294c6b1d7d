"""The book's one training loop and what it needs (principle 4: chapters pass in models, losses
and options; nothing else trains).

    loop.py        train() (alias train_ch6): epochs, the per-batch step, honest timing
    options.py     TrainOptions: train()'s options as one frozen object, and their checks
    setup.py       initialisation, optimizer, LR schedule, cuDNN
    batches.py     a batch moved to the device, first-batch checks, PyTorch errors explained
    evaluate.py    evaluate_accuracy() and the eval-mode context
    history.py     History: what train() returns, one entry per epoch
    checkpoint.py  checkpoints that make a resumed run identical to an uninterrupted one

Uses the data layer's batches but never imports it (helpers.data sits below this package).
"""

from helpers.training.evaluate import evaluate_accuracy
from helpers.training.history import History
from helpers.training.loop import train, train_ch6
from helpers.training.options import TrainOptions

__all__ = ["History", "TrainOptions", "evaluate_accuracy", "train", "train_ch6"]
