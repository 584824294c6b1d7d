"""Kept for notebooks students already have: `helpers.conv_explorer` is now `helpers.chapters.conv_explorer`.

Released chapter 05 notebooks import from this path, and a student's copy is never
overwritten, so it must keep working. New code imports `helpers.chapters.conv_explorer`.
"""

from helpers.chapters.conv_explorer import (
    STATIC_NOTE,
    ConvSetting,
    Explorer,
    Layout,
    draw,
    explore,
    formula,
    input_pixels_read,
    layout,
    output_size,
    render_png,
    widgets_available,
)

__all__ = [
    "STATIC_NOTE",
    "ConvSetting",
    "Explorer",
    "Layout",
    "draw",
    "explore",
    "formula",
    "input_pixels_read",
    "layout",
    "output_size",
    "render_png",
    "widgets_available",
]
