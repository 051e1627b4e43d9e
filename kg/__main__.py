"""``python -m kg`` runs the command line, for a checkout that is not installed."""

import sys

from kg.cli import main

sys.exit(main())
