"""Serve the local directory, seeded with the organisation, until Ctrl-C.

    deploy/local/run python -m sandbox.services.ldap [--port 3890]

Its database lives in ``<state>/ldap``; while it runs ``mesh query`` finds it there
(``<state>/ldap/directory.json``). It prints every person, their groups and their
password (drawn at the first start, kept in ``<state>/ldap/people.json``).
"""

from __future__ import annotations

import argparse
import sys

from mesh_platform.access.directory import LOCAL_DIRECTORY
from mesh_platform.settings import get_settings
from sandbox.processes import serve
from sandbox.services.ldap import DirectoryServerError, LocalDirectory
from sandbox.services.ldap.organisation import PEOPLE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.services.ldap")
    parser.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (a free one)")
    args = parser.parse_args(argv)
    directory = LocalDirectory(get_settings().state_dir / LOCAL_DIRECTORY, port=args.port)

    def announce() -> None:
        passwords = directory.passwords()
        print(f"directory {directory.url} ({directory.config.users})")
        for person in PEOPLE:
            print(f"  {person.uid:<8} {', '.join(person.groups):<26} {passwords[person.uid]}")
        print('try: mesh query --user alice --purpose analytics "select ..."; Ctrl-C stops it')

    return serve(directory, DirectoryServerError, announce)


if __name__ == "__main__":
    sys.exit(main())
