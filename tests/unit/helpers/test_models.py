"""helpers.models: LeNet matches the lecture notes layer by layer; ResNet-20 is the CIFAR ResNet."""

import torch
from torch import nn

from helpers.models import BasicBlock, ZeroPadShortcut, lenet, resnet20


def test_lenet_shapes_match_the_notes():
    """Each layer's output shape is the one the notes print for a 1x28x28 image."""
    X = torch.rand(2, 1, 28, 28)
    shapes = []
    for layer in lenet():
        X = layer(X)
        shapes.append((type(layer).__name__, tuple(X.shape)))
    assert shapes == [
        ("Conv2d", (2, 6, 28, 28)),
        ("Sigmoid", (2, 6, 28, 28)),
        ("AvgPool2d", (2, 6, 14, 14)),
        ("Conv2d", (2, 16, 10, 10)),
        ("Sigmoid", (2, 16, 10, 10)),
        ("AvgPool2d", (2, 16, 5, 5)),
        ("Flatten", (2, 400)),
        ("Linear", (2, 120)),
        ("Sigmoid", (2, 120)),
        ("Linear", (2, 84)),
        ("Sigmoid", (2, 84)),
        ("Linear", (2, 10)),
    ]


def test_lenet_parameter_count_and_modern_variant():
    """61,706 parameters (the classic count); the ReLU/max-pool variant swaps only those layers."""
    assert sum(p.numel() for p in lenet().parameters()) == 61_706
    modern = lenet(nn.ReLU, nn.MaxPool2d)
    kinds = {type(m).__name__ for m in modern}
    assert {"ReLU", "MaxPool2d"} <= kinds and not {"Sigmoid", "AvgPool2d"} & kinds


def test_resnet20_structure():
    """19 3x3 convs + 1 linear = 20 weighted layers, 9 blocks, 16/32/64 channels, ~0.27M params."""
    net = resnet20()
    convs3 = [m for m in net.modules() if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3)]
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    blocks = [m for m in net.modules() if isinstance(m, BasicBlock)]
    assert len(convs3) + len(linears) == 20
    assert [b.conv2.out_channels for b in blocks] == [16] * 3 + [32] * 3 + [64] * 3
    params = sum(p.numel() for p in net.parameters())
    assert 265_000 < params < 280_000, params


def test_resnet20_forward_and_backward():
    """(B, 3, 32, 32) -> (B, 10); gradients reach the stem; channels-last gives the same output."""
    torch.manual_seed(0)
    net = resnet20().eval()
    X = torch.rand(2, 3, 32, 32)
    out = net(X)
    assert out.shape == (2, 10)
    out.sum().backward()
    assert net[0].weight.grad is not None and net[0].weight.grad.abs().sum() > 0
    fast = resnet20().eval()
    fast.load_state_dict(net.state_dict())
    fast = fast.to(memory_format=torch.channels_last)
    torch.testing.assert_close(
        fast(X.contiguous(memory_format=torch.channels_last)), out, rtol=1e-4, atol=1e-4
    )


def test_resnet20_is_the_papers_option_a_with_he_init():
    """He et al.'s CIFAR ResNet-20: 269,722 parameters with zero-padding shortcuts (0.27M in the
    paper), 272,474 with 1x1 projections; conv weights with std sqrt(2 / fan_in)."""
    assert sum(p.numel() for p in resnet20().parameters()) == 269_722
    assert sum(p.numel() for p in resnet20(shortcut="B").parameters()) == 272_474
    torch.manual_seed(0)
    widest = resnet20()[-4].conv2  # the last block's 64 -> 64 3x3 conv: fan_in 576
    assert abs(widest.weight.std().item() - (2 / 576) ** 0.5) < 0.003, widest.weight.std()


def test_zero_pad_shortcut_subsamples_and_appends_zero_channels():
    """Option A: x[:, :, ::2, ::2] then zero channels after the input's; odd sizes round up,
    as a 3x3 stride-2 padding-1 convolution's output does."""
    x = torch.randn(2, 3, 7, 5)
    out = ZeroPadShortcut(3, 8, stride=2)(x)
    assert out.shape == (2, 8, 4, 3) == nn.Conv2d(3, 8, 3, 2, 1)(x).shape
    assert torch.equal(out[:, :3], x[:, :, ::2, ::2]) and not out[:, 3:].any()
    block = BasicBlock(3, 8, stride=2)
    assert isinstance(block.shortcut, ZeroPadShortcut)
    assert block(x).shape == (2, 8, 4, 3)
