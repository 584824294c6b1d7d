"""Kept for notebooks students already have: `helpers.sync_count` is now `helpers.chapters.sync_count`.

Released chapter 06 notebooks import from this path, and a student's copy is never
overwritten, so it must keep working. New code imports `helpers.chapters.sync_count`.
"""

from helpers.chapters.sync_count import (
    READING_METHODS,
    SyncCount,
    count_host_syncs,
)

__all__ = [
    "READING_METHODS",
    "SyncCount",
    "count_host_syncs",
]
