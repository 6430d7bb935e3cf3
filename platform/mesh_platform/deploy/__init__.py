"""Deploying only what changed: which code locations a change must roll out again.

``plan`` holds the rules, as pure functions over changed paths and the project's graph;
``graph`` reads that graph (imports, contract modules, products' upstreams) from a
checkout; ``changes`` asks git what changed between two revisions.
"""
