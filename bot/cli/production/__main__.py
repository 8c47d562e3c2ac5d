"""`python -m bot.cli.production`: see bot/cli/production/launcher.py."""
from __future__ import annotations

import sys

from bot.cli.production.launcher import main

if __name__ == "__main__":
    sys.exit(main())
