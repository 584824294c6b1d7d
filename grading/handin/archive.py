"""Reading an LMS download: every file in it, with its path, however it is packed.

A download is a zip (or the folder it was extracted to). Inside may be folders (Moodle's
per-student folders, a TA's re-zipped tree) and zips (a student who uploaded a zip of their work
folder): each nested zip is opened in memory and its files listed under the zip's name, so
`doejane_12345_67890_work.zip` / `01_tensors/01_tensors.ipynb` keeps the Canvas prefix that
says whose it is. Nothing is extracted to disk here: paths inside a zip never become paths on
disk unchecked (collect.py writes kept files under sanitised names).

Operating-system litter (`__MACOSX/`, `.DS_Store`, `Thumbs.db`) is counted, not listed. A
member that cannot be read (a damaged or encrypted zip, a file over MAX_FILE_BYTES) is returned
with its `problem` set, so the TA sees it.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

MAX_FILE_BYTES = 200 * 1024 * 1024  # a notebook full of figures is tens of MB, not hundreds
MAX_TOTAL_BYTES = 8 * 1024 * 1024 * 1024  # a zip bomb stops here, not at a full disk
MAX_DEPTH = 3  # zips inside zips inside zips
LITTER = {"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini"}


class DownloadError(Exception):
    """The download itself cannot be read (not a zip, damaged, missing): nothing was collected."""


@dataclass
class Member:
    """One file of the download."""

    parts: tuple[str, ...]  # its path inside the download; a nested zip's name is one part
    data: bytes = b""
    mtime: datetime | None = None  # the time the zip recorded for it
    problem: str = ""  # why it could not be read ("" if it was)

    @property
    def name(self) -> str:
        return self.parts[-1]

    @property
    def where(self) -> str:
        return "/".join(self.parts)


def _is_litter(parts: tuple[str, ...]) -> bool:
    return any(p in LITTER or p.startswith("._") for p in parts)


def _name(info: zipfile.ZipInfo) -> str:
    """The member's name as its creator meant it: zips without the UTF-8 flag (old Windows
    tools, some LMS exports) store names in the local code page, which Python reads as cp437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _split(name: str) -> tuple[str, ...]:
    # No empty, "." or ".." parts (a zip may hold "../../etc/x"): they never name a folder here.
    return tuple(
        p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("", ".", "..", "/")
    )


class _Reader:
    def __init__(self):
        self.members: list[Member] = []
        self.litter = 0
        self.total = 0

    def add_file(self, parts: tuple[str, ...], data: bytes, mtime, depth: int) -> None:
        if _is_litter(parts):
            self.litter += 1
            return
        if parts[-1].lower().endswith(".zip") and depth < MAX_DEPTH:
            self.add_zip(parts, data, depth + 1)
            return
        self.members.append(Member(parts, data, mtime))

    def add_zip(self, parts: tuple[str, ...], data: bytes, depth: int) -> None:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            infos = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            self.members.append(Member(parts, data, problem=f"a damaged zip ({error})"))
            return
        for info in infos:
            if info.is_dir():
                continue
            inner = parts + _split(_name(info))
            if len(inner) == len(parts):
                continue
            self.read_member(archive, info, inner, depth)

    def read_member(self, archive, info, parts, depth) -> None:
        mtime = datetime(*info.date_time) if info.date_time[0] >= 1980 else None
        if _is_litter(parts):
            self.litter += 1
            return
        if info.flag_bits & 0x1:
            self.members.append(Member(parts, problem="encrypted in the zip (password protected)"))
            return
        if info.file_size > MAX_FILE_BYTES:
            size = info.file_size / 2**20
            self.members.append(
                Member(
                    parts,
                    problem=f"too large to read ({size:.0f} MB; limit "
                    f"{MAX_FILE_BYTES // 2**20} MB)",
                )
            )
            return
        if self.total + info.file_size > MAX_TOTAL_BYTES:
            self.members.append(
                Member(
                    parts,
                    problem="not read: the download unpacks to more "
                    f"than {MAX_TOTAL_BYTES // 2**30} GB",
                )
            )
            return
        try:
            data = archive.read(info)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as error:
            self.members.append(Member(parts, problem=f"damaged in the zip ({error})"))
            return
        self.total += len(data)
        self.add_file(parts, data, mtime, depth)


def read_download(path: Path) -> tuple[list[Member], int]:
    """(every file in the download, how many litter files were skipped).

    `path` is the LMS's zip or a folder it was extracted to. Raises DownloadError (with what to
    do) when the download itself cannot be read."""
    path = Path(path)
    reader = _Reader()
    if path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            parts = file.relative_to(path).parts
            reader.add_file(
                parts, file.read_bytes(), datetime.fromtimestamp(file.stat().st_mtime), 0
            )
        return reader.members, reader.litter
    if not path.exists():
        raise DownloadError(f"{path} does not exist: give the path of the zip the LMS gave you")
    try:
        archive = zipfile.ZipFile(path)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise DownloadError(
            f"{path} is not a readable zip ({error}). Download the submissions from the LMS "
            "again (an interrupted download is cut short), or extract it yourself and give the "
            "folder instead."
        ) from error
    with archive:
        for info in infos:
            if not info.is_dir():
                parts = _split(_name(info))
                if parts:
                    reader.read_member(archive, info, parts, 0)
    return reader.members, reader.litter
