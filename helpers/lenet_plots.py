"""Kept for notebooks students already have: `helpers.lenet_plots` is now `helpers.chapters.lenet_plots`.

Released chapter 06 notebooks import from this path, and a student's copy is never
overwritten, so it must keep working. New code imports `helpers.chapters.lenet_plots`.
"""

from helpers.chapters.lenet_plots import (
    draw_feature_maps,
    plot_confusion_matrix,
    plot_histories,
    show_images,
)

__all__ = [
    "draw_feature_maps",
    "plot_confusion_matrix",
    "plot_histories",
    "show_images",
]
