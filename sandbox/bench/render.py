"""The benchmark's figures as terminal tables."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from sandbox.bench.figures import BenchReport, compare


def seconds(value: float | None) -> str:
    """Seconds, or a dash when a run has no such step.

    Example:
        >>> seconds(1.23456), seconds(None)
        ('1.235', '-')
    """
    return "-" if value is None else f"{value:.3f}"


def mebibytes(value: int | None) -> str:
    """Bytes as MiB, or a dash.

    Example:
        >>> mebibytes(3 * 2**20), mebibytes(None)
        ('3', '-')
    """
    return "-" if value is None else f"{value / 2**20:,.0f}"


def times(value: float | None) -> str:
    """A ratio as ``1.23x``, or a dash."""
    return "-" if value is None else f"{value:.2f}x"


def report_table(report: BenchReport) -> Table:
    """A row per step and the total: floor and build wall time, peak memory, ratios."""
    table = Table(
        title=Text(f"mesh build against its floor at scale {report.scale}"), show_lines=False
    )
    for name, justify in (
        ("step", "left"),
        ("floor (s)", "right"),
        ("build (s)", "right"),
        ("ratio", "right"),
        ("floor peak (MiB)", "right"),
        ("build peak (MiB)", "right"),
        ("ratio ", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for row in report.rows():
        table.add_row(
            row.name,
            seconds(row.floor_s),
            seconds(row.build_s),
            times(row.wall_ratio),
            mebibytes(row.floor_rss),
            mebibytes(row.build_rss),
            times(row.rss_ratio),
            style="bold" if row.name == "total" else None,
        )
    return table


def changes_table(before: BenchReport, after: BenchReport) -> Table:
    """The build then and now, per step and in total."""
    table = Table(
        title=Text(
            f"mesh build now ({after.revision or 'this run'}) against "
            f"{before.revision or 'the earlier run'} ({before.created_at:%Y-%m-%d %H:%M})"
        )
    )
    for name in (
        "step",
        "before (s)",
        "after (s)",
        "change",
        "before peak (MiB)",
        "after peak (MiB)",
        "change ",
        "ratio before",
        "ratio after",
    ):
        table.add_column(name, justify="left" if name == "step" else "right")
    for change in compare(before, after):
        table.add_row(
            change.name,
            seconds(change.before_s),
            seconds(change.after_s),
            times(change.wall_change),
            mebibytes(change.before_rss),
            mebibytes(change.after_rss),
            times(change.rss_change),
            times(change.before_ratio),
            times(change.after_ratio),
            style="bold" if change.name == "total" else None,
        )
    return table
