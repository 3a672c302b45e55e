"""Entry point of the bundled client (PyInstaller runs a script, not a console_scripts entry)."""

import sys

from app.cli import main

sys.exit(main())
