"""The production settings (``config.settings``, read from the environment as on a server) with the
collected static files in a directory of the benchmark's own (``BENCH_STATIC_ROOT``), so a benchmark
that renders pages with the manifest storage never writes ``staticfiles/`` in the checkout."""

import os

from config.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
