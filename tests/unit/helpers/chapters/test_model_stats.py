"""helpers.model_stats: shape tables, parameter and FLOP counts, and copying parameters."""

import pytest
import torch
from torch import nn

from helpers.chapters.model_stats import (
    copy_parameters,
    count_flops,
    find_layers,
    layer_table,
    num_params,
    print_layer_table,
)


def _small_net():
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.BatchNorm2d(8),
        nn.Flatten(),
        nn.Linear(8 * 4 * 4, 5),
    )


def test_num_params_counts_weights_and_biases_not_running_stats():
    # conv 3*8*9 + 8, batch norm gamma + beta 2*8, linear 128*5 + 5
    assert num_params(_small_net()) == 3 * 8 * 9 + 8 + 2 * 8 + 128 * 5 + 5


def test_layer_table_shapes_equal_running_each_layer():
    net = _small_net()
    rows = layer_table(net, (2, 3, 8, 8))
    X = torch.zeros(2, 3, 8, 8)
    assert len(rows) == len(net)
    for (name, shape, params), layer in zip(rows, net):
        X = layer(X)
        assert shape == tuple(X.shape), name
        assert params == num_params(layer), name
        assert type(layer).__name__ in name


def test_layer_table_restores_training_mode_and_removes_hooks():
    net = _small_net().train()
    layer_table(net, (1, 3, 8, 8))
    assert net.training and all(m.training for m in net.modules())
    assert all(not m._forward_hooks for m in net.modules())


def test_layer_table_and_flops_work_on_meta_without_memory():
    with torch.device("meta"):
        net = _small_net()
    rows = layer_table(net, (1, 3, 8, 8))
    assert rows[-1][1] == (1, 5)
    assert count_flops(net, (1, 3, 8, 8)) == count_flops(_small_net(), (1, 3, 8, 8))


@pytest.mark.parametrize(
    "cin,cout,k,s,p,n", [(3, 8, 3, 1, 1, 8), (1, 4, 5, 2, 0, 11), (2, 6, 1, 1, 0, 7)]
)
def test_count_flops_of_a_conv_is_two_per_multiply_add(cin, cout, k, s, p, n):
    out = (n + 2 * p - k) // s + 1
    conv = nn.Conv2d(cin, cout, k, s, p)
    assert count_flops(conv, (1, cin, n, n)) == 2 * cin * k * k * cout * out * out


def test_count_flops_of_a_linear_layer():
    assert count_flops(nn.Linear(10, 3), (4, 10)) == 2 * 4 * 10 * 3


def test_print_layer_table_prints_each_row_and_the_total(capsys):
    print_layer_table(layer_table(_small_net(), (1, 3, 8, 8)))
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(_small_net()) + 1
    assert out[-1].startswith("total parameters") and out[-1].endswith(
        f"{num_params(_small_net()):,}"
    )


def test_copy_parameters_makes_equal_outputs_whatever_the_names():
    torch.manual_seed(0)
    src = _small_net()

    class Named(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.bn = nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8)
            self.fc = nn.Linear(128, 5)

        def forward(self, x):
            x = self.bn(nn.functional.max_pool2d(torch.relu(self.conv(x)), 2))
            return self.fc(x.flatten(1))

    src.train()(torch.randn(4, 3, 8, 8))  # move the running statistics off their defaults
    dst = Named()
    copy_parameters(src, dst)
    X = torch.randn(2, 3, 8, 8)
    assert torch.allclose(dst.eval()(X), src.eval()(X), atol=1e-6)


def test_copy_parameters_names_the_mismatch():
    with pytest.raises(ValueError, match="expected 2 parameters"):
        copy_parameters(nn.Linear(3, 2), nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 2)))
    with pytest.raises(ValueError, match=r"shape \(4, 3\); expected \(2, 3\)"):
        copy_parameters(nn.Linear(3, 2), nn.Linear(3, 4))


def test_find_layers_finds_nested_layers_of_a_kind_in_order():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Sequential(nn.ReLU(), nn.Conv2d(2, 3, 1)))
    convs = find_layers(net, nn.Conv2d)
    assert [c.out_channels for c in convs] == [2, 3]
    assert find_layers(net, nn.Linear) == []
    assert find_layers(net, nn.Sequential)[0] is net
