"""A real, throw-away PostgreSQL server for tests (Debian's `postgresql` package).

The server listens on a Unix socket in its own folder only (no TCP port), runs as the
`postgres` system user when the tests run as root (PostgreSQL refuses to run as root), and is
stopped and deleted afterwards.
"""

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path


def server_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, or None if PostgreSQL is not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@contextlib.contextmanager
def postgres_server(database: str = "dlbook"):
    """Yield a SQLAlchemy URL of an empty database on a fresh server."""
    bin_dir = server_binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    # Under /tmp, not pytest's tmp_path: the postgres user must be able to reach the folder.
    base = Path(tempfile.mkdtemp(prefix="dlbook-pg-"))
    data, sock = base / "data", base / "sock"
    data.mkdir()
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(data, "postgres")
        shutil.chown(sock, "postgres")
        os.chmod(base, 0o755)
    run = lambda *cmd: subprocess.run(
        _as_server_user(list(cmd)), check=True, capture_output=True, text=True
    )
    try:
        run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
        run(
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            str(base / "log"),
            "-o",
            f"-k {sock} -c listen_addresses='' -c max_connections=100",
            "start",
        )
        run(str(bin_dir / "createdb"), "-h", str(sock), "-U", "postgres", database)
        yield f"postgresql+psycopg2://postgres@/{database}?host={sock}"
    finally:
        subprocess.run(
            _as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)
