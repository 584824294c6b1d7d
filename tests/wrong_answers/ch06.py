SLUG = "06_lenet"
# Zeroes the cut connections once, in __init__, and convolves with the full weight: correct
# until the first optimizer step gives those weights non-zero values again.
WRONG = (
    "masked_conv",
    (
        "class MaskedConv2d(nn.Conv2d):\n"
        "    def __init__(self, table, kernel_size, **kwargs):\n"
        "        in_channels, out_channels = table.shape\n"
        "        super().__init__(in_channels, out_channels, kernel_size, **kwargs)\n"
        "        self.register_buffer('mask', table.T.float()[:, :, None, None].clone())\n"
        "        with torch.no_grad():\n"
        "            self.weight *= self.mask\n"
        "\n"
        "    def num_effective_parameters(self):\n"
        "        kernel = self.weight.shape[2] * self.weight.shape[3]\n"
        "        return int(self.mask.sum()) * kernel + self.bias.numel()\n"
    ),
)
