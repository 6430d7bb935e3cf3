"""Production's own services, run locally for ``mesh dev``, ``mesh build`` and the tests.

- :mod:`sandbox.services.postgres`: PostgreSQL from Debian's packages, the storage of a
  Dagster instance configured as production's.
"""
