"""``python -m borderwatch.cli``: the ``borderwatch`` command."""

import sys

from borderwatch.cli import main

sys.exit(main())
