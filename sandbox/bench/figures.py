"""The benchmark's figures: what each run measured, their ratios, and how two
benchmarks compare. Pure data, written and read as JSON.

Example:
    >>> floor = RunFigures(kind="floor", wall_s=9.0, peak_rss=100, steps={
    ...     "landing": StepFigure(wall_s=2.0, peak_rss=80),
    ...     "resorts.villages": StepFigure(wall_s=0.5, peak_rss=90)})
    >>> build = RunFigures(kind="build", wall_s=12.0, peak_rss=150, steps={
    ...     "landing": StepFigure(wall_s=2.2, peak_rss=80),
    ...     "resorts.villages": StepFigure(wall_s=0.6, peak_rss=95)})
    >>> report = BenchReport(scale="tiny", seed=1, threads=2, floor=floor, build=build)
    >>> [(row.name, row.wall_ratio) for row in report.rows()]
    [('landing', 1.1), ('resorts.villages', 1.2), ('total', 4.8)]
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

TOTAL = "total"
"""The name of the row of the whole run in :meth:`BenchReport.rows`."""

LANDING = "landing"
"""The name of the landing simulation's step."""


class StepFigure(BaseModel):
    """One measured step: the landing simulation or one product."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    wall_s: float = Field(ge=0, description="Wall time of the step, in seconds.")
    peak_rss: int = Field(ge=0, description="Peak resident memory during the step, in bytes.")
    rows: int | None = Field(None, description="Rows the step wrote, when it says.")


class RunFigures(BaseModel):
    """One run (the floor or the build): the whole process and its steps."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str = Field(description="``floor`` or ``build``.")
    wall_s: float = Field(ge=0, description="Wall time of the whole process, in seconds.")
    peak_rss: int = Field(ge=0, description="Peak resident memory of the whole process, bytes.")
    steps: dict[str, StepFigure] = Field(
        default_factory=dict, description="The landing simulation and each product, in order."
    )

    @property
    def work_s(self) -> float:
        """The wall time of the steps alone (no interpreter start, no imports)."""
        return sum(step.wall_s for step in self.steps.values())


class Row(BaseModel):
    """One line of the benchmark's table: a step (or the total) in both runs."""

    model_config = ConfigDict(frozen=True)

    name: str
    floor_s: float | None
    build_s: float | None
    wall_ratio: float | None
    floor_rss: int | None
    build_rss: int | None
    rss_ratio: float | None


class BenchReport(BaseModel):
    """A whole benchmark: the world it ran on and both runs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scale: str
    seed: int
    threads: int = Field(description="DuckDB threads of both runs.")
    created_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))
    revision: str = Field("", description="The code's git revision, when known.")
    floor: RunFigures
    build: RunFigures

    def rows(self) -> list[Row]:
        """A row per step, in the build's order (then steps only the floor has), then
        the total: the floor's work (its steps' time, without the interpreter's start
        and imports) against the whole build process, and both processes' peaks."""
        names = list(self.build.steps) + [n for n in self.floor.steps if n not in self.build.steps]
        rows = [
            self._row(name, self.floor.steps.get(name), self.build.steps.get(name))
            for name in names
        ]
        floor_total = StepFigure(wall_s=self.floor.work_s, peak_rss=self.floor.peak_rss)
        build_total = StepFigure(wall_s=self.build.wall_s, peak_rss=self.build.peak_rss)
        rows.append(self._row(TOTAL, floor_total, build_total))
        return rows

    @staticmethod
    def _row(name: str, floor: StepFigure | None, build: StepFigure | None) -> Row:
        return Row(
            name=name,
            floor_s=floor.wall_s if floor else None,
            build_s=build.wall_s if build else None,
            wall_ratio=ratio(build.wall_s if build else None, floor.wall_s if floor else None),
            floor_rss=floor.peak_rss if floor else None,
            build_rss=build.peak_rss if build else None,
            rss_ratio=ratio(build.peak_rss if build else None, floor.peak_rss if floor else None),
        )

    def write(self, path: Path) -> None:
        """Write the report as JSON."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.model_dump_json(indent=2) + "\n")

    @classmethod
    def read(cls, path: Path) -> BenchReport:
        """Read a report :meth:`write` wrote.

        Raises:
            ValueError: the file is not a benchmark report (naming the file).
        """
        try:
            return cls.model_validate_json(path.read_text())
        except ValueError as error:
            raise ValueError(f"{path}: not a mesh bench report: {error}") from error


class Change(BaseModel):
    """One step of two benchmarks: the build's figures then and now."""

    model_config = ConfigDict(frozen=True)

    name: str
    before_s: float | None
    after_s: float | None
    wall_change: float | None
    """``after_s / before_s``: below 1 is faster."""
    before_rss: int | None
    after_rss: int | None
    rss_change: float | None
    before_ratio: float | None
    """The build-to-floor wall ratio then."""
    after_ratio: float | None


def compare(before: BenchReport, after: BenchReport) -> list[Change]:
    """The build's figures of ``after`` against those of ``before``, step by step (the
    steps of both, in ``after``'s order, then those only ``before`` has) and in total.

    Raises:
        ValueError: the two ran at different scales (their figures do not compare).
    """
    if before.scale != after.scale:
        raise ValueError(
            f"cannot compare a benchmark at scale {before.scale!r} with one at {after.scale!r}"
        )
    old = {row.name: row for row in before.rows()}
    new = {row.name: row for row in after.rows()}
    names = [n for n in new if n != TOTAL] + [n for n in old if n not in new] + [TOTAL]
    changes = []
    for name in names:
        was, now = old.get(name), new.get(name)
        changes.append(
            Change(
                name=name,
                before_s=was.build_s if was else None,
                after_s=now.build_s if now else None,
                wall_change=ratio(now.build_s if now else None, was.build_s if was else None),
                before_rss=was.build_rss if was else None,
                after_rss=now.build_rss if now else None,
                rss_change=ratio(now.build_rss if now else None, was.build_rss if was else None),
                before_ratio=was.wall_ratio if was else None,
                after_ratio=now.wall_ratio if now else None,
            )
        )
    return changes


def ratio(value: float | None, base: float | None) -> float | None:
    """``value / base`` rounded to three significant decimals; ``None`` when either is
    missing or ``base`` is zero.

    Example:
        >>> ratio(3.0, 2.0), ratio(1.0, 0.0), ratio(None, 2.0)
        (1.5, None, None)
    """
    if value is None or base is None or base <= 0:
        return None
    return round(value / base, 3)
