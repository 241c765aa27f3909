"""`python -m bench.cli`: the chainmark command."""

import sys

from bench.cli import main

sys.exit(main())
