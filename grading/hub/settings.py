"""The course server's settings: folders, address, groups. One object, passed by environment.

`./dlbook hub` builds it from its options and hands it to JupyterHub's configuration file
(jupyterhub_config.py runs in JupyterHub's own process) as DLBOOK_HUB_* variables.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, fields
from pathlib import Path

BOOK = Path(__file__).resolve().parents[2]
PREFIX = "DLBOOK_HUB_"


@dataclass
class HubSettings:
    course: Path = Path("/srv/dlbook/course")  # nbgrader's course folder (graders only)
    exchange: Path = Path("/srv/nbgrader/exchange")  # nbgrader's exchange root
    state: Path = Path("/srv/dlbook/hub")  # the hub's database, secrets, public code copy
    book: Path = BOOK  # the book's checkout (graders' code; students never read it)
    ip: str = "127.0.0.1"
    port: int = 8000
    students_group: str = "dlbook-students"
    graders_group: str = "dlbook-graders"
    course_id: str = "dlbook"
    python: str = sys.executable  # the book's environment: every user's server and kernel
    proxy: str = ""  # configurable-http-proxy's executable (proxy.py finds it)

    @property
    def public(self) -> Path:
        """Code and settings every student's server reads: helpers, grading, lab settings."""
        return self.state / "public"

    @property
    def grader_config(self) -> Path:
        return self.state / "grader-config"

    @property
    def student_config(self) -> Path:
        return self.public / "student-config"

    def to_env(self) -> dict[str, str]:
        return {PREFIX + f.name.upper(): str(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_env(cls, env=None) -> HubSettings:
        env = os.environ if env is None else env
        values = {}
        for f in fields(cls):
            raw = env.get(PREFIX + f.name.upper())
            if raw is None:
                continue
            default = getattr(cls, f.name)
            values[f.name] = (
                int(raw)
                if isinstance(default, int)
                else (Path(raw) if isinstance(default, Path) else raw)
            )
        return cls(**values)
