"""Kept for notebooks students already have: `helpers.loaders` is now `helpers.data.loaders`.

Released chapter 04 and 07 notebooks import from this path, and a student's copy is never
overwritten, so it must keep working. New code imports `helpers.data.loaders`.
"""

from helpers.data.loaders import (
    CIFAR10_CROP_PADDING,
    CIFAR10_MEAN,
    CIFAR10_STD,
    GRADING_DATA_SIZES,
    ImagesOnDevice,
    cifar10_dataloaders,
    cifar10_transform,
    default_num_workers,
    fashion_mnist_dataloaders,
    fashion_mnist_transform,
    load_data_cifar10,
    load_data_fashion_mnist,
    random_crop_flip,
    transform_for,
)

__all__ = [
    "CIFAR10_CROP_PADDING",
    "CIFAR10_MEAN",
    "CIFAR10_STD",
    "GRADING_DATA_SIZES",
    "ImagesOnDevice",
    "cifar10_dataloaders",
    "cifar10_transform",
    "default_num_workers",
    "fashion_mnist_dataloaders",
    "fashion_mnist_transform",
    "load_data_cifar10",
    "load_data_fashion_mnist",
    "random_crop_flip",
    "transform_for",
]
