"""Draw the computational graph that autograd recorded for a tensor, with matplotlib only.

    loss = (x * w + b - y) ** 2
    draw_graph(loss, names={"x": x, "w": w, "b": b, "loss": loss})

Autograd stores the graph backwards: `t.grad_fn` is the node (a `torch.autograd.graph.Node`)
that made `t`, and `node.next_functions` lists the nodes that made its inputs, ending at one
`AccumulateGrad` node per leaf tensor that requires grad (its `.variable` is the leaf). Inputs
that do not require grad (constants) appear there as `None` and are not part of the graph.
`trace_graph` walks those links; `draw_graph` lays the nodes out in columns, inputs on the left
and the output on the right, with arrows in the direction the forward pass computed.
No graphviz: boxes and arrows are plain matplotlib artists, so it runs on Colab and CI alike.
Meant for the small graphs of teaching examples (tens of nodes), not for whole networks.
"""

from dataclasses import dataclass, field

LEAF_COLOR = "#d9f0d3"  # light green: tensors you created with requires_grad=True
OP_COLOR = "#dbe9f6"  # light blue: a backward function autograd recorded
OUTPUT_COLOR = "#fde0c5"  # light orange: the tensor `backward()` starts from


@dataclass
class GraphNode:
    """One node of the recorded graph: a leaf tensor or the backward function of an operation."""

    index: int
    label: str
    kind: str  # "leaf", "op" or "output"
    inputs: list = field(default_factory=list)  # indices of the nodes feeding this one


def _label_for(node, names_by_id: dict) -> tuple[str, str]:
    """Return (label, kind) for an autograd node; `names_by_id` maps id(tensor) -> name."""
    variable = getattr(node, "variable", None)
    if variable is not None:  # AccumulateGrad: the node stands for a leaf tensor
        name = names_by_id.get(id(variable))
        shape = f"shape {tuple(variable.shape)}" if variable.dim() else "scalar"
        return (name if name else f"leaf\n{shape}"), "leaf"
    op = node.name()
    name = names_by_id.get(("fn", id(node)))
    return (f"{name} = {op}" if name else op), "op"


def trace_graph(output, names=None) -> list[GraphNode]:
    """Walk `output.grad_fn` back to the leaves; return the nodes, inputs before their users.

    `names` maps a display name to a tensor: a leaf is shown by its name, a non-leaf tensor
    names the operation that produced it (`"z = AddBackward0"`).
    """
    if output.grad_fn is None:
        raise ValueError(
            "this tensor has no grad_fn: it is a leaf or was computed without "
            "gradient tracking; build it from tensors with requires_grad=True"
        )
    names_by_id = {}
    for name, tensor in (names or {}).items():
        if tensor.grad_fn is None:
            names_by_id[id(tensor)] = name
        else:
            names_by_id[("fn", id(tensor.grad_fn))] = name
    index_of: dict = {}  # autograd node -> GraphNode.index
    nodes: list[GraphNode] = []

    def visit(node) -> int:
        # Depth-first, children first, so every node's inputs get smaller indices.
        if node in index_of:
            return index_of[node]
        inputs = [visit(child) for child, _ in node.next_functions if child is not None]
        label, kind = _label_for(node, names_by_id)
        index_of[node] = len(nodes)
        nodes.append(GraphNode(len(nodes), label, kind, inputs))
        return index_of[node]

    visit(output.grad_fn)
    nodes[-1].kind = "output" if nodes[-1].kind == "op" else nodes[-1].kind
    return nodes


def layout(nodes: list[GraphNode]) -> dict:
    """Positions {index: (column, row)}: a node sits one column right of its latest input."""
    column = {}
    for node in nodes:  # inputs come first, so their columns are known
        column[node.index] = 1 + max((column[i] for i in node.inputs), default=-1)
    # Then pull every node right, to just before its first user ("as late as possible"), so
    # a side branch such as sin(x) in sin(x) + (x*w + b)**2 sits beside the node it feeds.
    users: dict = {}
    for node in nodes:
        for i in node.inputs:
            users.setdefault(i, []).append(node.index)
    for node in reversed(nodes):
        if node.index in users:
            column[node.index] = min(column[u] for u in users[node.index]) - 1
    # Rows: within a column, operations first, ordered by the mean row of their inputs (so
    # arrows cross little), then leaves in the order the walk met them.
    row: dict = {}
    for col in range(max(column.values()) + 1):
        members = [n for n in nodes if column[n.index] == col]
        members.sort(
            key=lambda n: (
                (0, sum(row[i] for i in n.inputs) / len(n.inputs)) if n.inputs else (1, n.index)
            )
        )
        for r, n in enumerate(members):
            row[n.index] = r - (len(members) - 1) / 2
    return {i: (column[i], -row[i]) for i in column}


def _bend(pos: dict, sizes: dict, src: int, dst: int) -> float:
    """Curvature for the arrow src -> dst: 0 if a straight line misses every other box,
    else bow away from the box it would cross (arc3's rad > 0 bows below a left-to-right arrow)."""
    (x0, y0), (x1, y1) = pos[src], pos[dst]
    x0, x1 = x0 + sizes[src][0], x1 - sizes[dst][0]
    for k, (x, y) in pos.items():
        if k in (src, dst):
            continue
        half_w, half_h = sizes[k]
        for t in (i / 20 for i in range(21)):
            px, py = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
            if abs(px - x) < half_w and abs(py - y) < half_h:
                # Scaled by the span so that the bow's height (about 0.5 * rad * length) stays
                # near half a row, whatever the distance.
                rad = 0.5 / max(x1 - x0, 0.5)
                return rad if y > py else -rad
    return 0.0


def _box_size(label: str) -> tuple[float, float]:
    """Rough half-width and half-height of a label's box in data units, for the figure size
    `draw_graph` picks (1.9 inches a column, 1 inch a row) at 9-point text."""
    lines = label.split("\n")
    return 0.022 * max(len(line) for line in lines) + 0.07, 0.07 * len(lines) + 0.06


def draw_graph(output, names=None, ax=None, title=None):
    """Draw the graph that produced `output`; returns the matplotlib Axes.

    `names` maps display names to tensors (see `trace_graph`). Leaves are green squares,
    operations blue, the output orange; arrows point the way the forward pass computed, and
    `backward()` walks them in reverse.
    """
    nodes = trace_graph(output, names)
    pos = layout(nodes)
    sizes = {node.index: _box_size(node.label) for node in nodes}
    bends = {
        (i, node.index): _bend(pos, sizes, i, node.index) for node in nodes for i in node.inputs
    }
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    # Room for bowed arrows: each bulges about half a row above or below its endpoints.
    up = 0.5 if any(b < 0 for b in bends.values()) else 0.0
    down = 0.5 if any(b > 0 for b in bends.values()) else 0.0
    xlim = (min(xs) - 0.7, max(xs) + 0.7)
    ylim = (min(ys) - 0.5 - down, max(ys) + 0.5 + up)
    if ax is None:
        import matplotlib.pyplot as plt

        # 1.9 inches a column and 1 inch a row: the scale `_box_size` and `_bend` assume.
        ax = plt.figure(figsize=(1.9 * (xlim[1] - xlim[0]), ylim[1] - ylim[0])).gca()
    colors = {"leaf": LEAF_COLOR, "op": OP_COLOR, "output": OUTPUT_COLOR}
    boxes = {}
    for node in nodes:
        x, y = pos[node.index]
        style = "round,pad=0.4" if node.kind != "leaf" else "square,pad=0.4"
        boxes[node.index] = ax.text(
            x,
            y,
            node.label,
            ha="center",
            va="center",
            fontsize=9,
            zorder=3,
            bbox={"boxstyle": style, "facecolor": colors[node.kind], "edgecolor": "0.3"},
        )
    for (i, j), bend in bends.items():
        # Coordinates given as fractions of a text artist are resolved at draw time, so the
        # arrow runs from the right edge of the input's label to the left edge of its user's;
        # the shrink (points) skips the boxes' padding.
        ax.annotate(
            "",
            xy=(0, 0.5),
            xycoords=boxes[j],
            xytext=(1, 0.5),
            textcoords=boxes[i],
            zorder=2,
            arrowprops={
                "arrowstyle": "-|>",
                "color": "0.35",
                "shrinkA": 5,
                "shrinkB": 6,
                "connectionstyle": f"arc3,rad={bend}",
            },
        )
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=10)
    return ax
