"""Entry point of the drift check: ``python3 main.py MODE [options]`` (see README.md)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from driftcheck.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
