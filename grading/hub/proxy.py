"""JupyterHub's proxy, configurable-http-proxy: an npm package, found or installed here.

Looked for on PATH (`npm install -g configurable-http-proxy`), then in the book's cache,
`~/.cache/dlbook/node/` (where `install()` and .ci/run put it: `npm install --prefix`).

    python -m grading.hub.proxy      # find it, or install it into the cache; print its path
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGE = "configurable-http-proxy"


def cache_prefix() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "dlbook" / "node"


def find() -> str | None:
    """The proxy's executable, or None."""
    found = shutil.which(PACKAGE)
    if found:
        return found
    cached = cache_prefix() / "node_modules" / ".bin" / PACKAGE
    return str(cached) if cached.exists() else None


def missing_message() -> str:
    how = (
        f"`npm install -g {PACKAGE}` (or `sudo ./dlbook hub` installs it into "
        f"{cache_prefix()} when npm is there)"
    )
    if not shutil.which("npm"):
        how = f"install Node.js and npm (`apt-get install nodejs npm`), then {how}"
    return f"JupyterHub's proxy, {PACKAGE} (an npm package), is not installed: {how}"


def package_spec() -> str:
    """What npm installs: the newest proxy needs Node.js 20 (Debian 12 has 18), 4.x runs on 10+."""
    try:
        done = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False)
        major = int(done.stdout.strip().lstrip("v").split(".")[0])
    except (OSError, ValueError):
        major = 0
    return PACKAGE if major >= 20 else f"{PACKAGE}@4"


def install() -> str | None:
    """Install the proxy into the cache with npm; its executable, or None (npm missing/failed)."""
    if not shutil.which("npm"):
        return None
    prefix = cache_prefix()
    prefix.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", package_spec()],
        capture_output=True,
        text=True,
        check=False,
    )
    return find() if done.returncode == 0 else None


def main() -> int:
    found = find() or install()
    if not found:
        print(missing_message(), file=sys.stderr)
        return 1
    print(found)
    return 0


if __name__ == "__main__":
    sys.exit(main())
