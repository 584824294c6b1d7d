"""Tests for helpers.autograd_graph: the traced graph matches what autograd recorded."""

import pytest
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from helpers.chapters.autograd_graph import draw_graph, layout, trace_graph


def _linear_neuron():
    x = torch.tensor(2.0, requires_grad=True)
    w = torch.tensor(3.0, requires_grad=True)
    b = torch.tensor(1.0, requires_grad=True)
    y = torch.tensor(5.0)  # a constant: not part of the graph
    z = x * w + b
    loss = (z - y) ** 2
    return loss, {"x": x, "w": w, "b": b, "z": z, "loss": loss}


def _axes():
    fig = Figure(figsize=(8, 3))
    FigureCanvasAgg(fig)
    return fig, fig.gca()


def test_trace_graph_nodes_and_edges():
    loss, names = _linear_neuron()
    nodes = trace_graph(loss, names)
    labels = [n.label for n in nodes]
    assert labels == [
        "x",
        "w",
        "MulBackward0",
        "b",
        "z = AddBackward0",
        "SubBackward0",
        "loss = PowBackward0",
    ]
    assert [n.kind for n in nodes] == ["leaf", "leaf", "op", "leaf", "op", "op", "output"]
    by_label = {n.label: n for n in nodes}
    assert by_label["MulBackward0"].inputs == [0, 1]
    assert by_label["z = AddBackward0"].inputs == [2, 3]
    assert by_label["SubBackward0"].inputs == [4]  # y is a constant: no edge for it
    for node in nodes:  # inputs are listed before the nodes that use them
        assert all(i < node.index for i in node.inputs)


def test_unnamed_leaves_show_their_shape_and_shared_inputs_appear_once():
    a = torch.randn(3, requires_grad=True)
    s = (a.exp() * a).sum()
    nodes = trace_graph(s)
    leaves = [n for n in nodes if n.kind == "leaf"]
    assert len(leaves) == 1 and leaves[0].label == "leaf\nshape (3,)"
    assert sum(leaves[0].index in n.inputs for n in nodes) == 2  # exp and mul both use a


def test_trace_graph_rejects_a_tensor_without_history():
    with pytest.raises(ValueError, match="no grad_fn"):
        trace_graph(torch.ones(2, requires_grad=True))


def test_layout_puts_every_node_right_of_its_inputs():
    loss, names = _linear_neuron()
    nodes = trace_graph(loss + torch.sin(names["x"]), names)
    pos = layout(nodes)
    assert set(pos) == {n.index for n in nodes}
    for node in nodes:
        assert all(pos[i][0] < pos[node.index][0] for i in node.inputs)
    assert len(set(pos.values())) == len(pos)  # no two boxes on the same spot


def test_draw_graph_draws_one_box_per_node_and_one_arrow_per_edge():
    loss, names = _linear_neuron()
    fig, ax = _axes()
    returned = draw_graph(loss, names, ax=ax, title="a neuron")
    fig.canvas.draw()  # arrows resolve their text-relative coordinates here
    assert returned is ax
    nodes = trace_graph(loss, names)
    boxes = [t for t in ax.texts if t.get_text()]
    arrows = [t for t in ax.texts if not t.get_text()]
    assert sorted(t.get_text() for t in boxes) == sorted(n.label for n in nodes)
    assert len(arrows) == sum(len(n.inputs) for n in nodes)
    assert ax.get_title() == "a neuron"


def test_arrow_that_would_cross_a_box_is_bent():
    a = torch.randn(3, requires_grad=True)
    fig, ax = _axes()
    draw_graph((a.exp() * a).sum(), ax=ax)
    fig.canvas.draw()
    styles = [t.arrow_patch.get_connectionstyle() for t in ax.texts if not t.get_text()]
    assert sum(style.rad != 0 for style in styles) == 1  # a -> mul passes behind exp
