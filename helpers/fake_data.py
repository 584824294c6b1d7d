"""Kept for code written against the old path: `helpers.fake_data` is now `helpers.data.fake`.

Benchmarks and instructions outside this repository import from here; new code imports
`helpers.data.fake` (or `helpers.write_fake_fashion_mnist`).
"""

from helpers.data.fake import write_fake, write_fake_cifar10, write_fake_fashion_mnist

__all__ = ["write_fake", "write_fake_cifar10", "write_fake_fashion_mnist"]
