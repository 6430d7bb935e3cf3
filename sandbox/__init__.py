"""The local sandbox: what running the mesh on one machine needs, and production does not.

- :mod:`sandbox.simulation`: the resort group's simulated business world, written as
  the local landing zone;
- :mod:`sandbox.build`: the whole mesh built in-process on that landing zone;
- :mod:`sandbox.devserver`: the local Dagster deployment (code servers, UI, daemon);
- :mod:`sandbox.emulators`: local stand-ins for production services (BigQuery);
- :mod:`sandbox.cli`: the ``mesh build`` and ``mesh dev`` commands, which the platform's
  ``mesh`` command finds through the ``trident.mesh.commands`` entry point group.

The sandbox imports the platform and the contracts (and, for the in-process build, the
domains' definitions by name); the platform never imports the sandbox, and the
production image does not contain it.
"""
