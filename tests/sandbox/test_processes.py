"""What every local service shares: its wait until it answers, its stop, apt-get."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sandbox.processes import (
    apt_failure,
    apt_refusal,
    project_file,
    stop_process,
    wait_until_ready,
)


class Failed(Exception):
    pass


def sleeper(*, group: bool = False, ignore_term: bool = False) -> subprocess.Popen[bytes]:
    # SIGTERM's default first: a test run started in the background ignores SIGINT, and
    # Dagster's interrupt capture then gives SIGTERM the same (ignored) disposition, which
    # a child inherits
    code = "import signal, time\n"
    code += f"signal.signal(signal.SIGTERM, signal.{'SIG_IGN' if ignore_term else 'SIG_DFL'})\n"
    code += "print('ready', flush=True)\ntime.sleep(60)\n"
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, start_new_session=group
    )
    assert process.stdout is not None
    assert process.stdout.readline() == b"ready\n"  # its signal handlers are in place
    return process


def test_a_stop_escalates_to_the_next_signal_and_says_whether_it_ran() -> None:
    stubborn = sleeper(ignore_term=True)
    started = time.monotonic()
    assert stop_process(stubborn, (signal.SIGTERM, signal.SIGKILL), timeout=0.5)
    assert stubborn.returncode == -signal.SIGKILL
    assert time.monotonic() - started < 10
    assert not stop_process(stubborn)  # gone already: no signal, not running


def test_a_group_stop_ends_the_whole_session() -> None:
    leader = sleeper(group=True)
    assert stop_process(leader, timeout=5, group=True)
    assert leader.returncode == -signal.SIGTERM
    with pytest.raises(ProcessLookupError):
        os.killpg(leader.pid, 0)


def test_a_service_that_exits_while_starting_is_reported_with_its_log(tmp_path: Path) -> None:
    log = tmp_path / "service.log"
    log.write_text("one\ntwo: the reason\n")
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    process.wait()
    with pytest.raises(Failed, match=r"(?s)^svc exited with code 3 while starting.*  \| two"):
        wait_until_ready(
            process, lambda: False, name="svc", where="here", log=log, error=Failed, timeout=5
        )


def test_a_service_that_never_answers_is_reported_with_the_last_refusal(tmp_path: Path) -> None:
    process = sleeper()
    calls = []

    def refuse() -> bool:
        calls.append(1)
        raise ConnectionRefusedError("refused")

    try:
        with pytest.raises(Failed, match=r"svc did not answer on here within 0 s \(refused\)"):
            wait_until_ready(
                process,
                refuse,
                name="svc",
                where="here",
                log=tmp_path / "none.log",
                error=Failed,
                timeout=0.3,
                retry_on=(ConnectionRefusedError,),
            )
        assert len(calls) > 1
        wait_until_ready(
            process, lambda: True, name="svc", where="here", log=tmp_path, error=Failed, timeout=1
        )
    finally:
        stop_process(process)


def test_apt_get_is_refused_with_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert apt_refusal("x is missing", ["a", "b"], "do y") == (
        "x is missing, and installing Debian's package needs root: run `sudo apt-get install a b`"
    )
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    assert apt_refusal("x is missing", ["a"], "do y") == (
        "x is missing, and this machine has no apt-get (not Debian or Ubuntu): do y"
    )
    monkeypatch.setattr(shutil, "which", lambda _name: "/usr/bin/apt-get")
    assert apt_refusal("x is missing", ["a"], "do y") is None


def test_a_failed_apt_get_quotes_the_end_of_its_output() -> None:
    output = "".join(f"line {n}\n" for n in range(20))
    done = subprocess.CompletedProcess(["apt-get", "install", "-y", "-q", "a"], 100, output, "E: x")
    message = apt_failure("x is missing", ["a"], done)
    assert message.startswith(
        "x is missing, and installing Debian's package a failed "
        "(apt-get install -y ... exited 100):"
    )
    assert message.splitlines()[1:] == [f"  | line {n}" for n in range(6, 20)] + ["  | E: x"]


SERVED = """
import sys
from sandbox.processes import LocalService, serve

class Toy(LocalService):
    def start(self):
        if sys.argv[1] == "broken":
            raise ValueError("no toy today")
        print("started", flush=True)
        return self

    def stop(self):
        print("stopped", flush=True)
        return True

sys.exit(serve(Toy(), ValueError, lambda: print("export TOY=1")))
"""


def test_a_served_service_runs_until_sigterm_then_stops() -> None:
    served = subprocess.Popen(
        [sys.executable, "-c", SERVED, "fine"], stdout=subprocess.PIPE, text=True
    )
    assert served.stdout is not None
    assert [served.stdout.readline(), served.stdout.readline()] == ["started\n", "export TOY=1\n"]
    served.send_signal(signal.SIGTERM)
    assert served.wait(30) == 0
    assert served.stdout.read() == "stopped\n"


def test_a_service_that_cannot_start_exits_1_with_the_reason() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SERVED, "broken"], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout, done.stderr) == (1, "", "error: no toy today\n")


def test_a_projects_file_is_found_above_the_sources_or_said_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    relative = Path("deploy") / "dagster" / "dagster.yaml"
    found = project_file(relative, Failed)
    assert found.is_file()
    assert found == Path(__file__).resolve().parents[2] / relative
    with pytest.raises(Failed, match=r"cannot find deploy/nothing\.txt above .* or the current"):
        project_file(Path("deploy") / "nothing.txt", Failed)
