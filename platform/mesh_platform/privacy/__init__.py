"""Privacy by construction: PII followed through lineage, consent, erasure and access.

- :mod:`~mesh_platform.privacy.pii_lineage`: which contract classification each output
  column of a SQL product carries from its upstream columns (what the governance rule
  ``undeclared_pii`` reads).
- :mod:`~mesh_platform.privacy.identifiers`: where a person's identifiers are held, in
  the products (their contracts) and in the landing tables (the products' SQL).
- :mod:`~mesh_platform.privacy.erasure`: ``mesh gdpr erase`` and ``mesh gdpr export``,
  the suppression list the builds honour, and the audit product.
"""
