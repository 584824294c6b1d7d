"""grading.hub.users refuses what it cannot make, before touching the machine's accounts (making
and removing real accounts: tests/test_course_server.py)."""

import pwd

import pytest

from grading.hub.settings import HubSettings
from grading.hub.users import VALID, UserError, add_user, remove_user

# Groups every Debian has: should a refusal ever be missed, no group is added to the machine.
S = HubSettings(students_group="nogroup", graders_group="users")


@pytest.mark.parametrize(
    "name", ["Alice", "1bob", "-rf", "a" * 33, "bob;id", "bo b", "", "ünal", "root\n"]
)
def test_a_name_unix_cannot_use_is_refused_with_the_rule(name):
    with pytest.raises(UserError, match="lower-case letters, digits"):
        add_user(name, "student", S)
    with pytest.raises(KeyError):
        pwd.getpwnam(name)  # nothing was made


@pytest.mark.parametrize("name", ["alice", "_svc", "jo-ann_2", "a" * 32])
def test_university_style_logins_are_usable(name):
    assert VALID.match(name)


def test_removing_someone_who_is_not_there_says_so():
    with pytest.raises(UserError, match="there is no user 'dlbook-no-such-user'"):
        remove_user("dlbook-no-such-user")
