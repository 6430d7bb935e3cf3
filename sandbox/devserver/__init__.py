"""The local Dagster deployment behind ``mesh dev``: code servers, webserver and daemon.

``dagster dev`` has the webserver start and load its code servers one after another;
with twelve locations that is most of the wait. Here every location's code server
starts at once and the platform waits until each answers; only then does it write a
workspace whose entries are ``grpc_server`` addresses and start the webserver on it,
then the daemon. By default (on Linux) the code servers are forked from this process
once it has imported Dagster and the platform, which every location needs: the import
is paid once instead of twelve times, which matters most on few cores.

Every child runs in its own process group. Ctrl-C, SIGTERM or SIGHUP stops the
webserver and daemon, then the code servers, each group with what it started; nothing
outlives ``mesh dev``. The locations come from the declared workspace
(``workspace.yaml``, the one ``dagster dev`` reads); the generated workspace and each
code server's log go to ``<state_dir>/dev/``.
"""

from sandbox.devserver.deployment import Deployment, Ready, serve
from sandbox.devserver.processes import (
    Child,
    CodeServer,
    DevServerError,
    ForkedProcess,
    Stopped,
    stop_children,
)
from sandbox.devserver.workspace import (
    CodeLocation,
    DevOptions,
    code_server_command,
    declared_locations,
    free_ports,
    grpc_workspace,
    port_in_use,
)

__all__ = [
    "Child",
    "CodeLocation",
    "CodeServer",
    "Deployment",
    "DevOptions",
    "DevServerError",
    "ForkedProcess",
    "Ready",
    "Stopped",
    "code_server_command",
    "declared_locations",
    "free_ports",
    "grpc_workspace",
    "port_in_use",
    "serve",
    "stop_children",
]
