"""JupyterHub's configuration for the course server (`jupyterhub -f` this file).

`./dlbook hub` sets DLBOOK_HUB_* (settings.py) and starts JupyterHub with this file; everything
course-specific is read from there, so the same file serves any course folder and port.
On Kubernetes, the same choices go into Zero to JupyterHub's values (README: "Kubernetes").
"""

import os
import sys

sys.path.insert(0, os.environ["DLBOOK_HUB_BOOK"])  # grading.hub, for the spawner class

from grading.hub.settings import HubSettings

s = HubSettings.from_env()
c = get_config()  # noqa: F821 -- provided by traitlets when it executes this file

c.JupyterHub.bind_url = f"http://{s.ip}:{s.port}"
# The hub's API and the proxy's API, next to the public port (so two courses on one machine
# do not collide): only the proxy and the users' servers talk to them.
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = s.port + 1
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{s.port + 2}"
c.JupyterHub.db_url = f"sqlite:///{s.state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(s.state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(s.state / "jupyterhub.pid")
c.ConfigurableHTTPProxy.command = [s.proxy]
c.ConfigurableHTTPProxy.pid_file = str(s.state / "jupyterhub-proxy.pid")

# Logins: the machine's own accounts (PAM), members of the course's two groups only.
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.allowed_groups = {s.students_group, s.graders_group}
c.PAMAuthenticator.open_sessions = False  # no systemd-logind session per server

# One server per user, as that user, with the book's environment as the kernel (spawner.py).
c.JupyterHub.spawner_class = "grading.hub.spawner.CourseSpawner"
c.Spawner.default_url = "/lab"
c.Spawner.http_timeout = 120  # a cold server imports JupyterLab and nbgrader: slow when busy
c.Spawner.start_timeout = 180
# A server nobody uses goes away after an hour (students leave tabs open for days).
c.JupyterHub.services = []
c.Spawner.args = ["--ServerApp.shutdown_no_activity_timeout=3600"]
