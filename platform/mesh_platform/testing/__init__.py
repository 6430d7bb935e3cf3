"""Test support that ships with the platform: local stand-ins for production services.

- :mod:`mesh_platform.testing.bigquery_emulator`: the local BigQuery emulator, run as a
  sidecar in a virtualenv of its own (``BigQueryEmulator``).
"""
