"""Kept for notebooks students already have: `helpers.fake_device` is now `helpers.chapters.fake_device`.

Released chapter 01 notebooks import from this path, and a student's copy is never
overwritten, so it must keep working. New code imports `helpers.chapters.fake_device`.
"""

from helpers.chapters.fake_device import (
    FakeGPUTensor,
    on_fake_gpu,
)

__all__ = [
    "FakeGPUTensor",
    "on_fake_gpu",
]
