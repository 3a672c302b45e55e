"""Programs the bundled app starts (xdg-open and the PDF viewer it opens) get the system's libraries:
PyInstaller's bootloader put the bundle on LD_LIBRARY_PATH, which this process has already read."""

import os

if "LD_LIBRARY_PATH_ORIG" in os.environ:
    os.environ["LD_LIBRARY_PATH"] = os.environ.pop("LD_LIBRARY_PATH_ORIG")
else:
    os.environ.pop("LD_LIBRARY_PATH", None)
