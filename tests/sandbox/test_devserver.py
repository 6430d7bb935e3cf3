"""The local deployment behind ``mesh dev``, piece by piece (the whole of it runs in
``tests/e2e/test_dev_ui.py``)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from mesh_platform.domains import DOMAINS
from sandbox.devserver import (
    Child,
    CodeLocation,
    CodeServer,
    DevServerError,
    code_server_command,
    declared_locations,
    free_ports,
    grpc_workspace,
    port_in_use,
    stop_children,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_repository_workspace_declares_the_twelve_domains() -> None:
    locations = declared_locations(REPO_ROOT / "workspace.yaml")

    assert [location.module for location in locations] == [
        f"domains.{domain}.definitions" for domain in DOMAINS
    ]


def test_without_a_workspace_file_the_twelve_domains_are_served() -> None:
    locations = declared_locations(None)

    assert [location.name for location in locations] == list(DOMAINS)


def test_workspace_entries_keep_names_and_working_directories(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace.yaml"
    workspace.write_text(
        yaml.safe_dump(
            {
                "load_from": [
                    {"python_module": "domains.sales.definitions"},
                    {
                        "python_module": {
                            "module_name": "domains.web.definitions",
                            "location_name": "web",
                            "working_directory": "code",
                        }
                    },
                ]
            }
        )
    )

    sales, web = declared_locations(workspace)

    assert sales == CodeLocation("domains.sales.definitions", "domains.sales.definitions")
    assert web.name == "web"
    assert web.working_directory == (tmp_path / "code").resolve()
    command = code_server_command(web, "127.0.0.1", 4000)
    assert command[:4] == [sys.executable, "-m", "dagster", "api"]
    assert command[command.index("--location-name") :][:2] == ["--location-name", "web"]
    assert str((tmp_path / "code").resolve()) in command


def test_an_entry_mesh_dev_cannot_start_is_refused_by_name(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace.yaml"
    workspace.write_text(yaml.safe_dump({"load_from": [{"python_file": "defs.py"}]}))

    with pytest.raises(DevServerError) as error:
        declared_locations(workspace)

    assert "workspace.yaml" in str(error.value)
    assert "rule python_module_only" in str(error.value)
    assert "python_file" in str(error.value)


def test_the_generated_workspace_names_each_code_server_by_address() -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    servers = [CodeServer("sales", process, host="127.0.0.1", port=4001)]

    assert grpc_workspace(servers) == {
        "load_from": [
            {"grpc_server": {"host": "127.0.0.1", "port": 4001, "location_name": "sales"}}
        ]
    }


def test_free_ports_are_distinct_and_free() -> None:
    ports = free_ports(5)

    assert len(set(ports)) == 5
    assert not any(port_in_use("127.0.0.1", port) for port in ports)


def test_a_failed_location_reports_the_first_cause_and_the_end_of_its_log(tmp_path: Path) -> None:
    log = tmp_path / "sales.log"
    lines = [
        "\x1b[32mloading\x1b[0m",
        "Traceback (most recent call last):",
        "ModuleNotFoundError: No module named 'domains.salez'",
        "During handling of the above exception, another exception occurred:",
        *[f"  frame {n}" for n in range(30)],
        "dagster._core.errors.DagsterImportError: Encountered ImportError",
    ]
    log.write_text("\n".join(lines))
    child = Child("sales", subprocess.Popen([sys.executable, "-c", "pass"]), log)
    child.process.wait()

    tail = child.tail(lines=5)

    assert "ModuleNotFoundError: No module named 'domains.salez'" in tail
    assert "DagsterImportError" in tail
    assert "\x1b[" not in tail
    assert "frame 3" not in tail


def test_stopping_ends_each_child_and_what_it_started() -> None:
    """A child that ignores SIGTERM is killed after the timeout; the grandchild it
    started in its process group goes with it."""
    script = (
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, process_group=0
    )
    assert process.stdout is not None
    grandchild = int(process.stdout.readline())
    child = Child("stubborn", process)

    started = time.monotonic()
    stop_children([child], timeout=1.0)

    assert process.returncode is not None
    assert time.monotonic() - started < 30
    deadline = time.monotonic() + 10
    while Path(f"/proc/{grandchild}").exists() and time.monotonic() < deadline:
        status = Path(f"/proc/{grandchild}/stat").read_text().split()[2]
        if status == "Z":  # a zombie: dead, waiting for its (gone) parent to be reaped
            break
        time.sleep(0.1)
    alive = Path(f"/proc/{grandchild}").exists() and (
        Path(f"/proc/{grandchild}/stat").read_text().split()[2] != "Z"
    )
    assert not alive, "the grandchild outlived the stop"
