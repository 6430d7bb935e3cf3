"""Local stand-ins for production services.

- :mod:`sandbox.emulators.bigquery`: the local BigQuery emulator, run as a sidecar in a
  virtualenv of its own (``BigQueryEmulator``).
"""
