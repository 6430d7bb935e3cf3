"""The local BigQuery emulator: it starts by itself and runs the GoogleSQL the mesh relies on.

The BigQuery engine and the in-warehouse checks use loads, ``CREATE OR REPLACE TABLE ...
AS SELECT``, ``MERGE``, copy jobs with ``WRITE_TRUNCATE``, column descriptions and table
options in DDL, ``REGEXP_CONTAINS``, ``ARRAY_AGG(... ORDER BY ... LIMIT n)``, ``COUNTIF``
and ``INFORMATION_SCHEMA``: each is pinned here against the emulator.
"""

from __future__ import annotations

import json
import os
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from google.api_core import exceptions
from google.cloud import bigquery

from sandbox.emulators.bigquery import (
    EMULATOR_HOST_VARIABLE,
    PYTHON_VARIABLE,
    REQUIREMENTS,
    BigQueryEmulator,
    EmulatorError,
    find_python,
    project_root,
)

PROJECT = "trident-local"
EXTENSIONS = {"icu", "json", "parquet", "ducklake", "spatial", "httpfs", "postgres", "inet"}

# google-cloud-bigquery announces that DataFrame loads will move to pandas-gbq.
dataframe_load = pytest.mark.filterwarnings("ignore:Loading (pandas )?DataFrame")


@pytest.fixture(scope="module")
def client(bigquery_emulator: BigQueryEmulator) -> Iterator[bigquery.Client]:
    with bigquery_emulator.client(PROJECT) as bq:
        yield bq


@pytest.fixture
def dataset(client: bigquery.Client) -> Iterator[str]:
    """An empty dataset of the test's own, dropped afterwards."""
    name = f"emulator_{uuid.uuid4().hex[:10]}"
    client.create_dataset(name)
    yield name
    client.delete_dataset(name, delete_contents=True, not_found_ok=True)


def _rows(client: bigquery.Client, sql: str) -> list[dict[str, Any]]:
    return [dict(row) for row in client.query_and_wait(sql)]


def _villages() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "village_id": ["V1", "V2", "V3"],
            "name": ["Alpe d'Huez", "Bali", "Cefalu"],
            "beds": [100, 250, 80],
            "rating": [4.5, 3.9, None],
        }
    )


def _load_villages(client: bigquery.Client, table: str) -> None:
    client.load_table_from_dataframe(_villages(), table).result()


@pytest.mark.bigquery
def test_the_emulator_answers_on_its_endpoint(bigquery_emulator: BigQueryEmulator) -> None:
    assert bigquery_emulator.endpoint == f"http://127.0.0.1:{bigquery_emulator.port}"
    assert os.environ[EMULATOR_HOST_VARIABLE] == bigquery_emulator.endpoint
    url = f"{bigquery_emulator.endpoint}/bigquery/v2/projects/{PROJECT}/datasets"
    with urllib.request.urlopen(url, timeout=10) as response:
        assert json.load(response)["kind"] == "bigquery#datasetList"
    with bigquery_emulator.client(PROJECT) as bq:
        assert _rows(bq, "SELECT 1 + 1 AS two") == [{"two": 2}]


@pytest.mark.bigquery
def test_the_emulator_runs_from_its_own_virtualenv_and_home(
    bigquery_emulator: BigQueryEmulator,
) -> None:
    assert bigquery_emulator.is_provisioned()
    assert bigquery_emulator.python.is_relative_to(bigquery_emulator.state_dir)
    runtime = bigquery_emulator.duckdb_runtime()
    assert runtime.version == "v1.5.5"
    folder = bigquery_emulator.home / ".duckdb" / "extensions" / runtime.version / runtime.platform
    assert {path.name.removesuffix(".duckdb_extension") for path in folder.iterdir()} >= EXTENSIONS
    assert bigquery_emulator.pid_path.read_text().strip() == str(bigquery_emulator.pid)


@pytest.mark.bigquery
def test_duckdb_extensions_load_without_downloading(client: bigquery.Client) -> None:
    (row,) = _rows(
        client,
        "SELECT JSON_VALUE('{\"a\": 7}', '$.a') AS json_value, "
        "DATETIME(TIMESTAMP '2024-01-01 12:00:00+00', 'Europe/Paris') AS paris",
    )
    assert row["json_value"] == "7"
    assert row["paris"].hour == 13


@pytest.mark.bigquery
@dataframe_load
def test_load_ctas_and_merge(client: bigquery.Client, dataset: str) -> None:
    _load_villages(client, f"{dataset}.villages")
    loaded = client.get_table(f"{dataset}.villages")
    assert loaded.num_rows == 3
    assert [(f.name, f.field_type) for f in loaded.schema] == [
        ("village_id", "STRING"),
        ("name", "STRING"),
        ("beds", "INTEGER"),
        ("rating", "FLOAT"),
    ]

    client.query_and_wait(
        f"CREATE OR REPLACE TABLE {dataset}.big AS "
        f"SELECT village_id, name, beds FROM {dataset}.villages WHERE beds >= 100"
    )
    client.query_and_wait(
        f"MERGE {dataset}.big AS t "
        "USING (SELECT 'V2' AS village_id, 'Bali Nusa' AS name, 300 AS beds "
        "       UNION ALL SELECT 'V9', 'Da Balaia', 40) AS s "
        "ON t.village_id = s.village_id "
        "WHEN MATCHED THEN UPDATE SET name = s.name, beds = s.beds "
        "WHEN NOT MATCHED THEN INSERT (village_id, name, beds) "
        "VALUES (s.village_id, s.name, s.beds)"
    )

    assert _rows(client, f"SELECT * FROM {dataset}.big ORDER BY village_id") == [
        {"village_id": "V1", "name": "Alpe d'Huez", "beds": 100},
        {"village_id": "V2", "name": "Bali Nusa", "beds": 300},
        {"village_id": "V9", "name": "Da Balaia", "beds": 40},
    ]


@pytest.mark.bigquery
@dataframe_load
def test_copy_with_write_truncate_replaces_the_target(
    client: bigquery.Client, dataset: str
) -> None:
    _load_villages(client, f"{dataset}.staging")
    client.query_and_wait(f"CREATE TABLE {dataset}.published AS SELECT 'old' AS village_id")
    truncate = bigquery.CopyJobConfig(write_disposition="WRITE_TRUNCATE")

    job = client.copy_table(f"{dataset}.staging", f"{dataset}.published", job_config=truncate)
    job.result()

    published = client.get_table(f"{dataset}.published")
    assert [f.name for f in published.schema] == ["village_id", "name", "beds", "rating"]
    assert _rows(client, f"SELECT village_id FROM {dataset}.published ORDER BY 1") == [
        {"village_id": "V1"},
        {"village_id": "V2"},
        {"village_id": "V3"},
    ]


@pytest.mark.bigquery
def test_a_failed_copy_leaves_the_target_as_it_was(client: bigquery.Client, dataset: str) -> None:
    client.query_and_wait(f"CREATE TABLE {dataset}.published AS SELECT 'kept' AS village_id")
    truncate = bigquery.CopyJobConfig(write_disposition="WRITE_TRUNCATE")

    with pytest.raises(exceptions.NotFound):
        client.copy_table(
            f"{dataset}.missing", f"{dataset}.published", job_config=truncate
        ).result()

    assert _rows(client, f"SELECT village_id FROM {dataset}.published") == [{"village_id": "kept"}]


@pytest.mark.bigquery
def test_copy_keeps_the_targets_descriptions_but_not_required_modes(
    client: bigquery.Client, dataset: str
) -> None:
    """What the emulator does (real BigQuery copies the source's schema with the data)."""
    ddl = (
        "(village_id STRING NOT NULL OPTIONS(description = 'The village.'), "
        " beds INT64 OPTIONS(description = 'Beds.')) "
        "OPTIONS(description = 'Villages.')"
    )
    client.query_and_wait(f"CREATE TABLE {dataset}.staging {ddl} AS SELECT 'V1', 10")
    client.query_and_wait(f"CREATE TABLE {dataset}.published {ddl} AS SELECT 'V0', 0")
    truncate = bigquery.CopyJobConfig(write_disposition="WRITE_TRUNCATE")

    client.copy_table(f"{dataset}.staging", f"{dataset}.published", job_config=truncate).result()

    published = client.get_table(f"{dataset}.published")
    assert published.description == "Villages."
    assert [(f.name, f.mode, f.description) for f in published.schema] == [
        ("village_id", "NULLABLE", "The village."),
        ("beds", "NULLABLE", "Beds."),
    ]
    assert _rows(client, f"SELECT * FROM {dataset}.published") == [{"village_id": "V1", "beds": 10}]


@pytest.mark.bigquery
def test_ddl_keeps_column_descriptions_and_table_options(
    client: bigquery.Client, dataset: str
) -> None:
    client.query_and_wait(
        f"CREATE OR REPLACE TABLE {dataset}.villages ("
        "  village_id STRING NOT NULL OPTIONS(description = 'The village.'),"
        "  beds INT64 OPTIONS(description = 'Beds on sale.')"
        ") OPTIONS(description = 'One row per village.', labels = [('domain', 'resorts')]) "
        "AS SELECT 'V1' AS village_id, 120 AS beds"
    )

    table = client.get_table(f"{dataset}.villages")
    assert table.description == "One row per village."
    assert table.labels == {"domain": "resorts"}
    assert [(f.name, f.mode, f.description) for f in table.schema] == [
        ("village_id", "REQUIRED", "The village."),
        ("beds", "NULLABLE", "Beds on sale."),
    ]
    with pytest.raises(exceptions.BadRequest, match="NOT NULL"):
        client.query_and_wait(f"INSERT INTO {dataset}.villages (village_id) VALUES (NULL)")


@pytest.mark.bigquery
@dataframe_load
def test_googlesql_functions_the_checks_use(client: bigquery.Client, dataset: str) -> None:
    _load_villages(client, f"{dataset}.villages")

    (row,) = _rows(
        client,
        "SELECT"
        "  COUNTIF(NOT REGEXP_CONTAINS(village_id, r'^V[12]$')) AS off_pattern,"
        "  COUNTIF(rating IS NULL) AS null_ratings,"
        "  ARRAY_AGG(village_id ORDER BY beds DESC LIMIT 2) AS biggest,"
        "  SAFE_DIVIDE(SUM(beds), 0) AS undefined "
        f"FROM {dataset}.villages",
    )

    assert row == {"off_pattern": 1, "null_ratings": 1, "biggest": ["V2", "V1"], "undefined": None}


@pytest.mark.bigquery
@dataframe_load
def test_information_schema_lists_tables_and_columns(client: bigquery.Client, dataset: str) -> None:
    _load_villages(client, f"{dataset}.villages")
    client.query_and_wait(f"CREATE TABLE {dataset}.big AS SELECT * FROM {dataset}.villages")

    tables = _rows(
        client,
        f"SELECT table_name, table_type FROM {dataset}.INFORMATION_SCHEMA.TABLES ORDER BY 1",
    )
    columns = _rows(
        client,
        f"SELECT column_name, data_type FROM {dataset}.INFORMATION_SCHEMA.COLUMNS "
        "WHERE table_name = 'villages' ORDER BY ordinal_position",
    )

    assert tables == [
        {"table_name": "big", "table_type": "BASE TABLE"},
        {"table_name": "villages", "table_type": "BASE TABLE"},
    ]
    assert [(c["column_name"], c["data_type"]) for c in columns] == [
        ("village_id", "STRING"),
        ("name", "STRING"),
        ("beds", "INT64"),
        ("rating", "FLOAT64"),
    ]


def test_requirements_live_in_the_project() -> None:
    requirements = (project_root() / REQUIREMENTS).read_text()
    assert "local-bigquery==0.3.2" in requirements
    assert "duckdb==1.5.5" in requirements
    for extension in EXTENSIONS:
        assert f"duckdb-extension-{extension}==1.5.5" in requirements


@pytest.mark.bigquery
def test_the_virtualenv_is_rebuilt_only_when_requirements_change(
    bigquery_emulator: BigQueryEmulator, tmp_path: Path
) -> None:
    same, changed = tmp_path / "same.txt", tmp_path / "changed.txt"
    same.write_bytes(bigquery_emulator.requirements.read_bytes())
    changed.write_bytes(bigquery_emulator.requirements.read_bytes() + b"six==1.17.0\n")

    def on(requirements: Path) -> BigQueryEmulator:
        return BigQueryEmulator(state_dir=bigquery_emulator.state_dir, requirements=requirements)

    assert on(same).is_provisioned()
    assert not on(changed).is_provisioned()


def test_no_python_313_gives_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    monkeypatch.setenv(PYTHON_VARIABLE, str(tmp_path / "python3.13"))

    with pytest.raises(EmulatorError, match=r"needs Python 3\.13, and none was found"):
        find_python()


def test_the_endpoint_needs_a_started_emulator(tmp_path: Path) -> None:
    with pytest.raises(EmulatorError, match="start it first"):
        _ = BigQueryEmulator(state_dir=tmp_path).endpoint
