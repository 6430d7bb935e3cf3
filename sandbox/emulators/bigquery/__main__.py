"""``python -m sandbox.emulators.bigquery start|stop|status``."""

import sys

from sandbox.emulators.bigquery.emulator import main

sys.exit(main())
