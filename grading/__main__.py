"""`python -m grading autograde NN_slug [--student S] [nbgrader options]` (see autograde.py)."""

import sys

from grading.autograde import main

USAGE = "usage: python -m grading autograde NN_slug [--student S ...] [nbgrader options]"

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] != "autograde":
        print(USAGE, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[2:]))
