"""Kept for notebooks students already have: `helpers.model_stats` is now `helpers.chapters.model_stats`.

Released chapter 07 notebooks import from this path, and a student's copy is never
overwritten, so it must keep working. New code imports `helpers.chapters.model_stats`.
"""

from helpers.chapters.model_stats import (
    copy_parameters,
    count_flops,
    find_layers,
    layer_table,
    num_params,
    print_layer_table,
)

__all__ = [
    "copy_parameters",
    "count_flops",
    "find_layers",
    "layer_table",
    "num_params",
    "print_layer_table",
]
