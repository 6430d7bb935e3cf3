"""What every local service the sandbox starts needs: a free port, a lock between
processes, the end of its log for an error message, Debian's packages installed with
apt-get, a wait until it answers, a stop that leaves no process behind, and a
``python -m`` entry point that serves it until Ctrl-C."""

from __future__ import annotations

import abc
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

LOG_TAIL_LINES = 40
"""Lines of a service's log quoted when it fails."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def tail(path: Path, lines: int = LOG_TAIL_LINES, *, prefix: str = "") -> str:
    """The last ``lines`` of the log at ``path``, each after ``prefix``.

    Example:
        >>> tail(Path("/nonexistent.log"))
        '(no log)'
    """
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"{prefix}(no log)"
    return "\n".join(f"{prefix}{line}" for line in text.splitlines()[-lines:]) or (
        f"{prefix}(empty log)"
    )


def project_file(relative: Path, error: Callable[[str], Exception]) -> Path:
    """A file of the project a service needs (its configuration, its requirements),
    found above this package's sources (a checkout), else above the current directory.

    Args:
        relative: the file's path from the project's root.
        error: makes the exception to raise from a message.

    Raises:
        Exception: ``error(...)``: no folder above holds the file.
    """
    here = Path(__file__).resolve()
    cwd = Path.cwd().resolve()
    for folder in (*here.parents, cwd, *cwd.parents):
        if (folder / relative).is_file():
            return folder / relative
    raise error(f"cannot find {relative.as_posix()} above {here.parent} or the current directory")


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock between processes (test workers, commands) on ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# -- Debian packages -------------------------------------------------------------------

APT_LOCK_TIMEOUT = 300
"""Seconds apt-get waits for another apt-get or dpkg to finish."""
APT_OUTPUT_LINES = 15
"""Lines of apt-get's output quoted when an installation fails."""


def can_apt_install() -> bool:
    """Whether this process may install Debian's packages: root, with apt-get."""
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def apt_refusal(wanted: str, packages: Sequence[str], otherwise: str) -> str | None:
    """Why the missing ``packages`` cannot be installed here, or ``None`` when they can.

    Args:
        wanted: what is missing, e.g. ``OpenLDAP's server is not installed (no ...)``.
        packages: Debian's packages that bring it.
        otherwise: what to do on a machine without apt-get.
    """
    if os.geteuid() != 0:
        return (
            f"{wanted}, and installing Debian's package needs root: "
            f"run `sudo apt-get install {' '.join(packages)}`"
        )
    if shutil.which("apt-get") is None:
        return f"{wanted}, and this machine has no apt-get (not Debian or Ubuntu): {otherwise}"
    return None


def _apt_get(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command),
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )


def apt_install(
    packages: Sequence[str], *, what: str, recommends: bool = False
) -> subprocess.CompletedProcess[str]:
    """Install Debian's ``packages`` quietly with apt-get, refreshing apt's package lists
    when the first attempt fails (a fresh machine may have none).

    Args:
        packages: the packages to install.
        what: what they are, for the line printed on standard error.
        recommends: install the packages they recommend too.

    Returns:
        apt-get's last run: its ``returncode`` is 0 when the packages are installed.
    """
    lock = f"DPkg::Lock::Timeout={APT_LOCK_TIMEOUT}"
    install = ["apt-get", "install", "-y", "-q"]
    install += [] if recommends else ["--no-install-recommends"]
    install += ["-o", lock, *packages]
    print(f"installing {what}: {' '.join(install)}", file=sys.stderr)
    done = _apt_get(install)
    if done.returncode != 0:
        updated = _apt_get(["apt-get", "update", "-q", "-o", lock])
        done = _apt_get(install) if updated.returncode == 0 else updated
    return done


def apt_output(done: subprocess.CompletedProcess[str], lines: int = APT_OUTPUT_LINES) -> str:
    """The end of what an apt-get run printed, quoted for an error message."""
    output = (done.stdout + done.stderr).strip().splitlines()[-lines:]
    return "\n".join(f"  | {line}" for line in output)


def apt_failure(
    wanted: str, packages: Sequence[str], done: subprocess.CompletedProcess[str]
) -> str:
    """Why installing ``packages`` with apt-get (``done``, its last run) failed."""
    return (
        f"{wanted}, and installing Debian's package {' '.join(packages)} failed "
        f"({' '.join(done.args[:3])} ... exited {done.returncode}):\n{apt_output(done)}"
    )


# -- a service's process ---------------------------------------------------------------


def die_with_parent() -> None:
    """In the child, before its program runs: SIGTERM when the starting process dies
    (Linux; kept across ``exec``), so no service outlives it. A ``preexec_fn``."""
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def launch(
    command: Sequence[str | Path],
    log: Path,
    *,
    append: bool = True,
    with_parent: bool = False,
    new_session: bool = True,
    **options: Any,
) -> subprocess.Popen[bytes]:
    """Start a service's program, its output (both streams) into ``log``.

    Args:
        command: the program and its arguments.
        log: the log file, opened for the program.
        append: add to the log rather than start it anew.
        with_parent: the program gets SIGTERM when this process dies
            (:func:`die_with_parent`).
        new_session: start it in a session of its own (a terminal's Ctrl-C is for us,
            not for it).
        options: more of :class:`subprocess.Popen`'s arguments (``env``, ``cwd``).
    """
    if with_parent:
        options["preexec_fn"] = die_with_parent  # a prctl only: no lock taken in the child
    with log.open("ab" if append else "wb") as output:
        return subprocess.Popen(
            [str(part) for part in command],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=new_session,
            **options,
        )


def wait_until_ready(
    process: subprocess.Popen[bytes],
    ready: Callable[[], object],
    *,
    name: str,
    where: str,
    log: Path,
    error: Callable[[str], Exception],
    timeout: float,
    interval: float = 0.1,
    retry_on: tuple[type[Exception], ...] = (),
    log_lines: int = LOG_TAIL_LINES,
    log_prefix: str = "  | ",
    waiting_for: str = "answer",
) -> None:
    """Wait until a service just started answers, or raise why it does not.

    Args:
        process: the service's process.
        ready: asks the service; true when it answers. An exception of ``retry_on``
            means not yet, and is quoted if time runs out.
        name: the service, as error messages name it (``slapd``).
        where: where it is asked (a URL, ``host:port``).
        log: the service's log, whose end the error messages quote.
        error: makes the exception to raise from a message.
        timeout: seconds to wait.
        interval: seconds between two questions.
        retry_on: the exceptions of ``ready`` that mean "not yet".
        log_lines: how many lines of the log to quote.
        log_prefix: what each quoted line starts with.
        waiting_for: what the service did not do in time (``answer``).

    Raises:
        Exception: ``error(...)``: the process exited, or did not answer in time.
    """
    deadline = time.monotonic() + timeout
    while True:
        if (code := process.poll()) is not None:
            raise error(
                f"{name} exited with code {code} while starting; end of {log}:\n"
                + tail(log, log_lines, prefix=log_prefix)
            )
        failure: Exception | None = None
        try:
            if ready():
                return
        except retry_on as not_yet:
            failure = not_yet
        if time.monotonic() > deadline:
            why = f" ({failure})" if failure is not None else ""
            raise error(
                f"{name} did not {waiting_for} on {where} within {timeout:.0f} s{why}; "
                f"end of {log}:\n" + tail(log, log_lines, prefix=log_prefix)
            ) from failure
        time.sleep(interval)


def stop_process(
    process: subprocess.Popen[bytes],
    signals: Sequence[signal.Signals] = (signal.SIGTERM, signal.SIGKILL),
    timeout: float = 10.0,
    *,
    group: bool = False,
) -> bool:
    """Stop a service's process: each of ``signals`` in turn, ``timeout`` seconds apart,
    until it has exited.

    Args:
        process: the process.
        signals: the signals to send, gentlest first.
        timeout: seconds to wait after each.
        group: send them to the process's whole group (a session of its own, started
            with ``start_new_session``), even when its leader has exited already.

    Returns:
        Whether it was running.
    """
    was_running = process.poll() is None
    for signum in signals:
        if not group and process.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            (os.killpg if group else os.kill)(process.pid, signum)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            continue
        break
    process.wait()
    return was_running


class LocalService(abc.ABC):
    """A server this process starts and stops; ``with`` starts it and stops it on leaving."""

    _process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The server's process, while this object runs it."""
        return self._process.pid if self._process is not None else None

    @abc.abstractmethod
    def start(self) -> Self:
        """Start the server and wait until it answers."""

    @abc.abstractmethod
    def stop(self) -> bool:
        """Stop the server; whether it was running."""

    def _ready_or_stopped(self, *steps: Callable[[], object]) -> None:
        """Run ``steps`` (a wait until it answers, a seeding) on the server just started;
        stop it when one fails, and raise that failure."""
        try:
            for step in steps:
                step()
        except BaseException:
            self.stop()
            raise

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def serve(
    service: LocalService,
    failure: type[Exception],
    announce: Callable[[], object],
) -> int:
    """Run ``service`` until Ctrl-C or SIGTERM, for a ``python -m`` entry point.

    Args:
        service: the service to start, and to stop at the end.
        failure: the service's error when it cannot start (printed, exit code 1).
        announce: prints what the user needs (where it runs, what to export).

    Returns:
        The exit code: 0, or 1 when the service did not start.
    """
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        service.start()
    except failure as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:
        announce()
        sys.stdout.flush()
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        service.stop()
    return 0
