"""Where lineage events go: OpenLineage's own configuration, else a local file.

OpenLineage's standard configuration wins, read by ``openlineage-python`` itself: an
``openlineage.yml`` (at ``$OPENLINEAGE_CONFIG``, in the working directory, or in
``~/.openlineage/``), ``OPENLINEAGE__TRANSPORT__*`` variables, ``OPENLINEAGE_URL`` (HTTP,
e.g. Marquez) or ``OPENLINEAGE_DISABLED=true``. When none of them names a transport,
events are appended, one JSON object per line, to the local state folder's lineage
file (:attr:`~mesh_platform.settings.MeshSettings.lineage_path`), through OpenLineage's
file transport in append mode. Appends of one line each are safe from several
processes at once on a local file system.
"""

from __future__ import annotations

import os
from pathlib import Path

from openlineage.client import OpenLineageClient
from openlineage.client.transport.file import FileConfig, FileTransport
from openlineage.client.transport.noop import NoopConfig, NoopTransport

DISABLED_VARIABLE = "OPENLINEAGE_DISABLED"
URL_VARIABLE = "OPENLINEAGE_URL"


def standard_configuration() -> bool:
    """Whether OpenLineage's standard configuration decides the transport."""
    if os.environ.get(DISABLED_VARIABLE, "").strip().lower() == "true":
        return True
    if os.environ.get(URL_VARIABLE):
        return True
    # The client merges openlineage.yml and OPENLINEAGE__* variables into its config;
    # a probe with a transport of its own reads that config without building another.
    probe = OpenLineageClient(transport=NoopTransport(NoopConfig()))
    return bool((probe.config.transport or {}).get("type"))


def local_file_transport(path: Path) -> FileTransport:
    """OpenLineage's file transport appending one event per line to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return FileTransport(FileConfig(log_file_path=str(path), append=True))


def build_client(lineage_path: Path) -> OpenLineageClient:
    """A client on the configured transport, else on the local lineage file."""
    if standard_configuration():
        return OpenLineageClient()
    return OpenLineageClient(transport=local_file_transport(lineage_path))
