"""``mesh bench``: how far ``mesh build`` is from the raw cost of the work it does.

One invocation, on one world (one scale, one seed), runs two processes one after the
other and measures each (wall time, peak resident memory), in total and per product:

- **the floor** (:mod:`sandbox.bench.floor`): the landing simulation, then every
  product's SQL and its contract checks as plain statements in one DuckDB connection,
  and the Python products' functions called bare on the same inputs;
- **the build** (:mod:`sandbox.bench.build_run`): ``mesh build`` itself, in process,
  exactly as the command runs it (landing simulation included).

The figures, their ratios and the comparison with an earlier run are in
:mod:`sandbox.bench.figures`; the command is :mod:`sandbox.cli.bench`.
"""
