"""`python -m grading.handin collect ...` / `roster ...` (also `python -m grading collect`)."""

import sys

from grading.handin import collect, roster

COMMANDS = {"collect": collect.main, "roster": roster.main}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print("usage: python -m grading.handin {collect,roster} ...", file=sys.stderr)
        sys.exit(2)
    sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))
