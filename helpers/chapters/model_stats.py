"""Shape tables, parameter counts and FLOPs of a network, for chapter 07's CNN family.

    rows = layer_table(net, (1, 1, 224, 224))   # one row per top-level layer, by running it
    print_layer_table(rows)
    num_params(net), count_flops(net, (1, 3, 224, 224)), find_layers(net, nn.Conv2d)

Both run the network on the "meta" device when it lives there: build it inside
`with torch.device("meta"):` and a 130M-parameter VGG is measured without allocating or
computing anything. FLOPs are PyTorch's own count (`torch.utils.flop_counter`): a
multiply-add is 2 FLOPs, and only convolutions and matrix products are counted.

`copy_parameters(src, dst)` lets a test compare a student's module with a reference one that
holds the same weights, whatever the student named the layers.
"""

import torch
from torch import nn

from helpers.devices import param_device


def num_params(net: nn.Module) -> int:
    """Number of trainable numbers (weights and biases; batch norm's running stats excluded)."""
    return sum(p.numel() for p in net.parameters())


def find_layers(net: nn.Module, kind) -> list:
    """Every submodule of `net` (at any depth, `net` included) that is an instance of `kind`."""
    return [m for m in net.modules() if isinstance(m, kind)]


def _input_device(net: nn.Module) -> torch.device:
    """Where the probe input goes: the net's device (the CPU for a net without parameters)."""
    return param_device(net) or torch.device("cpu")


def layer_table(net: nn.Module, input_shape) -> list:
    """[(layer name, output shape, parameters)] for each child of `net`, from one forward pass.

    The input is zeros of `input_shape` (batch first) on the net's device; eval mode, no graph.
    """
    rows, hooks = [], []
    for name, child in net.named_children():

        def record(module, inputs, output, name=name):
            rows.append(
                (f"{name}: {type(module).__name__}", tuple(output.shape), num_params(module))
            )

        hooks.append(child.register_forward_hook(record))
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            net(torch.zeros(input_shape, device=_input_device(net)))
    finally:
        net.train(was_training)
        for h in hooks:
            h.remove()
    return rows


def print_layer_table(rows) -> None:
    """Print `layer_table`'s rows as aligned columns, with the total parameter count."""
    width = max(len(name) for name, _, _ in rows)
    for name, shape, params in rows:
        print(f"{name:<{width}}  {shape!s:<22} {params:>12,}")
    print(f"{'total parameters':<{width}}  {'':<22} {sum(p for _, _, p in rows):>12,}")


def count_flops(net: nn.Module, input_shape) -> int:
    """FLOPs of one forward pass on zeros of `input_shape` (2 per multiply-add, convs + matmuls)."""
    from torch.utils.flop_counter import FlopCounterMode

    was_training = net.training
    net.eval()
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            net(torch.zeros(input_shape, device=_input_device(net)))
    finally:
        net.train(was_training)
    return int(counter.get_total_flops())


def copy_parameters(src: nn.Module, dst: nn.Module) -> None:
    """Copy src's parameters and buffers into dst, in order of creation, names ignored.

    Raises ValueError, naming the first mismatch, when the two modules do not hold the same
    number of tensors with the same shapes in the same order.
    """
    pairs = [
        (list(src.parameters()), list(dst.parameters()), "parameters"),
        (list(src.buffers()), list(dst.buffers()), "buffers"),
    ]
    for a, b, kind in pairs:
        if len(a) != len(b):
            raise ValueError(
                f"expected {len(a)} {kind} ({_shapes(a)}), found {len(b)} "
                f"({_shapes(b)}): are the layers the ones described?"
            )
        for i, (x, y) in enumerate(zip(a, b)):
            if x.shape != y.shape:
                raise ValueError(
                    f"{kind} number {i} has shape {tuple(y.shape)}; expected "
                    f"{tuple(x.shape)}. Expected, in order: {_shapes(a)}."
                )
    with torch.no_grad():
        for a, b, _ in pairs:
            for x, y in zip(a, b):
                y.copy_(x)


def _shapes(tensors) -> str:
    return ", ".join(str(tuple(t.shape)) for t in tensors)
