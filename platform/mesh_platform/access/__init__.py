"""Who may read what: the directory, the access policy, the views per clearance and the
query sandbox.

- :mod:`~mesh_platform.access.policy`: the policy file (``contracts/access_policy.yaml``):
  directory groups → grants (purpose, clearance, domains), and how each class of column
  is shown at each clearance (raw, masked, hidden).
- :mod:`~mesh_platform.access.directory`: the LDAP directory (people, groups), bind
  authentication, and the mapping from an SSO identity to a directory user.
- :mod:`~mesh_platform.access.views`: a reader's views over the published replica.
- :mod:`~mesh_platform.access.sandbox`: the query sandbox (statement inspection and
  DuckDB's own hardening), and the audit log of queries.
- :mod:`~mesh_platform.access.bigquery`: the policy rendered for BigQuery.
"""
