"""Kept for notebooks students already have: `helpers.autograd_graph` is now `helpers.chapters.autograd_graph`.

Released chapter 02 notebooks import from this path, and a student's copy is never
overwritten, so it must keep working. New code imports `helpers.chapters.autograd_graph`.
"""

from helpers.chapters.autograd_graph import (
    LEAF_COLOR,
    OP_COLOR,
    OUTPUT_COLOR,
    GraphNode,
    draw_graph,
    layout,
    trace_graph,
)

__all__ = [
    "LEAF_COLOR",
    "OP_COLOR",
    "OUTPUT_COLOR",
    "GraphNode",
    "draw_graph",
    "layout",
    "trace_graph",
]
