"""The production settings (config/settings.py) with one change for the two-server test: static files are
collected into a directory of the test's own (SCALEOUT_STATIC_ROOT), not into the checkout's staticfiles/,
which config/settings.py fixes and other runs in the same checkout may be using."""

import os
from pathlib import Path

from config.settings import *  # noqa: F401,F403

STATIC_ROOT = Path(os.environ["SCALEOUT_STATIC_ROOT"])
