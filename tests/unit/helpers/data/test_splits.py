"""The validation split (helpers/data/splits.py) and the loaders that return it: deterministic
whatever the global seed, disjoint, covering, the same on both data paths, never augmented."""

import pytest
import torch

from helpers.data.fake import write_fake_cifar10, write_fake_fashion_mnist
from helpers.data.loaders import (
    cifar10_dataloaders,
    fashion_mnist_dataloaders,
    load_data_cifar10,
    load_data_fashion_mnist,
)
from helpers.data.splits import validation_count, validation_split
from helpers.training.loop import eval_label

N_TRAIN, N_TEST = 600, 100


@pytest.fixture
def fmnist_root(tmp_path):
    write_fake_fashion_mnist(tmp_path, n_train=N_TRAIN, n_test=N_TEST, seed=0)
    return tmp_path


@pytest.fixture
def cifar_root(tmp_path):
    write_fake_cifar10(tmp_path, n_train=N_TRAIN, n_test=N_TEST, seed=0)
    return tmp_path


def test_the_split_is_disjoint_covering_sorted_and_of_the_asked_size():
    train, val = validation_split(60000, 5000)
    assert (len(train), len(val)) == (55000, 5000)
    assert train.dtype == val.dtype == torch.int64
    assert torch.equal(torch.sort(torch.cat([train, val])).values, torch.arange(60000))
    assert bool((train.diff() > 0).all()) and bool((val.diff() > 0).all())


def test_the_split_ignores_the_global_seed_and_depends_only_on_its_arguments():
    torch.manual_seed(1)
    first = validation_split(60000, 5000)[1]
    torch.manual_seed(2)
    torch.rand(100)
    assert torch.equal(validation_split(60000, 5000)[1], first)
    assert not torch.equal(validation_split(60000, 5000, seed=1)[1], first)


def test_the_split_is_pinned():
    """The same positions with every library version: a change would move examples between
    the splits of runs students have already made."""
    assert validation_split(60000, 5000)[1][:8].tolist() == [1, 18, 25, 27, 43, 47, 58, 75]
    assert validation_split(20, 3)[1].tolist() == validation_split(20, 3)[1].tolist()


def test_the_held_out_share_looks_random():
    val = validation_split(60000, 5000)[1]
    # Spread evenly over the file: each tenth of it holds about a tenth of the validation set.
    per_tenth = torch.bincount(val // 6000, minlength=10)
    assert int(per_tenth.min()) > 400 and int(per_tenth.max()) < 600


@pytest.mark.parametrize(
    ("validation", "n", "full", "expected"),
    [(5000, 60000, 60000, 5000), (5000, 600, 60000, 50), (0.1, 512, None, 51), (1, 600, 60000, 1)],
)
def test_validation_count(validation, n, full, expected):
    assert validation_count(validation, n, full) == expected


@pytest.mark.parametrize("bad", [0, 60000, -3, 0.0, 1.0, True, "5000"])
def test_validation_count_refuses_what_cannot_be_held_out(bad):
    with pytest.raises((ValueError, TypeError), match="validation"):
        validation_count(bad, 60000, 60000)


def test_fashion_mnist_loaders_hold_out_the_split(fmnist_root):
    train, val, test = load_data_fashion_mnist(64, root=fmnist_root, device="cpu", validation=0.1)
    assert (train.dataset_size, val.dataset_size, test.dataset_size) == (540, 60, N_TEST)
    assert (train.split, val.split, test.split) == ("train", "validation", "test")
    assert train.shuffle and not val.shuffle and not test.shuffle
    assert not set(train.indices.tolist()) & set(val.indices.tolist())
    full_train, _ = load_data_fashion_mnist(64, root=fmnist_root, device="cpu")
    assert torch.equal(val.images, full_train.images[val.indices])
    assert torch.equal(val.labels, full_train.labels[val.indices])
    again = load_data_fashion_mnist(64, root=fmnist_root, device="cpu", validation=0.1)[1]
    assert torch.equal(again.indices, val.indices)


def test_a_count_means_a_share_of_the_real_training_set_on_a_smaller_copy(fmnist_root):
    _, val, _ = load_data_fashion_mnist(64, root=fmnist_root, device="cpu", validation=5000)
    assert val.dataset_size == round(5000 * N_TRAIN / 60000)


def test_cifar10_validation_is_never_augmented(cifar_root):
    train, val, _ = load_data_cifar10(
        32, root=cifar_root, device="cpu", augment=True, validation=0.1
    )
    assert train.augment and not val.augment
    first = torch.cat([x for x, _ in val])
    assert torch.equal(first, torch.cat([x for x, _ in val]))  # the same images, every pass


def test_the_dataloader_path_holds_out_the_same_images(fmnist_root, cifar_root):
    for fast, slow, root in [
        (load_data_fashion_mnist, fashion_mnist_dataloaders, fmnist_root),
        (load_data_cifar10, cifar10_dataloaders, cifar_root),
    ]:
        _, val, _ = fast(50, root=root, device="cpu", validation=0.1)
        loaders = slow(50, root=root, num_workers=0, validation=0.1)
        assert [loader.split for loader in loaders] == ["train", "validation", "test"]
        x_fast = torch.cat([x for x, _ in val])
        x_slow = torch.cat([x for x, _ in loaders[1]])
        assert torch.allclose(x_fast, x_slow, atol=1e-6)
        assert len(loaders[0].dataset) == N_TRAIN - val.dataset_size


def test_without_validation_the_loaders_return_two(fmnist_root):
    assert len(load_data_fashion_mnist(64, root=fmnist_root, device="cpu")) == 2
    assert len(fashion_mnist_dataloaders(64, root=fmnist_root, num_workers=0)) == 2


def test_subset_takes_the_first_images_with_the_same_settings(fmnist_root):
    train, val, _ = load_data_fashion_mnist(64, root=fmnist_root, device="cpu", validation=0.1)
    part = train.subset(100)
    assert part.dataset_size == 100 and part.batch_size == 64 and part.shuffle
    assert torch.equal(part.indices, train.indices[:100])
    assert torch.equal(part.images, train.images[:100])
    assert train.dataset_size == 540  # the original is unchanged
    assert train.subset(10**6).dataset_size == 540
    with pytest.raises(ValueError, match="at least 1"):
        train.subset(0)
    assert val.subset(5).split == "validation"


def test_train_labels_its_evaluation_with_the_split(fmnist_root):
    _, val, test = load_data_fashion_mnist(64, root=fmnist_root, device="cpu", validation=0.1)
    assert (eval_label(val), eval_label(test), eval_label([(1, 2)])) == ("val", "test", "test")


def test_train_reports_validation_accuracy_as_such(fmnist_root, capsys):
    from helpers.models import lenet
    from helpers.training.loop import train

    train_iter, val, _ = load_data_fashion_mnist(64, root=fmnist_root, device="cpu", validation=0.1)
    train(lenet(), train_iter.subset(64), val, 1, 0.1, "cpu", plot=False)
    assert "val acc" in capsys.readouterr().out
