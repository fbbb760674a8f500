"""``python -m citybank``: the ``citybank`` command."""

import sys

from .cli import main

sys.exit(main())
