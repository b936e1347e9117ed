"""The project's settings, unchanged but for where the built static files live (a temporary
folder of the benchmark's, not the repository's staticfiles/): bench/pages.py serves with these."""

import os

from config.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
