"""nbgrader's exchange, with one weakness of its permission model closed.

nbgrader's default exchange is a shared folder: `outbound/` (released assignments, readable by
all), `inbound/` (submissions: writable by students, not listable, so a student cannot find
another's submission) and `feedback/` (each file named by a hash of a per-submission secret).
Its known weaknesses (nbgrader's docs on the exchange, and its issues):
1. each submission is made world-readable (files 0444, folder 0777): it is hidden only by its
   unguessable name, so anyone who learns a path (a shared screen, a log) can read it;
2. a student can submit under another's name (`nbgrader submit --student bob`); collect only
   warns when a submission's owner differs from the name (CollectApp.check_owner);
3. everything is one filesystem: a student can fill `inbound/` (no quota of its own).

PrivateSubmit closes 1: `inbound/` belongs to the graders' group with the setgid bit (layout.py),
so a submission's files inherit that group, and PrivateSubmit then makes them readable by their
owner and the graders only (files 0440, folders 0770). It copies without copying the student's
folder modes (nbgrader's copytree would, dropping the setgid bit before nbgrader writes
timestamp.txt and submission_secret.txt, which would then be the student's group only). 2 is checked by layout.check_inbound
(and nbgrader's own warning); 3 needs disk quotas or ngshare on a cluster (README).
ReadableFeedback makes released feedback files readable by the student who knows their name
(a TA's umask may have made them group-only): the name is the secret, as nbgrader intends.
"""

import os
import shutil
import stat

from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
from nbgrader.exchange.default.submit import ExchangeSubmit
from nbgrader.utils import ignore_patterns

SUBMISSION_FILE_MODE = 0o440
SUBMISSION_DIR_MODE = 0o770


class PrivateSubmit(ExchangeSubmit):
    def do_copy(self, src, dest, log=None):
        if os.path.dirname(os.path.abspath(dest)) != os.path.abspath(self.inbound_path):
            return super().do_copy(src, dest, log)  # the student's own cache copy
        if self.get_size(src) > 1000 * self.coursedir.max_dir_size:
            raise RuntimeError(
                f"the assignment folder is larger than {self.coursedir.max_dir_size} kB: "
                "remove large data files from it before submitting"
            )
        ignore = ignore_patterns(
            exclude=self.coursedir.ignore,
            include=self.coursedir.include,
            max_file_size=self.coursedir.max_file_size,
            log=self.log,
        )
        _copy_into_setgid(src, dest, ignore)
        return None

    def copy_files(self):
        super().copy_files()
        dest = os.path.join(self.inbound_path, self.assignment_filename)
        for folder, dirs, files in os.walk(dest):
            for name in files:
                os.chmod(os.path.join(folder, name), SUBMISSION_FILE_MODE)
            for name in dirs:
                os.chmod(os.path.join(folder, name), SUBMISSION_DIR_MODE)
        os.chmod(dest, SUBMISSION_DIR_MODE)


def _copy_into_setgid(src: str, dest: str, ignore) -> None:
    """Copy a tree; new folders and files take `dest`'s parent's group (its setgid bit)."""
    os.mkdir(dest)
    names = os.listdir(src)
    skipped = ignore(src, names) if ignore else set()
    for name in names:
        if name in skipped:
            continue
        s, d = os.path.join(src, name), os.path.join(dest, name)
        if os.path.isdir(s) and not os.path.islink(s):
            _copy_into_setgid(s, d, ignore)
        elif os.path.isfile(s):
            shutil.copyfile(s, d)


class ReadableFeedback(ExchangeReleaseFeedback):
    def copy_files(self):
        super().copy_files()
        for name in os.listdir(self.dest_path):
            path = os.path.join(self.dest_path, name)
            if name.endswith(".html") and os.stat(path).st_uid == os.getuid():
                os.chmod(path, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)
