"""Models the chapters and benchmarks train: LeNet (chapter 06) and ResNet-20 (chapter 07).

Shapes in comments are for one batch of B images.
"""

from torch import nn


def lenet(activation=nn.Sigmoid, pool=nn.AvgPool2d, num_classes: int = 10) -> nn.Sequential:
    """LeNet-5 as in the lecture notes (d2l): sigmoid and average pooling, for 1x28x28 input.

    `lenet(nn.ReLU, nn.MaxPool2d)` is the modernised variant chapter 06 discusses.
    """
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2),
        activation(),  # (B, 6, 28, 28)
        pool(kernel_size=2, stride=2),  # (B, 6, 14, 14)
        nn.Conv2d(6, 16, kernel_size=5),
        activation(),  # (B, 16, 10, 10)
        pool(kernel_size=2, stride=2),  # (B, 16, 5, 5)
        nn.Flatten(),  # (B, 400)
        nn.Linear(16 * 5 * 5, 120),
        activation(),
        nn.Linear(120, 84),
        activation(),
        nn.Linear(84, num_classes),
    )


class ZeroPadShortcut(nn.Module):
    """He et al.'s option A shortcut: no parameters; subsample by `stride`, append zero channels.

    (B, C_in, H, W) -> (B, C_out, ceil(H/s), ceil(W/s)): the same size as a 3x3 conv with
    stride s and padding 1. The extra C_out - C_in channels are zeros, after the input's own.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__()
        if out_channels < in_channels:
            raise ValueError(f"zero padding cannot shrink {in_channels} channels to {out_channels}")
        self.extra, self.stride = out_channels - in_channels, stride

    def forward(self, x):
        x = x[:, :, :: self.stride, :: self.stride]
        return nn.functional.pad(x, (0, 0, 0, 0, 0, self.extra))  # pads the channel axis at its end


class BasicBlock(nn.Module):
    """Two 3x3 conv-BN layers and a shortcut: out = relu(F(x) + shortcut(x)).

    When the block halves the resolution and widens the channels, the shortcut is He et al.'s
    option A (`shortcut="A"`, the CIFAR ResNets of the paper: subsample and pad with zero
    channels, no parameters) or option B (`"B"`, as in the notes' `Residual`: a strided 1x1 conv
    with batch norm).
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, shortcut: str = "A"):
        super().__init__()
        if shortcut not in ("A", "B"):
            raise ValueError(f"shortcut={shortcut!r}: use 'A' (zero padding) or 'B' (1x1 conv)")
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = (
                ZeroPadShortcut(in_channels, out_channels, stride)
                if shortcut == "A"
                else nn.Sequential(
                    nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                    nn.BatchNorm2d(out_channels),
                )
            )
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.shortcut(x))


def he_init(net: nn.Module) -> nn.Module:
    """He et al.'s initialisation (2015, the one the ResNet paper uses): conv and linear weights
    normal with std sqrt(2 / fan_in), fan_in = C_in * k * k; biases 0; batch norm gamma 1, beta 0."""
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    return net


def resnet20(
    num_classes: int = 10, blocks_per_stage: int = 3, shortcut: str = "A"
) -> nn.Sequential:
    """The CIFAR ResNet of He et al. (2016): 6n+2 layers, n=3 gives ResNet-20, for 3x32x32 input.

    A 3x3 stem with 16 channels, then three stages of n basic blocks at 16, 32 and 64 channels
    (32x32, 16x16, 8x8), global average pooling and one linear layer; the paper's option A
    shortcuts (`shortcut="B"`: 1x1 projections) and He initialisation. 0.27M parameters.
    Train it with `helpers.train(..., init=False)`, which keeps this initialisation.
    """
    layers = [
        nn.Conv2d(3, 16, 3, padding=1, bias=False),
        nn.BatchNorm2d(16),
        nn.ReLU(inplace=True),
    ]  # (B, 16, 32, 32)
    in_channels = 16
    for out_channels, stride in ((16, 1), (32, 2), (64, 2)):  # 32x32, 16x16, 8x8
        for i in range(blocks_per_stage):
            layers.append(BasicBlock(in_channels, out_channels, stride if i == 0 else 1, shortcut))
            in_channels = out_channels
    layers += [
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),  # (B, 64)
        nn.Linear(64, num_classes),
    ]
    return he_init(nn.Sequential(*layers))
