"""The local Dagster deployment behind ``mesh dev`` (:mod:`sandbox.devserver.deployment`)."""

from sandbox.devserver.deployment import (
    Child,
    CodeLocation,
    CodeServer,
    DevOptions,
    DevServerError,
    Ready,
    code_server_command,
    declared_locations,
    free_ports,
    grpc_workspace,
    port_in_use,
    serve,
    stop_children,
)

__all__ = [
    "Child",
    "CodeLocation",
    "CodeServer",
    "DevOptions",
    "DevServerError",
    "Ready",
    "code_server_command",
    "declared_locations",
    "free_ports",
    "grpc_workspace",
    "port_in_use",
    "serve",
    "stop_children",
]
