"""The published interface of every domain: one module of contracts per domain.

Importing any of it declares the mesh's season calendar (``contracts.calendar``).
"""

from contracts.calendar import SEASONS

__all__ = ["SEASONS"]
