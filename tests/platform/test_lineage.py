"""OpenLineage emission: events valid against the specification, transports, ``mesh lineage``.

The specification's JSON schemas live in ``tests/fixtures/openlineage`` (see its README);
events and facets are validated offline, each ``$ref`` resolved by a registry of them.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import typer
from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import RunEvent
from openlineage.client.serde import Serde
from openlineage.client.transport.noop import NoopConfig, NoopTransport
from referencing import Registry, Resource
from typer.testing import CliRunner

from mesh_platform.cli.lineage import lineage
from mesh_platform.contract import DataContract
from mesh_platform.derive.checks import CheckResult, check_queries
from mesh_platform.derive.ddl import product_table
from mesh_platform.errors import ContractViolation
from mesh_platform.lineage import (
    JOB_NAMESPACE,
    LineageEmitter,
    RunState,
    read_history,
    run_event,
    run_uuid,
)
from mesh_platform.lineage import events as lineage_events
from mesh_platform.settings import get_settings
from tests.support.sample_contracts import SampleGuest, SampleStay

SPEC_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "openlineage"
CUSTOM_FACETS_DIR = Path(lineage_events.__file__).resolve().parent / "facets"
"""The schemas of the platform's own (custom) facets."""
CORE_ID = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
EARLIER_CORES = (
    "https://openlineage.io/spec/1-0-2/OpenLineage.json",
    "https://openlineage.io/spec/1-0-3/OpenLineage.json",
)
"""Core versions older facet schemas refer to for the base facets (see the README)."""

EXPECTED_FACETS = {
    "schema",
    "documentation",
    "ownership",
    "tags",
    "columnLineage",
    "dataQualityAssertions",
    "dataQualityMetrics",
    "sql",
    "jobType",
    "errorMessage",
    "inputStatistics",
    "outputStatistics",
    "rowAccounting",
}

ACCOUNTING = {
    "rows_read": {"customers.sample_guest": 40, "landing_bookings.stays": 1300},
    "rows_published": 1234,
    "rows_left_out": 66,
    "previous_rows": 1200,
    "left_out": [
        {
            "stage": "stays",
            "reason": "unknown_reference:customers.sample_guest",
            "rows": 66,
            "candidates": 1300,
            "share": 66 / 1300,
            "sample_keys": ["B1", "B2"],
        }
    ],
}
"""A run's accounting (``Accounting.as_dict``) for the COMPLETE event."""

SQL = "SELECT s.booking_id, s.season FROM landing_bookings.stays AS s"
INPUTS = ("customers.sample_guest", "landing_bookings.stays")
COLUMN_LINEAGE = {
    "booking_id": (("landing_bookings.stays", "booking_id"),),
    "customer_id": (("customers.sample_guest", "customer_id"), ("landing_bookings.stays", "guest")),
    "arrival_on": (),
}


# --- the specification ----------------------------------------------------------------------


def _formats() -> FormatChecker:
    """Every format jsonschema knows, plus ``date-time`` and ``uri`` (extras not installed)."""
    checker = FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        datetime.fromisoformat(value)
        return "T" in value.upper()

    @checker.checks("uri")
    def _uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parsed = urlparse(value)
        return bool(parsed.scheme and (parsed.netloc or parsed.path))

    return checker


class Spec:
    """The OpenLineage core schema and facet schemas, resolvable offline."""

    def __init__(self, *directories: Path) -> None:
        documents = [
            json.loads(p.read_text())
            for directory in directories
            for p in sorted(directory.rglob("*.json"))
        ]
        resources = {d["$id"]: Resource.from_contents(d) for d in documents}
        aliases = [(uri, resources[CORE_ID]) for uri in EARLIER_CORES]
        self.registry: Registry[Any] = Registry().with_resources([*resources.items(), *aliases])
        self.core = next(d for d in documents if d["$id"] == CORE_ID)
        self.facets: dict[str, dict[str, Any]] = {
            key: doc for doc in documents if doc["$id"] != CORE_ID for key in doc["properties"]
        }
        self.formats = _formats()

    def validator(self, schema: dict[str, Any]) -> Draft202012Validator:
        return Draft202012Validator(schema, registry=self.registry, format_checker=self.formats)

    def validate_event(self, event: dict[str, Any]) -> set[str]:
        """Validate ``event`` and each facet it carries; the facet keys validated."""
        self.validator(self.core).validate(event)
        validated: set[str] = set()
        for key, facet in _facets(event):
            schema = self.facets.get(key)
            if schema is not None:
                self.validator(schema).validate({key: facet})
                validated.add(key)
        return validated


def _facets(event: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    yield from (event["run"].get("facets") or {}).items()
    yield from (event["job"].get("facets") or {}).items()
    for dataset in [*event.get("inputs", []), *event.get("outputs", [])]:
        for group in ("facets", "inputFacets", "outputFacets"):
            yield from (dataset.get(group) or {}).items()


@pytest.fixture(scope="module")
def spec() -> Spec:
    return Spec(SPEC_DIR, CUSTOM_FACETS_DIR)


# --- the environment ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_openlineage_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No OpenLineage configuration unless a test sets one; the environment restored after.

    The client itself writes OPENLINEAGE__* variables when OPENLINEAGE_URL is set, so the
    whole environment is restored, not only what the test changed.
    """
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith("OPENLINEAGE"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))  # no ~/.openlineage/openlineage.yml
    monkeypatch.chdir(tmp_path)  # no ./openlineage.yml
    yield
    os.environ.clear()
    os.environ.update(saved)


def _check_results(
    contract: type[DataContract], *, failing: dict[str, tuple[int, tuple[str, ...]]]
) -> list[CheckResult]:
    """A result for each check of ``contract``; ``failing``: check name → (rows, sample)."""
    checks = check_queries(contract, "duckdb", product_table(contract))
    return [CheckResult(check, *failing.get(check.name, (0, ()))) for check in checks]


FAILED = {
    "not_null__customer_id": (2, ("row=1", "row=7")),
    "unique_grain": (4, ("customer_id=CU00000001", "customer_id=CU00000009")),
}
"""The checks of SampleGuest that fail in the FAIL event."""


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _materialise(emitter: LineageEmitter, run_id: str = "dagster-run-1") -> None:
    """START, COMPLETE of SampleStay; START, FAIL of SampleGuest."""
    emitter.start(run_id, SampleStay, inputs=INPUTS, sql=SQL, sql_dialect="bigquery")
    emitter.complete(
        run_id,
        SampleStay,
        inputs=INPUTS,
        row_count=1234,
        check_results=_check_results(SampleStay, failing={}),
        column_lineage=COLUMN_LINEAGE,
        sql=SQL,
        sql_dialect="bigquery",
        accounting=ACCOUNTING,
    )
    emitter.start(run_id, SampleGuest)
    results = _check_results(SampleGuest, failing=FAILED)
    key = "customers.sample_guest"
    violation = ContractViolation(key, [r.to_rule_failure(key) for r in results if not r.passed])
    try:
        raise violation
    except ContractViolation as error:
        emitter.fail(run_id, SampleGuest, error=error, check_results=results)


# --- events valid against the specification -------------------------------------------------


def test_start_complete_fail_events_and_their_facets_validate(spec: Spec) -> None:
    _materialise(LineageEmitter())
    events = _lines(get_settings().lineage_path)
    assert [e["eventType"] for e in events] == ["START", "COMPLETE", "START", "FAIL"]
    validated: set[str] = set()
    for event in events:
        validated |= spec.validate_event(event)
    assert validated >= EXPECTED_FACETS
    # the facet keys of every schema we hold were found in the events
    assert set(spec.facets) <= validated


def test_the_validation_catches_what_the_specification_forbids(spec: Spec) -> None:
    event = json.loads(Serde.to_json(_complete_event()))
    spec.validate_event(event)

    no_uuid = json.loads(json.dumps(event))
    no_uuid["run"]["runId"] = "dagster-run-1"
    with pytest.raises(ValidationError, match="uuid"):
        spec.validate_event(no_uuid)

    bad_assertion = json.loads(json.dumps(event))
    assertions = bad_assertion["outputs"][0]["facets"]["dataQualityAssertions"]["assertions"]
    del assertions[0]["success"]
    with pytest.raises(ValidationError, match="success"):
        spec.validate_event(bad_assertion)

    bad_lineage = json.loads(json.dumps(event))
    fields = bad_lineage["outputs"][0]["facets"]["columnLineage"]["fields"]
    del fields["booking_id"]["inputFields"][0]["field"]
    with pytest.raises(ValidationError, match="field"):
        spec.validate_event(bad_lineage)


def _complete_event() -> RunEvent:
    return run_event(
        RunState.COMPLETE,
        run_id="dagster-run-1",
        contract=SampleStay,
        engine="duckdb",
        inputs=INPUTS,
        sql=SQL,
        row_count=3,
        check_results=_check_results(SampleStay, failing={}),
        column_lineage=COLUMN_LINEAGE,
    )


def test_complete_event_carries_the_row_accounting(spec: Spec) -> None:
    event = json.loads(
        Serde.to_json(
            run_event(
                RunState.COMPLETE,
                run_id="dagster-run-1",
                contract=SampleStay,
                engine="duckdb",
                inputs=INPUTS,
                row_count=1234,
                accounting=ACCOUNTING,
            )
        )
    )
    assert spec.validate_event(event) >= {"inputStatistics", "outputStatistics", "rowAccounting"}
    read = {i["name"]: i["inputFacets"]["inputStatistics"]["rowCount"] for i in event["inputs"]}
    assert read == {"customers.sample_guest": 40, "landing_bookings.stays": 1300}
    output = event["outputs"][0]
    assert output["outputFacets"]["outputStatistics"]["rowCount"] == 1234
    facet = output["facets"]["rowAccounting"]
    assert facet["_schemaURL"].endswith(
        "RowAccountingDatasetFacet.json#/$defs/RowAccountingDatasetFacet"
    )
    assert facet["_producer"]
    assert facet["rowsRead"] == ACCOUNTING["rows_read"]
    assert (facet["rowsPublished"], facet["rowsLeftOut"], facet["previousRows"]) == (1234, 66, 1200)
    assert facet["leftOut"] == [
        {
            "stage": "stays",
            "reason": "unknown_reference:customers.sample_guest",
            "rows": 66,
            "candidates": 1300,
            "share": 66 / 1300,
            "sampleKeys": ["B1", "B2"],
        }
    ]

    broken = json.loads(json.dumps(event))
    del broken["outputs"][0]["facets"]["rowAccounting"]["rowsRead"]
    with pytest.raises(ValidationError, match="rowsRead"):
        spec.validate_event(broken)


def test_an_event_without_accounting_has_no_statistics() -> None:
    event = json.loads(Serde.to_json(_complete_event()))
    assert all("inputFacets" not in i or not i["inputFacets"] for i in event["inputs"])
    assert "rowAccounting" not in event["outputs"][0]["facets"]


def test_complete_event_describes_the_product_from_its_contract() -> None:
    event = json.loads(Serde.to_json(_complete_event()))
    assert event["job"]["namespace"] == JOB_NAMESPACE == "trident"
    assert event["job"]["name"] == "bookings.sample_stay"
    job_type = event["job"]["facets"]["jobType"]
    assert (job_type["integration"], job_type["processingType"], job_type["jobType"]) == (
        "TRIDENT",
        "BATCH",
        "DATA_PRODUCT",
    )
    assert event["job"]["facets"]["sql"]["query"] == SQL

    assert [(d["namespace"], d["name"]) for d in event["inputs"]] == [
        ("duckdb://trident", "customers.sample_guest"),
        ("duckdb://trident", "landing_bookings.stays"),
    ]
    (output,) = event["outputs"]
    assert (output["namespace"], output["name"]) == ("duckdb://trident", "bookings.sample_stay")
    facets = output["facets"]
    assert [f["name"] for f in facets["schema"]["fields"]][:3] == [
        "booking_id",
        "season",
        "customer_id",
    ]
    assert facets["documentation"]["description"].startswith("One row per booking and season")
    assert facets["ownership"]["owners"][0]["name"] == "team:Reservations"
    assert facets["dataQualityMetrics"]["rowCount"] == 3

    lineage_fields = facets["columnLineage"]["fields"]
    assert set(lineage_fields) == {"booking_id", "customer_id"}  # no input: no entry
    assert lineage_fields["customer_id"]["inputFields"] == [
        {"namespace": "duckdb://trident", "name": "customers.sample_guest", "field": "customer_id"},
        {"namespace": "duckdb://trident", "name": "landing_bookings.stays", "field": "guest"},
    ]

    assertions = facets["dataQualityAssertions"]["assertions"]
    checks = check_queries(SampleStay, "duckdb", product_table(SampleStay))
    assert [a["assertion"] for a in assertions] == [c.name for c in checks]
    assert all(a["success"] for a in assertions)
    by_name = {a["assertion"]: a for a in assertions}
    assert by_name["not_null__customer_id"]["column"] == "customer_id"
    assert "column" not in by_name["unique_grain"]  # a table-level rule


def test_fail_event_carries_the_error_and_the_failed_assertions(spec: Spec) -> None:
    _materialise(LineageEmitter())
    fail = _lines(get_settings().lineage_path)[-1]
    spec.validate_event(fail)
    assert fail["eventType"] == "FAIL"
    assert fail["job"]["name"] == "customers.sample_guest"

    error = fail["run"]["facets"]["errorMessage"]
    assert error["programmingLanguage"] == "python"
    assert "ContractViolation: customers.sample_guest: 2 contract rule(s)" in error["message"]
    assert "Traceback (most recent call last)" in error["stackTrace"]
    assert "raise violation" in error["stackTrace"]

    assertions = fail["outputs"][0]["facets"]["dataQualityAssertions"]["assertions"]
    failed = {a["assertion"]: a for a in assertions if not a["success"]}
    assert set(failed) == set(FAILED)
    not_null = failed["not_null__customer_id"]
    assert not_null["column"] == "customer_id"
    assert not_null["actual"] == "2"
    assert not_null["params"]["sample"] == ["row=1", "row=7"]
    assert failed["unique_grain"]["params"]["failing_rows"] == 4
    assert sum(a["success"] for a in assertions) == len(assertions) - 2


def test_fail_event_of_a_plain_error_message(spec: Spec) -> None:
    event = json.loads(
        Serde.to_json(
            run_event(
                RunState.FAIL,
                run_id="r",
                contract=SampleGuest,
                engine="bigquery",
                error="query failed: no such column x",
            )
        )
    )
    spec.validate_event(event)
    assert event["run"]["facets"]["errorMessage"]["message"] == "query failed: no such column x"
    assert "stackTrace" not in event["run"]["facets"]["errorMessage"]
    assert "dataQualityAssertions" not in event["outputs"][0]["facets"]
    assert event["outputs"][0]["namespace"] == "bigquery"


# --- run ids ------------------------------------------------------------------------------


def test_run_ids_are_stable_uuids_one_per_product_and_partition() -> None:
    _materialise(LineageEmitter(), run_id="0d6f3a1e-93c4-4d0e-9f35-5b0b0b4f5a10")
    events = _lines(get_settings().lineage_path)
    run_ids = [e["run"]["runId"] for e in events]
    for run_id in run_ids:
        assert str(uuid.UUID(run_id)) == run_id
    stay_start, stay_complete, guest_start, guest_fail = run_ids
    assert stay_start == stay_complete  # START and COMPLETE pair up
    assert guest_start == guest_fail
    assert stay_start != guest_start  # one run per product, even in one Dagster run
    assert stay_start == run_uuid("0d6f3a1e-93c4-4d0e-9f35-5b0b0b4f5a10", "bookings.sample_stay")
    assert run_uuid("r", "bookings.sample_stay", "2023-24") != run_uuid("r", "bookings.sample_stay")
    tags = {t["key"]: t["value"] for t in events[0]["run"]["facets"]["tags"]["tags"]}
    assert tags["dagster_run_id"] == "0d6f3a1e-93c4-4d0e-9f35-5b0b0b4f5a10"
    assert tags["engine"] == "duckdb"


# --- transports -----------------------------------------------------------------------------


def test_default_transport_appends_json_lines_in_the_state_folder() -> None:
    path = get_settings().lineage_path
    assert path == Path(os.environ["MESH_STATE_DIR"]) / "lineage" / "events.jsonl"
    assert not path.exists()
    with LineageEmitter() as emitter:
        emitter.start("run-1", SampleGuest)
    with LineageEmitter() as emitter:  # another process, say: appends to the same file
        emitter.complete("run-1", SampleGuest, row_count=3)
    events = _lines(path)
    assert [(e["eventType"], e["job"]["name"]) for e in events] == [
        ("START", "customers.sample_guest"),
        ("COMPLETE", "customers.sample_guest"),
    ]
    assert list(path.parent.iterdir()) == [path]  # one file, no timestamped files


def test_console_transport_configured_by_environment(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TYPE", "console")
    with caplog.at_level(logging.INFO, logger="openlineage.client.transport.console"):
        LineageEmitter().start("run-1", SampleGuest)
    logged = [json.loads(r.getMessage()) for r in caplog.records if r.name.endswith("console")]
    assert [(e["eventType"], e["job"]["name"]) for e in logged] == [
        ("START", "customers.sample_guest")
    ]
    assert not get_settings().lineage_path.exists()


def test_file_transport_configured_by_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: Spec
) -> None:
    target = tmp_path / "elsewhere.jsonl"
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TYPE", "file")
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__LOG_FILE_PATH", str(target))
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__APPEND", "true")
    _materialise(LineageEmitter())
    events = _lines(target)
    assert [e["eventType"] for e in events] == ["START", "COMPLETE", "START", "FAIL"]
    for event in events:
        spec.validate_event(event)
    assert not get_settings().lineage_path.exists()


def test_openlineage_yml_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "from-yml.jsonl"
    (tmp_path / "openlineage.yml").write_text(
        f"transport:\n  type: file\n  log_file_path: {target}\n  append: true\n"
    )  # found in the working directory, where OpenLineage looks
    LineageEmitter().start("run-1", SampleGuest)
    assert [e["eventType"] for e in _lines(target)] == ["START"]
    assert not get_settings().lineage_path.exists()


def test_openlineage_disabled_emits_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENLINEAGE_DISABLED", "true")
    event = LineageEmitter().start("run-1", SampleGuest)
    assert event.eventType == RunState.START
    assert not get_settings().lineage_path.exists()


def _unused_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_lineage_backend_that_is_down_only_warns(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    port = _unused_port()  # bound then released: nothing listens there
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TYPE", "http")
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TIMEOUT", "2")
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__RETRY", '{"total": 0}')
    with caplog.at_level(logging.WARNING, logger="mesh_platform.lineage"), LineageEmitter() as em:
        start = em.start("run-1", SampleGuest)
        fail = em.fail("run-1", SampleGuest, error=RuntimeError("the query failed"))
    assert (start.eventType, fail.eventType) == (RunState.START, RunState.FAIL)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert all("customers.sample_guest" in r.getMessage() for r in warnings)
    assert all("http transport" in r.getMessage() for r in warnings)
    assert "START" in warnings[0].getMessage()
    assert "FAIL" in warnings[1].getMessage()
    assert not get_settings().lineage_path.exists()


def test_a_transport_that_cannot_be_built_only_warns(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TYPE", "file")  # without log_file_path
    with caplog.at_level(logging.WARNING, logger="mesh_platform.lineage"):
        emitter = LineageEmitter()
        emitter.start("run-1", SampleGuest)
        emitter.complete("run-1", SampleGuest)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # said once, not at every event
    assert "log_file_path" in warnings[0]


def test_an_explicit_client_is_used_as_is() -> None:
    client = OpenLineageClient(transport=NoopTransport(NoopConfig()))
    LineageEmitter(client).start("run-1", SampleGuest)
    assert not get_settings().lineage_path.exists()


# --- mesh lineage ---------------------------------------------------------------------------


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("lineage")(lineage)

    @app.callback()
    def _main() -> None:
        """The mesh command (only `lineage` here)."""

    return app


runner = CliRunner()


def test_mesh_lineage_shows_the_last_events_of_each_product() -> None:
    _materialise(LineageEmitter())
    result = runner.invoke(_app(), ["lineage"], env={"COLUMNS": "220"})
    assert result.exit_code == 0, result.output
    out = result.output
    for text in ("bookings.sample_stay", "customers.sample_guest", "COMPLETE", "FAIL", "1,234"):
        assert text in out
    assert "not_null__customer_id (2 rows)" in out
    assert "unique_grain (4 rows)" in out
    assert "ContractViolation" in out
    assert run_uuid("dagster-run-1", "bookings.sample_stay") in out
    assert "4 event(s) of 2 product(s)" in out


def test_mesh_lineage_filters_by_product_and_limits_per_product() -> None:
    _materialise(LineageEmitter(), run_id="run-1")
    _materialise(LineageEmitter(), run_id="run-2")
    result = runner.invoke(_app(), ["lineage", "--product", "bookings.sample_stay", "--limit", "3"])
    assert result.exit_code == 0, result.output
    assert "customers.sample_guest" not in result.output
    assert result.output.count("bookings.sample_stay") == 3
    assert "3 event(s) of 1 product(s)" in result.output

    records = read_history(get_settings().lineage_path).last_events("bookings.sample_stay", 3)
    assert [r.event_type for r in records] == ["COMPLETE", "START", "COMPLETE"]
    assert records[0].run_id == run_uuid("run-2", "bookings.sample_stay")


def test_mesh_lineage_without_events_and_with_a_bad_product() -> None:
    result = runner.invoke(_app(), ["lineage"])
    assert result.exit_code == 0
    assert "No lineage events" in result.output

    result = runner.invoke(_app(), ["lineage", "--product", "sample_stay"])
    assert result.exit_code == 2
    assert "expected domain.product" in result.output


def test_history_skips_lines_that_are_not_product_run_events() -> None:
    path = get_settings().lineage_path
    LineageEmitter().start("run-1", SampleGuest)
    with path.open("a") as lines:
        lines.write("not json\n")
        lines.write(json.dumps({"eventType": "START", "job": {"namespace": "other", "name": "x"}}))
        lines.write("\n")
    history = read_history(path)
    assert [r.product for r in history.records] == ["customers.sample_guest"]
    assert history.skipped == 2
    result = runner.invoke(_app(), ["lineage"])
    assert "2 line(s) skipped" in result.output
