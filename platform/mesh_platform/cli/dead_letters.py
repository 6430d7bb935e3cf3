"""``mesh dead-letters``: the messages a streamed product could not take; replay them."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from mesh_platform.cli.output import console, fail
from mesh_platform.engines import get_engine
from mesh_platform.streams.replay import binding_for, dead_letters, replay

PAYLOAD_WIDTH = 80
"""Characters of a dead letter's raw payload shown in the table."""


def dead_letters_command(
    product: Annotated[str, typer.Argument(help="The streamed product, as domain.product.")],
    rule: Annotated[
        str | None,
        typer.Option(help="Only this rule (a kind such as unknown_reference matches each)."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many letters.")] = 50,
    do_replay: Annotated[
        bool,
        typer.Option(
            "--replay",
            help="Put the letters (of --rule) through the consumer again, once what they "
            "broke is fixed; those that pass are published and leave the table.",
        ),
    ] = False,
) -> None:
    """List the messages of a product's stream it could not take, with the rule each
    broke and its raw payload, oldest first; or replay them (--replay)."""
    try:
        binding = binding_for(product)
    except KeyError as error:
        fail(str(error.args[0]), code=2)
    engine = get_engine()
    out = console()
    if do_replay:
        done = replay(engine, binding, rule=rule)
        out.print(
            f"replayed {done.letters} dead letter(s) of {product}: {done.resolved} resolved "
            f"({done.batch.appended} event(s) appended, {done.batch.duplicates} already "
            f"published), {done.letters - done.resolved} still failing",
            highlight=False,
        )
        return
    with engine.session():
        letters = dead_letters(engine, binding, rule=rule, limit=limit + 1)
    if not letters:
        out.print(f"No dead letter for {product}" + (f" (rule {rule})" if rule else "") + ".")
        return
    table = Table("published_at", "message_id", "rule", "field", "detail", "raw_payload")
    for letter in letters[:limit]:
        payload = str(letter["raw_payload"])
        shown = payload if len(payload) <= PAYLOAD_WIDTH else payload[: PAYLOAD_WIDTH - 1] + "…"
        table.add_row(
            str(letter["published_at"]),
            str(letter["message_id"]),
            str(letter["rule"]),
            str(letter["field"] or ""),
            Text(str(letter["detail"])),
            Text(shown),
        )
    out.print(table)
    count = f"first {limit}" if len(letters) > limit else str(len(letters))
    out.print(f"{count} dead letter(s) of {product}", highlight=False)
