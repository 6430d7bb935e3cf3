"""Python products: a function returning a DataFrame, plus its contract.

Example:
    >>> import pandas as pd
    >>> from contracts.common import CRM_LAB
    >>> from mesh_platform.contract import DataContract, column
    >>> class Demo(DataContract, domain="demo", product="demo", owner=CRM_LAB,
    ...            grain=("n",), register=False):
    ...     '''Numbers.'''
    ...     n: int = column("A number.")
    >>> @python_product(Demo, inputs={"lines": "sales.sales_lines"})
    ... def demo(lines: pd.DataFrame) -> pd.DataFrame:
    ...     return pd.DataFrame({"n": [len(lines)]})
    >>> demo.contract.meta().key, demo.inputs
    ('demo.demo', {'lines': 'sales.sales_lines'})

An input may name only the columns the function reads: the platform then loads just
those (a wide, long upstream such as campaign sends costs its full width otherwise), and
checks at definitions load that each one is a column of the upstream contract.

    >>> @python_product(Demo, inputs={"lines": Input("sales.sales_lines", ("amount_eur",))})
    ... def total(lines: pd.DataFrame) -> pd.DataFrame:
    ...     return pd.DataFrame({"n": [len(lines)]})
    >>> total.inputs, total.columns
    ({'lines': 'sales.sales_lines'}, {'lines': ('amount_eur',)})

Its rows arrive in one total order: the upstream's grain when the grain is loaded, else
every column loaded. ``order_by`` names the columns to order by instead, loaded or not:
a function that depends on the grain's order (a seeded sample of rows) keeps it without
holding a column of unique identifiers in memory.

    >>> Input("campaigns.campaign_sends", "customer_id sent_at", order_by="send_id").order_by
    ('send_id',)

An input read once early and not again (a model's learning base, coded into compact
arrays before hours of fitting) can be ``deferred``: the function then receives a
:class:`DeferredInput` and reads the frame itself, so that the frame lives only as long
as the function keeps it (the platform holds the reader, never the rows). Its rows read
are counted when it is read. :func:`read_input` takes a reader or a frame, so the
function can also be called directly on frames.

    >>> sends = DeferredInput("campaigns.campaign_sends", lambda: pd.DataFrame({"n": [1, 2]}))
    >>> sends.rows, len(read_input(sends)), sends.rows, len(read_input(pd.DataFrame()))
    (None, 2, 2, 0)

A deferred input can also be read a batch of rows at a time, in the same order, so that
a function coding millions of rows holds one batch of them, never the whole frame;
:func:`input_batches` takes a reader or a frame.

    >>> [len(b) for b in sends.batches(rows=1)], sends.rows
    ([1, 1], 2)
    >>> [len(b) for b in input_batches(pd.DataFrame({"n": range(5)}), rows=2)]
    [2, 2, 1]

A function with more to publish than rows (a model's evaluation metrics, totals)
returns a :class:`ProductOutput`: its frame is validated and published like a bare
frame, and its metadata is attached to the materialisation.

    >>> frame, metadata = split_output(ProductOutput(pd.DataFrame({"n": [1]}), {"auc": 0.8}))
    >>> len(frame), metadata
    (1, {'auc': 0.8})
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

from mesh_platform.contract import DataContract
from mesh_platform.definition.reader import DomainDefinition, PythonDefinition
from mesh_platform.governance.lint import refuse_broken

FrameKind = Literal["pandas", "polars", "arrow"]


@dataclass(frozen=True)
class ProductOutput:
    """What a Python product returns when it publishes more than its rows.

    ``frame`` (pandas, polars or Arrow) is validated against the contract and published
    exactly like a bare frame. ``metadata`` maps names to JSON-like values (numbers,
    strings, booleans, small dicts or lists), e.g. a model's evaluation metrics; the
    asset factory adds it to the materialisation's metadata. ``left_out`` (a frame) holds
    the input rows the function left out: a ``reason`` column (a reason of
    :mod:`mesh_platform.contract.reasons`), optionally ``row_key``, any other columns kept
    as the row's JSON; they are accounted for and audited against the contract's
    tolerance, and kept in the product's rejects table.
    """

    frame: Any
    metadata: Mapping[str, Any] = field(default_factory=dict)
    left_out: Any = None


def split_output(result: Any) -> tuple[Any, dict[str, Any]]:
    """The frame and the metadata of what a Python product function returned
    (a bare frame has no metadata)."""
    if isinstance(result, ProductOutput):
        return result.frame, dict(result.metadata)
    return result, {}


def left_out_of(result: Any) -> Any:
    """The left-out rows frame of what a Python product function returned (``None``
    for a bare frame or an output without one)."""
    return result.left_out if isinstance(result, ProductOutput) else None


@dataclass(frozen=True)
class Input:
    """An upstream product a Python product reads, and the columns it needs of it, as a
    sequence or one string of names separated by spaces (``None``: every column, in the
    contract's order).

        >>> Input("sales.sales_lines", "sale_date amount_eur").columns
        ('sale_date', 'amount_eur')
    """

    product: str
    columns: Sequence[str] | str | None = None
    order_by: Sequence[str] | str | None = None
    """The columns of the upstream its rows are ordered by (loaded or not); ``None``:
    the grain when loaded, else every column loaded."""
    deferred: bool = False
    """Whether the function receives a :class:`DeferredInput` (reads the frame itself)
    instead of the frame."""

    def __post_init__(self) -> None:
        for name in ("columns", "order_by"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, tuple(value.split()))
            elif value is not None:
                object.__setattr__(self, name, tuple(value))


class DeferredInput:
    """An input the function reads when it needs it (``Input(..., deferred=True)``).

    Args:
        product: the upstream product, ``domain.product``.
        read: what reads its frame (the columns and order declared, as for any input).
        read_batches: what reads it a batch of at most so many rows at a time, in the
            same order (default: the whole frame read, then cut).
    """

    def __init__(
        self,
        product: str,
        read: Callable[[], Any],
        read_batches: Callable[[int], Iterable[Any]] | None = None,
    ) -> None:
        self.product = product
        self._read = read
        self._read_batches = read_batches
        self.rows: int | None = None
        """Rows of the last read (``None`` before any)."""

    def read(self) -> Any:
        """The input's frame, read now; the reader keeps no reference to it."""
        frame = self._read()
        self.rows = len(frame)
        return frame

    def batches(self, *, rows: int) -> Iterator[Any]:
        """The input's rows, read now a frame of at most ``rows`` rows at a time, in the
        input's order; its rows read are counted once the last batch is taken.

        Raises:
            ValueError: ``rows`` below 1 (at once, not at the first batch).
        """
        return self._batches(_batch_rows(rows, self.product))

    def _batches(self, rows: int) -> Iterator[Any]:
        read = self._read_batches
        batches = read(rows) if read is not None else _cut(self._read(), rows)
        total = 0
        for batch in batches:
            total += len(batch)
            yield batch
        self.rows = total

    def __repr__(self) -> str:
        return f"DeferredInput({self.product!r}, rows={self.rows})"


def read_input(value: Any) -> Any:
    """The frame of an input: a :class:`DeferredInput` read now, a frame as it is."""
    return value.read() if isinstance(value, DeferredInput) else value


def input_batches(value: Any, *, rows: int) -> Iterator[Any]:
    """The rows of an input a frame of at most ``rows`` rows at a time: a
    :class:`DeferredInput`'s batches (:meth:`DeferredInput.batches`), a frame cut."""
    if isinstance(value, DeferredInput):
        return value.batches(rows=rows)
    return _cut(value, _batch_rows(rows, "input_batches"))


def _batch_rows(rows: int, reader: str) -> int:
    """``rows``, the most a batch of ``reader`` holds, when it is at least 1.

    Raises:
        ValueError: ``rows`` below 1, naming ``reader``.
    """
    if rows < 1:
        raise ValueError(f"{reader}: a batch holds at least one row, not {rows}")
    return rows


def _cut(frame: Any, rows: int) -> Iterator[Any]:
    """A frame (pandas, polars or Arrow) in slices of at most ``rows`` rows."""
    for start in range(0, len(frame), rows):
        yield frame[start : start + rows]


def rows_read(value: Any) -> int:
    """The rows a function read of an input: a deferred input's last read (0 when it
    was never read), a frame's length."""
    if isinstance(value, DeferredInput):
        return value.rows or 0
    return len(value)


@dataclass(frozen=True)
class PythonProduct:
    """A product computed in Python from upstream products loaded as DataFrames."""

    contract: type[DataContract]
    fn: Callable[..., Any]
    inputs: Mapping[str, str] = field(default_factory=dict)
    """Function parameter → upstream product ``domain.product``."""
    frame: FrameKind = "pandas"
    """How upstream products arrive."""
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Function parameter → the only columns loaded of its input (all when absent)."""
    order: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Function parameter → the columns its input's rows are ordered by, when declared."""
    deferred: frozenset[str] = frozenset()
    """Function parameters that receive a :class:`DeferredInput`."""

    def input_values(
        self,
        read: Callable[[str, str], Any],
        read_batches: Callable[[str, str, int], Iterable[Any]] | None = None,
    ) -> dict[str, Any]:
        """The function's input arguments: each parameter's frame read now, or a
        :class:`DeferredInput` around its readers when the parameter is ``deferred``.

        Args:
            read: reads one input's frame, given the parameter and its upstream product
                (the platform's engine and the benchmark's floor each pass their own).
            read_batches: reads it a batch of at most so many rows at a time, given the
                parameter, its upstream product and the rows (default: ``read``, cut).
        """
        return {
            name: DeferredInput(
                upstream,
                partial(read, name, upstream),
                None if read_batches is None else partial(read_batches, name, upstream),
            )
            if name in self.deferred
            else read(name, upstream)
            for name, upstream in self.inputs.items()
        }

    @property
    def upstream_products(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.inputs.values()))

    @property
    def source_path(self) -> Path:
        return Path(inspect.getsourcefile(self.fn) or "")

    @property
    def source_line(self) -> int:
        return inspect.getsourcelines(self.fn)[1]

    @property
    def takes_partition(self) -> bool:
        """Whether the function takes the partition key as ``partition``."""
        return "partition" in inspect.signature(self.fn).parameters

    def __call__(self, **frames: Any) -> Any:
        return self.fn(**frames)

    def definition(self) -> PythonDefinition:
        """The product's declaration, as the product-definition rules read it."""
        meta = self.contract.meta()
        return PythonDefinition(
            key=meta.key,
            contract=self.contract,
            file=f"{self.fn.__module__}.{self.fn.__name__}",
            inputs=dict(self.inputs),
            columns=dict(self.columns),
            order=dict(self.order),
            parameters=tuple(inspect.signature(self.fn).parameters),
        )

    def validate(self, contracts: Mapping[str, type[DataContract]]) -> None:
        """Check the inputs exist, are readable from this domain, and match the signature.

        Raises:
            ProductDefinitionError: naming the function, the input and the rule.
        """
        domain = self.contract.meta().domain
        refuse_broken([DomainDefinition(domain, python=(self.definition(),))], contracts)


def python_product(
    contract: type[DataContract],
    *,
    inputs: Mapping[str, str | Input] | None = None,
    frame: FrameKind = "pandas",
) -> Callable[[Callable[..., Any]], PythonProduct]:
    """Declare a Python product: ``inputs`` maps parameters to upstream products, given
    as ``"domain.product"`` (every column) or :class:`Input` (only the named columns)."""
    declared = {
        name: spec if isinstance(spec, Input) else Input(spec)
        for name, spec in (inputs or {}).items()
    }

    def wrap(fn: Callable[..., Any]) -> PythonProduct:
        return PythonProduct(
            contract=contract,
            fn=fn,
            inputs={name: spec.product for name, spec in declared.items()},
            frame=frame,
            columns={
                name: tuple(spec.columns)
                for name, spec in declared.items()
                if spec.columns is not None
            },
            order={
                name: tuple(spec.order_by)
                for name, spec in declared.items()
                if spec.order_by is not None
            },
            deferred=frozenset(name for name, spec in declared.items() if spec.deferred),
        )

    return wrap
