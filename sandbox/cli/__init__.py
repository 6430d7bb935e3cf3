"""The sandbox's ``mesh`` commands: ``build`` (:mod:`sandbox.cli.build`) and ``dev``
(:mod:`sandbox.cli.dev`), declared as ``trident.mesh.commands`` entry points."""
