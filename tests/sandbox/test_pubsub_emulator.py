"""The Pub/Sub emulator of the sandbox: installed when missing, started, stopped."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

from mesh_platform.streams.pubsub import (
    endpoint_from_environment,
    ensure_subscription,
    publisher_client,
    subscriber_client,
)
from sandbox.services.pubsub import PACKAGE, LocalPubSub, PubSubError, ensure_emulator

FAKE_APT_GET = """#!/bin/sh
echo "$DEBIAN_FRONTEND $*" >> "{log}"
case "$1" in
  update) touch "{updated}" ;;
  install)
    if [ -f "{updated}" ] && [ "{succeed}" = yes ]; then
      mkdir -p "$(dirname "{launcher}")" && touch "{launcher}"
    else
      echo "E: Unable to locate package {package}" >&2; exit 100
    fi ;;
esac
"""


def fake_apt_get(
    folder: Path, launcher: Path, monkeypatch: pytest.MonkeyPatch, *, succeed: bool
) -> Path:
    """An apt-get that knows the package only after ``apt-get update``; its log."""
    log, updated = folder / "apt-get.log", folder / "updated"
    script = folder / "bin" / "apt-get"
    script.parent.mkdir()
    script.write_text(
        FAKE_APT_GET.format(
            log=log,
            updated=updated,
            launcher=launcher,
            package=PACKAGE,
            succeed="yes" if succeed else "no",
        )
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    return log


def test_a_missing_emulator_that_cannot_be_installed_names_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    launcher = tmp_path / "bin" / "cloud-pubsub-emulator"
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(PubSubError, match=rf"sudo apt-get install {PACKAGE}"):
        ensure_emulator(launcher)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(PubSubError, match=rf"install Debian's package {PACKAGE}"):
        ensure_emulator(launcher)


def test_a_missing_emulator_is_installed_after_refreshing_the_package_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    launcher = tmp_path / "sdk" / "bin" / "cloud-pubsub-emulator"
    log = fake_apt_get(tmp_path, launcher, monkeypatch, succeed=True)
    assert ensure_emulator(launcher) == launcher
    calls = log.read_text().splitlines()
    assert [call.split()[1] for call in calls] == ["install", "update", "install"]
    assert calls[-1].endswith(f" {PACKAGE}")


def test_a_failed_installation_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    launcher = tmp_path / "sdk" / "bin" / "cloud-pubsub-emulator"
    fake_apt_get(tmp_path, launcher, monkeypatch, succeed=False)
    with pytest.raises(PubSubError, match=rf"(?s)package {PACKAGE} failed.*Unable to locate"):
        ensure_emulator(launcher)


def test_the_environment_names_the_emulator_or_pubsub_itself() -> None:
    assert endpoint_from_environment({}).emulator_host is None
    named = endpoint_from_environment(
        {"PUBSUB_EMULATOR_HOST": "127.0.0.1:9", "GOOGLE_CLOUD_PROJECT": "resorts-prod"}
    )
    assert (named.project, named.emulator_host) == ("resorts-prod", "127.0.0.1:9")


def test_the_emulator_serves_a_topic_and_stops_with_its_java_process(
    local_pubsub: LocalPubSub, tmp_path: Path
) -> None:
    endpoint = local_pubsub.endpoint
    ensure_subscription(endpoint, "pings", "pings-sub")
    ensure_subscription(endpoint, "pings", "pings-sub")  # twice: nothing to create
    publisher = publisher_client(endpoint)
    publisher.publish(publisher.topic_path(endpoint.project, "pings"), b"ping").result()
    subscriber = subscriber_client(endpoint)
    pulled = subscriber.pull(
        request={
            "subscription": subscriber.subscription_path(endpoint.project, "pings-sub"),
            "max_messages": 5,
        },
        timeout=10,
    )
    subscriber.close()
    assert [m.message.data for m in pulled.received_messages] == [b"ping"]

    own = LocalPubSub(tmp_path / "own")
    own.start()
    port = own.port
    assert port is not None
    assert own.stop()
    assert not own.stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
