"""From a person's credentials to what their query may read.

:func:`open_reader` authenticates the person against the directory, lets an
administrator run as another user, chooses the purpose and builds the reader's
catalogue of one published state.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mesh_platform.access.directory import Directory, DirectoryUser
from mesh_platform.access.policy import AccessError, Policy, Purpose, ReaderAccess
from mesh_platform.access.views import ReaderCatalog, reader_catalog
from mesh_platform.contract import DataContract
from mesh_platform.contract.registry import all_contracts, load_contract_modules
from mesh_platform.derive.left_out_table import left_out_contract
from mesh_platform.engines.replica import Manifest
from mesh_platform.streams.dead_letter import dead_letter_contract


@dataclass(frozen=True)
class Reader:
    """An authenticated reader.

    Attributes:
        actor: who authenticated.
        user: whose access applies (``actor`` unless an administrator runs as another).
        access: what ``user`` may read for the purpose.
    """

    actor: DirectoryUser
    user: DirectoryUser
    access: ReaderAccess


def identify(
    directory: Directory,
    policy: Policy,
    uid: str,
    password: str,
    *,
    run_as: str | None = None,
    purpose: Purpose | None = None,
) -> Reader:
    """Authenticate ``uid`` and decide the access their query runs with.

    Raises:
        AccessError: wrong credentials; ``run_as`` by someone who is not in an
            administrators' group; no purpose given among several; no grant for it.
    """
    actor = directory.authenticate(uid, password)
    user = actor
    if run_as and run_as != actor.uid:
        admins = policy.admins()
        if not actor.groups & admins:
            raise AccessError(
                f"{actor.uid} may not run queries as another user: only members of "
                f"{', '.join(sorted(admins)) or 'an administrators group'} may"
            )
        user = directory.lookup(run_as)
    if purpose is None:
        held = policy.purposes_of(user.groups)
        if len(held) != 1:
            raise AccessError(
                f"say why you read (--purpose): {user.uid}'s groups grant "
                f"{', '.join(p.value for p in held) or 'no purpose'}"
            )
        purpose = held[0]
    return Reader(actor, user, policy.access_for(user.groups, purpose))


def readable_contracts() -> dict[str, type[DataContract]]:
    """The contract of every table a published state may hold, by ``domain.product``.

    The products' own, and those of the tables derived from them: their rows left out
    and their streams' dead letters, internal to their domain, whose columns keeping a
    whole input row are classified as personal data.
    """
    load_contract_modules()
    found = all_contracts()
    for contract in list(found.values()):
        for derived in (left_out_contract(contract), dead_letter_contract(contract)):
            found[derived.meta().key] = derived
    return found


def catalog_for(reader: Reader, root: Path, manifest: Manifest) -> ReaderCatalog:
    """The products of one published state the reader sees."""
    return reader_catalog(root, manifest, readable_contracts(), reader.access)
