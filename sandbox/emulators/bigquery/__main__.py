"""``python -m sandbox.emulators.bigquery start|stop|status``: the emulator from a shell."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sandbox.emulators.bigquery.emulator import EMULATOR_HOST_VARIABLE, BigQueryEmulator
from sandbox.emulators.bigquery.environment import EmulatorError


def main(argv: Sequence[str] | None = None) -> int:
    """``start``, ``stop`` or ``status`` of the emulator recorded in the state folder."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.emulators.bigquery",
        description="The local BigQuery emulator, in a virtualenv of its own.",
    )
    parser.add_argument("command", nargs="?", default="start", choices=["start", "stop", "status"])
    parser.add_argument("--port", type=int, help="REST port (default: a free one)")
    parser.add_argument("--grpc-port", type=int, help="gRPC port (default: a free one)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--data-dir", type=Path, help="data folder (default: in the state folder)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for it")
    args = parser.parse_args(argv)
    emulator = BigQueryEmulator(
        host=args.host,
        port=args.port,
        grpc_port=args.grpc_port,
        data_dir=args.data_dir,
        startup_timeout=args.timeout,
    )
    try:
        running = emulator.recorded()
        if args.command == "status":
            if running is None:
                print("the BigQuery emulator is not running")
                return 1
            print(f"the BigQuery emulator runs at {running['endpoint']} (pid {running['pid']})")
            return 0
        if args.command == "stop":
            stopped = emulator.stop()
            print(
                "stopped the BigQuery emulator" if stopped else "no BigQuery emulator was running"
            )
            return 0
        if running is not None:
            where = f"{running['endpoint']} (pid {running['pid']})"
            print(f"the BigQuery emulator already runs at {where}")
            print(f"export {EMULATOR_HOST_VARIABLE}={running['endpoint']}")
            return 0
        started = time.monotonic()
        emulator.start()
    except EmulatorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(
        f"the BigQuery emulator runs at {emulator.endpoint} (gRPC {emulator.grpc_address}, "
        f"pid {emulator.pid}, ready in {time.monotonic() - started:.1f} s)"
    )
    print(f"log: {emulator.log_path}")
    print(f"export {EMULATOR_HOST_VARIABLE}={emulator.endpoint}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
