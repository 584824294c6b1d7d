"""The data layer: datasets on disk, synthetic stand-ins, and batches. Below training: nothing
here imports helpers.training.

    specs.py     DatasetSpec: each dataset's files, classes, image shape, normalisation and crop
                 padding, written once (FASHION_MNIST, CIFAR10); the data errors
    raw.py       the data root, MD5s, the synthetic-data manifest, fetching one file (retried)
    formats.py   how each file format is fetched and decoded (IDX .gz files, CIFAR pickles)
    datasets.py  download, verify, decode and cache a split; torchvision's dataset classes
    fake.py      small synthetic datasets in the exact files torchvision reads
    loaders.py   batches: the whole dataset on the device (ImagesOnDevice), or DataLoaders

The names chapters use are re-exported by `helpers` (`helpers.load_data_fashion_mnist`, ...).
Offline use and synthetic data: helpers/DATA.md.
"""
