"""`python -m grading.export NN_slug ...` (also `python -m grading export`)."""

import sys

from grading.export.command import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
