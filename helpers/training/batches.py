"""One batch on its way into the loop: moved to the device, checked on the first batch, and
PyTorch's device and dtype errors explained. Used by the training loop and by evaluation.
"""

import torch


def to_device(batch, device, channels_last, name):
    try:
        X, y = batch
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must yield (X, y) pairs of tensors; got a {type(batch).__name__}."
        ) from None
    if not (torch.is_tensor(X) and torch.is_tensor(y)):
        raise TypeError(
            f"{name} must yield (X, y) pairs of tensors; got "
            f"({type(X).__name__}, {type(y).__name__})."
        )
    if X.device != device:
        # non_blocking only host -> GPU: a GPU -> host copy could be read before it lands.
        X = X.to(device, non_blocking=device.type == "cuda")
    if y.device != device:
        y = y.to(device, non_blocking=device.type == "cuda")
    if channels_last and X.ndim == 4:
        X = X.contiguous(memory_format=torch.channels_last)  # no-op when already NHWC
    return X, y


def check_outputs(y_hat, y, check_labels) -> None:
    """Checks on the first batch only (one host sync), each with what to do about it."""
    n = y_hat.shape[0] if y_hat.ndim else 1
    if y.ndim == 0 or y.shape[0] != n:
        raise ValueError(
            f"The net made {n} predictions but the batch has labels of shape "
            f"{tuple(y.shape)}: each X needs one label per example."
        )
    if not check_labels:
        return
    if y_hat.ndim != 2:
        raise ValueError(
            f"The net's output has shape {tuple(y_hat.shape)}; cross-entropy "
            "needs (batch, num_classes) scores. End the net with nn.Flatten() "
            "and nn.Linear(..., num_classes)."
        )
    if y.is_floating_point():
        if y.shape != y_hat.shape:
            raise ValueError(
                f"The labels are {y.dtype} of shape {tuple(y.shape)}; "
                "cross-entropy needs class indices: torch.int64 of shape "
                "(batch,). Convert with y.long()."
            )
        return  # soft / one-hot labels of the same shape as the output: allowed
    if y.dtype != torch.int64:
        raise ValueError(
            f"The labels have dtype {y.dtype}; cross-entropy needs torch.int64 "
            "class indices. Convert with y.long() (in the dataset or loader)."
        )
    if y.ndim != 1:
        raise ValueError(
            f"The labels have shape {tuple(y.shape)}; cross-entropy needs shape "
            "(batch,). Use y.view(-1) or y.squeeze(1)."
        )
    low, high = (int(v) for v in torch.aminmax(y))
    if low < 0 or high >= y_hat.shape[1]:
        raise ValueError(
            f"The labels range from {low} to {high} but the net outputs "
            f"{y_hat.shape[1]} class scores: labels must lie in "
            f"0..{y_hat.shape[1] - 1}."
        )


def explain_error(err: RuntimeError, device, X) -> None:
    """Re-raise PyTorch's device and dtype mismatch errors with what to do about them."""
    text = str(err)
    if "device" in text and ("same device" in text or "expected device" in text):
        raise RuntimeError(
            f"The net mixes devices while the batch is on {device}: {text}\n"
            "Every parameter was moved with net.to(device), so a tensor the model keeps or "
            "creates itself is elsewhere. Register kept tensors with self.register_buffer(...) "
            "and create new ones with device=X.device."
        ) from err
    if "should be the same" in text or "must have the same dtype" in text:
        hint = (
            "X.float() / 255 for uint8 images"
            if not X.is_floating_point()
            else "X.float() (NumPy arrays become float64 tensors)"
        )
        raise RuntimeError(
            f"{text}\nThe batch X has dtype {X.dtype}, which the net's weights "
            f"do not accept: convert the data with {hint}."
        ) from err
