"""The raw files under the data root: where the root is, their checksums, fetching one file.

`data_root()` picks the root: the `root=` argument, else `$DLBOOK_DATA`, else a per-user cache
(`$XDG_CACHE_HOME/dlbook/data`, default `~/.cache/dlbook/data`). Downloads go through
torchvision's own machinery (MD5-checked, with a progress bar), land under a `.part` name, are
retried, and are renamed only once their checksum matches; so any file under its final name was
complete when written, and a later mismatch means the file was damaged.

Synthetic datasets (fake.py) cannot match torchvision's published MD5s. Their writer records the
checksums it produced in `dlbook-synthetic.json` beside the files (`read_manifest`).
"""

import hashlib
import http.client
import json
import os
import time
from pathlib import Path

from helpers.data.specs import CorruptDataError, DatasetNotAvailableError

ENV_VAR = "DLBOOK_DATA"
MANIFEST = "dlbook-synthetic.json"
# Seconds to wait before the 2nd and 3rd download attempts (tests set this to zeros).
RETRY_DELAYS_S = (2.0, 5.0)


def data_root(root=None) -> Path:
    """The dataset root: `root` if given, else `$DLBOOK_DATA`, else `~/.cache/dlbook/data`.

    The default honours `$XDG_CACHE_HOME`. Nothing is created here; downloads create folders.
    """
    if root is None:
        root = os.environ.get(ENV_VAR) or None  # an empty variable counts as unset
    if root is None:
        cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        root = Path(cache) / "dlbook" / "data"
    return Path(root).expanduser().absolute()


def md5_of(path) -> str:
    """Hex MD5 of a file, read in 1 MiB chunks (the checksum torchvision publishes)."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(folder: Path):
    """The checksums a fake-data writer recorded in `folder`, or None for real data."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text())
        return {str(k): str(v) for k, v in manifest["md5"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise CorruptDataError(
            f"{path} is not a valid synthetic-data manifest ({err}): delete {path.parent} and "
            "rewrite the synthetic data (helpers.data.fake)"
        ) from err


def fetch(urls, folder: Path, filename: str, md5: str, *, title: str, hint: str) -> None:
    """Download `filename` into `folder` from the first of `urls` that works; retry on failure.

    torchvision's `download_url` shows a progress bar and raises RuntimeError when the MD5 of
    what arrived is wrong (a partial or garbled download); the file is written as `.part` and
    renamed only after it verified, so an interrupted download never looks complete. `title`
    and `hint` (where to get the file by hand) go into the error when every try failed.
    """
    from torchvision.datasets.utils import download_url

    errors = []
    for attempt in range(len(RETRY_DELAYS_S) + 1):
        for url in urls:
            try:
                download_url(url, str(folder), filename=filename + ".part", md5=md5)
            # URLError is an OSError; RuntimeError is torchvision's "File not found or corrupted."
            except (OSError, RuntimeError, http.client.HTTPException) as err:
                errors.append(f"attempt {attempt + 1}, {url}: {err!r}")
                continue
            os.replace(folder / (filename + ".part"), folder / filename)
            return
        if attempt < len(RETRY_DELAYS_S):
            time.sleep(RETRY_DELAYS_S[attempt])
    raise DatasetNotAvailableError(
        f"Could not download {title} file {filename} ({len(errors)} tries; last error: "
        f"{errors[-1]}).\n{hint}"
    )
