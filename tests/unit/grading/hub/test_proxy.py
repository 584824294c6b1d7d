"""Finding and choosing JupyterHub's proxy (grading/hub/proxy.py), with a stand-in `node`
and cache: the version npm is asked for follows the Node.js there, and the cache is looked in."""

import os
import stat

import pytest

from grading.hub import proxy


def _node(folder, version: str) -> None:
    node = folder / "node"
    node.write_text(f"#!/bin/sh\necho {version}\n")
    node.chmod(node.stat().st_mode | stat.S_IXUSR)


@pytest.mark.parametrize(
    "version, spec",
    [
        ("v18.19.0", "configurable-http-proxy@4"),  # Debian 12's Node.js
        ("v20.20.2", "configurable-http-proxy"),
        ("v22.12.0", "configurable-http-proxy"),
    ],
)
def test_the_proxy_version_follows_node(tmp_path, monkeypatch, version, spec):
    _node(tmp_path, version)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert proxy.package_spec() == spec


def test_without_node_the_old_proxy_is_asked_for(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert proxy.package_spec() == "configurable-http-proxy@4"


def test_found_in_the_cache_and_missing_message_names_the_package(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on PATH: not npm, not the proxy
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert proxy.find() is None
    message = proxy.missing_message()
    assert "configurable-http-proxy (an npm package), is not installed" in message
    assert "install Node.js and npm" in message
    cached = tmp_path / "cache" / "dlbook" / "node" / "node_modules" / ".bin"
    cached.mkdir(parents=True)
    (cached / "configurable-http-proxy").write_text("")
    assert proxy.find() == str(cached / "configurable-http-proxy")
