"""`by_hand`: run an exercise's answer with autograd unavailable, so "by hand" is tested.

Exercises that ask for a gradient worked out by hand (chapter 04's softmax cross-entropy) call
the student's function inside `torch.inference_mode()`. There no operation is recorded for
autograd, and `torch.enable_grad()` cannot switch recording back on, so `backward()` or
`torch.autograd.grad` fails. This context manager turns that failure into one sentence that says
what the exercise asks for, instead of autograd's "element 0 of tensors does not require grad".
"""
import torch

# The messages autograd raises when asked to differentiate something it did not record.
_AUTOGRAD_REFUSALS = ("does not require grad", "inference tensor", "inference mode",
                      "InferenceMode")


class by_hand:  # lower case: used as `with by_hand(...)`, like a function
    """`with by_hand("Exercise 5 (softmax_cross_entropy)"): result = f(x)`.

    Tensors made inside are inference tensors: read them freely afterwards (compare, print),
    but do not use them in a computation that autograd should record.
    """

    def __init__(self, exercise: str):
        self.exercise = exercise
        self._mode = torch.inference_mode()

    def __enter__(self):
        self._mode.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        self._mode.__exit__(exc_type, exc, tb)
        if exc_type is not None and issubclass(exc_type, RuntimeError) and any(
                text in str(exc) for text in _AUTOGRAD_REFUSALS):
            raise AssertionError(
                f"{self.exercise} asks for the gradient worked out by hand, but the answer "
                "calls autograd (backward() or torch.autograd.grad), which this test switches "
                "off. Write the formula for the gradient instead.") from None
        return False
