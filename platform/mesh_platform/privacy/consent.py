"""Consent in Python products: the register as an input, the rows it lets through.

A contract declares the consent its customers must hold
(:class:`~mesh_platform.contract.privacy.Consent`); the platform checks it in the
warehouse on every publish (the blocking ``consent__<column>`` check of
:mod:`mesh_platform.derive.checks`). A SQL product honours it in its query; a Python
product reads the register with :func:`consent_input` and keeps its rows with
:func:`keep_consented`, which accounts for the others as left out
(``out_of_scope:no_consent``), so the rule is read from the contract, never rewritten.

Example:
    >>> import pandas as pd
    >>> from mesh_platform.contract import Consent, DataContract, Privacy, column
    >>> class Targets(DataContract, domain="crm", product="targets", grain=("customer_id",),
    ...               privacy=Privacy(consent=Consent(purpose="marketing", channels=("email",),
    ...                   source="customers.customer_consent")), register=False):
    ...     '''One row per customer to write to.'''
    ...     customer_id: str = column("The customer.")
    >>> consent_input(Targets).columns
    ('customer_id', 'channel', 'is_contactable')
    >>> register = pd.DataFrame({"customer_id": ["A", "B"], "channel": ["email", "email"],
    ...                          "is_contactable": [True, False]})
    >>> kept, left_out = keep_consented(Targets, pd.DataFrame({"customer_id": ["A", "B"]}),
    ...                                 register)
    >>> list(kept.customer_id), list(left_out.reason), list(left_out.row_key)
    (['A'], ['out_of_scope:no_consent'], ['customer_id=B'])
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from mesh_platform.contract import Consent, DataContract
from mesh_platform.products.python import DeferredInput, Input, read_input

NO_CONSENT = "out_of_scope:no_consent"
"""The left-out reason of a row whose customer holds no valid consent."""


def declared_consent(contract: type[DataContract]) -> Consent:
    """The consent ``contract`` declares.

    Raises:
        ValueError: naming the product, when it declares none.
    """
    consent = contract.meta().privacy.consent
    if consent is None:
        raise ValueError(
            f"{contract.meta().key}: the contract declares no consent "
            "(privacy=Privacy(consent=Consent(...)))"
        )
    return consent


def consent_input(contract: type[DataContract]) -> Input:
    """The register ``contract``'s consent names, as a Python product's input (only the
    columns the rule reads), deferred: :func:`keep_consented` reads it when it filters,
    so the register (a row per customer and channel) is not held while a model fits."""
    consent = declared_consent(contract)
    names = (consent.register_customer, consent.register_channel, consent.register_flag)
    return Input(consent.source, tuple(name for name in names if name), deferred=True)


def consented_customers(contract: type[DataContract], register: pd.DataFrame) -> set[str]:
    """The customers holding the consent ``contract`` declares, in ``register``."""
    consent = declared_consent(contract)
    valid = pd.Series(True, index=register.index)
    if consent.register_channel:
        valid &= register[consent.register_channel].isin(consent.channels)
    if consent.register_flag:
        valid &= register[consent.register_flag].fillna(False).astype(bool)
    return set(register.loc[valid, consent.register_customer])


def keep_consented(
    contract: type[DataContract], frame: pd.DataFrame, register: pd.DataFrame | DeferredInput
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of ``frame`` whose customer holds the declared consent, and the others as
    left-out rows (``reason`` :data:`NO_CONSENT`, ``row_key`` the customer). The
    register is a frame, or the deferred input of :func:`consent_input` (read here).

    ``frame``'s columns are moved into the two parts (it is left without columns), so
    its rows are not held twice over (:func:`_move_rows`).

    Raises:
        ValueError: the consent applies to some rows only (``applies_to`` is a SQL
            condition: a SQL product honours it in its query), or the frame names a
            column twice.
    """
    consent = declared_consent(contract)
    if consent.applies_to:
        raise ValueError(
            f"{contract.meta().key}: a consent that applies to some rows only "
            f"({consent.applies_to}) is honoured in SQL, not by keep_consented"
        )
    if not frame.columns.is_unique:
        raise ValueError(
            f"{contract.meta().key}: the frame names a column twice: {list(frame.columns)}"
        )
    customers = frame[consent.column]
    kept = customers.isin(consented_customers(contract, read_input(register))).to_numpy()
    # one key per customer, shared by its rows (a scored customer has several: at large,
    # millions of rows left out would each hold a string of its own)
    number, refused = pd.factorize(customers[~kept].astype(str))
    keys = (f"{consent.column}=" + pd.Series(refused, dtype=object)).to_numpy(dtype=object)
    del customers  # a view of the frame's column, which is about to be moved
    consented, left_out = _move_rows(frame, kept)
    left_out["reason"] = NO_CONSENT
    left_out["row_key"] = keys[number]
    return consented, left_out


def _move_rows(frame: pd.DataFrame, kept: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of ``frame`` where ``kept`` is true and the others, each with the frame's
    columns, dtypes and order and an index from 0, the frame's columns moved there: it is
    left without columns.

    A selection of the whole frame holds its rows twice at once (a model's millions of
    scored rows). Here the columns go one dtype at a time (one block of pandas' storage;
    deleting a column never copies the others): each column is taken in two parts and
    deleted from ``frame``, so only one dtype's columns are held twice at most, and the
    parts are assembled without being copied into blocks again.
    """
    parts: list[tuple[np.ndarray, pd.RangeIndex, dict[Hashable, pd.Series]]] = [
        (np.flatnonzero(rows), pd.RangeIndex(int(np.count_nonzero(rows))), {})
        for rows in (kept, ~kept)
    ]
    order = list(frame.columns)
    by_dtype: dict[str, list[Hashable]] = {}
    for name, dtype in frame.dtypes.items():
        by_dtype.setdefault(str(dtype), []).append(name)
    for names in by_dtype.values():
        for name in names:
            column = frame[name]
            # an extension dtype's own array, else the numpy one (``.array`` would wrap
            # it, and pandas would then scan every value for missing ones)
            values = (
                column.array
                if isinstance(column.dtype, pd.api.extensions.ExtensionDtype)
                else column.to_numpy()
            )
            for positions, index, columns in parts:
                # a series of the column's own dtype: pandas neither copies nor infers it
                columns[name] = pd.Series(
                    values.take(positions), index=index, dtype=values.dtype, copy=False
                )
            del column, values, frame[name]
    kept_rows, left_rows = (
        pd.DataFrame({name: columns[name] for name in order}, index=index, copy=False)
        for _, index, columns in parts
    )
    return kept_rows, left_rows
