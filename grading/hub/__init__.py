"""The course server: JupyterHub for the book on one machine, with nbgrader's exchange.

    sudo ./dlbook hub                      # http://127.0.0.1:8000 (see --help for the rest)
    sudo ./dlbook hub adduser alice --student
    sudo ./dlbook hub adduser carol --ta

Every user is a Unix user, logged in with their password (PAM); each gets their own Jupyter
server running as them, with the book's environment as the kernel:
- students (group dlbook-students): JupyterLab in their home with nbgrader's Assignments tab
  (fetch, submit, fetch feedback) and none of the instructor's tools (the same switches as
  `./dlbook lab`, tools/student_lab/);
- TAs and instructors (group dlbook-graders): JupyterLab in the course folder with the
  Formgrader (release, collect, manual grading, release feedback) and a terminal for
  `./dlbook export`; grading is `sudo ./dlbook hub grade NN_slug` (the sandbox gives each
  grading kernel a user id of its own, which needs root; command.py).

Who can read what (layout.py sets it, `./dlbook hub check` and the tests check it):
- the course folder (source/ with the solutions, gradebook.db, submitted/, autograded/,
  feedback/): root:dlbook-graders, mode 2770; students cannot even list it;
- the book's checkout: graders only (its source/ and .git hold the solutions); students'
  servers import the book's code from a copy without them (`<state>/public/`);
- nbgrader's exchange: released assignments readable by all; `inbound/` writable by students
  but not listable, and each submission readable by the graders' group only (exchange.py
  narrows nbgrader's world-readable submissions); feedback released under unguessable names.

    settings.py     the hub's folders, port and groups, passed to jupyterhub_config.py
    layout.py       folders, groups and permissions; the course's chapters; the public copy
    exchange.py     nbgrader's exchange with submissions private to the graders' group
    spawner.py      one server per user, as that user, configured by role
    proxy.py        finding or installing configurable-http-proxy (npm)
    users.py        course accounts (useradd, passwords, groups)
    jupyterhub_config.py   the configuration JupyterHub loads
    command.py      `./dlbook hub ...`
"""
