"""The access policy rendered for BigQuery: masking, column-level and dataset grants,
authorized views, as Terraform (JSON syntax) a platform team reviews and applies.

``mesh access render-gcp`` writes ``deploy/gcp/access.tf.json`` beside the Terraform of
``deploy/gcp`` (its taxonomy of policy tags, one per PII class, and the product datasets
are declared there; the platform attaches the tags to the columns as it publishes,
:func:`mesh_platform.derive.ddl.fill_policy_tags`). From the same policy as
``mesh query``:

- **raw**: a group that sees a class raw at the clearance of one of its grants gets the
  fine-grained reader role on the class's policy tag;
- **masked**: a group that sees it masked (and raw for no purpose) gets the masked
  reader role on the class's data policy, whose rule is the keyed hash of ``mesh
  query`` (HMAC-SHA256 with the deployment's key, the first 16 hex characters: a
  masked identifier is the same value on DuckDB and on BigQuery, and still joins);
- **hidden**: no role, so a query naming the column is refused;
- **products**: consumers never read the domains' datasets. Every public product is an
  authorized view in ``<prefix>mesh_public``, readable by every group of the policy;
  the internal products of a domain are authorized views in
  ``<prefix>mesh_internal_<domain>``, readable by the groups whose grants name the
  domain. Landing datasets get no consumer grant.

BigQuery cannot tell purposes apart: a group gets the most its grants give for any
purpose. Partial displays (an e-mail's domain, a phone's last digits, a date's year)
are ``mesh query``'s; BigQuery masks every masked column of a class with the hash.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mesh_platform.access.policy import PII_CLASSES, Clearance, Policy, Treatment
from mesh_platform.contract import AccessLevel, Classification, DataContract

GENERATED = "deploy/gcp/access.tf.json"
"""The rendered file, relative to the project's root."""
MASK_ROUTINE = "mask_hash"
HASH_BYTES = 8
"""Bytes of the HMAC kept (16 hex characters, as ``mesh query`` keeps)."""

_VIEWER = "roles/bigquery.dataViewer"


def hmac_sql(key_base64: str, value: str = "value") -> str:
    """GoogleSQL of ``HMAC-SHA256(key, value)``'s first bytes in hex (RFC 2104, for a
    key of at most 64 bytes, padded with zeros to the block).

    Example:
        >>> print(hmac_sql("a2V5"))  # doctest: +ELLIPSIS
        LEFT(TO_HEX(SHA256(CONCAT(RPAD(FROM_BASE64('a2V5'), 64, FROM_HEX('00')) ^ ...
    """
    key = f"RPAD(FROM_BASE64('{key_base64}'), 64, FROM_HEX('00'))"
    inner = f"SHA256(CONCAT({key} ^ REPEAT(FROM_HEX('36'), 64), CAST({value} AS BYTES)))"
    outer = f"SHA256(CONCAT({key} ^ REPEAT(FROM_HEX('5c'), 64), {inner}))"
    return f"LEFT(TO_HEX({outer}), {2 * HASH_BYTES})"


def _seen(policy: Policy) -> dict[str, dict[Classification, set[Treatment]]]:
    """How each group sees each PII class, over the clearances of all its grants."""
    seen: dict[str, dict[Classification, set[Treatment]]] = {}
    for name, group in sorted(policy.groups.items()):
        clearances = {g.clearance for g in group.grants}
        seen[name] = {c: {policy.clearances[k][c] for k in clearances} for c in PII_CLASSES}
    return seen


def _tag(classification: Classification) -> str:
    """The Terraform reference of a class's policy tag (``deploy/gcp/policy_tags.tf``)."""
    return f'${{google_data_catalog_policy_tag.classification["{classification.value}"].name}}'


def _data_policy_id(classification: Classification) -> str:
    """A data policy's id: letters, digits and underscores, with the branch's suffix."""
    return f'${{replace("trident_{classification.value}_masked${{local.suffix}}", "-", "_")}}'


def _internal_readers(policy: Policy, domain: str) -> list[str]:
    return sorted(
        name
        for name, group in policy.groups.items()
        if any(
            g.clearance.rank >= Clearance.INTERNAL.rank and ({domain, "*"} & set(g.domains))
            for g in group.grants
        )
    )


def _view(dataset_ref: str, domain: str, product: str) -> dict[str, Any]:
    source = f"`${{var.project_id}}.${{var.dataset_prefix}}{domain}.{product}`"
    return {
        "dataset_id": dataset_ref,
        "table_id": f"{domain}__{product}",
        "description": f"{domain}.{product}, for its readers (authorized view).",
        "deletion_protection": False,
        "view": [{"query": f"SELECT * FROM {source}", "use_legacy_sql": False}],
    }


def render(policy: Policy, contracts: Mapping[str, type[DataContract]]) -> dict[str, Any]:
    """The Terraform (JSON syntax) of the policy's grants over ``contracts``' products."""
    resources: dict[str, dict[str, Any]] = {}

    def add(kind: str, name: str, body: dict[str, Any]) -> None:
        resources.setdefault(kind, {})[name] = body

    seen = _seen(policy)
    members = {name: policy.bigquery.member(name) for name in sorted(policy.groups)}
    location = "${lower(var.location)}"

    add(
        "google_bigquery_dataset",
        "mesh_access",
        {
            "dataset_id": "${var.dataset_prefix}mesh_access",
            "friendly_name": "access rules",
            "description": "The masking routine of contracts/access_policy.yaml.",
            "location": "${var.location}",
            "labels": {"mesh": "trident", "layer": "access"},
        },
    )
    add(
        "google_bigquery_routine",
        MASK_ROUTINE,
        {
            "dataset_id": "${google_bigquery_dataset.mesh_access.dataset_id}",
            "routine_id": MASK_ROUTINE,
            "routine_type": "SCALAR_FUNCTION",
            "language": "SQL",
            "data_governance_type": "DATA_MASKING",
            "definition_body": hmac_sql("${base64encode(var.masking_key)}"),
            "arguments": [{"name": "value", "data_type": json.dumps({"typeKind": "STRING"})}],
            "return_type": json.dumps({"typeKind": "STRING"}),
        },
    )
    masked_classes = [
        c for c in PII_CLASSES if any(Treatment.MASKED in s[c] for s in seen.values())
    ]
    for cls in masked_classes:
        add(
            "google_bigquery_datapolicy_data_policy",
            f"{cls.value}_masked",
            {
                "location": location,
                "data_policy_id": _data_policy_id(cls),
                "policy_tag": _tag(cls),
                "data_policy_type": "DATA_MASKING_POLICY",
                "data_masking_policy": [
                    {"routine": f"${{google_bigquery_routine.{MASK_ROUTINE}.id}}"}
                ],
            },
        )
    for group, classes in seen.items():
        for cls, treatments in classes.items():
            if Treatment.RAW in treatments:
                add(
                    "google_data_catalog_policy_tag_iam_member",
                    f"{group}_{cls.value}_raw",
                    {
                        "policy_tag": _tag(cls),
                        "role": "roles/datacatalog.categoryFineGrainedReader",
                        "member": members[group],
                    },
                )
            elif Treatment.MASKED in treatments:
                policy_ref = f"google_bigquery_datapolicy_data_policy.{cls.value}_masked"
                kind = "google_bigquery_datapolicy_data_policy_iam_member"
                add(
                    kind,
                    f"{group}_{cls.value}_masked",
                    {
                        "project": "${var.project_id}",
                        "location": location,
                        "data_policy_id": f"${{{policy_ref}.data_policy_id}}",
                        "role": "roles/bigquerydatapolicy.maskedReader",
                        "member": members[group],
                    },
                )
        add(
            "google_project_iam_member",
            f"{group}_job_user",
            {
                "project": "${var.project_id}",
                "role": "roles/bigquery.jobUser",
                "member": members[group],
            },
        )

    def views_dataset(name: str, description: str, readers: list[str]) -> str:
        add(
            "google_bigquery_dataset",
            name,
            {
                "dataset_id": f"${{var.dataset_prefix}}{name}",
                "description": description,
                "location": "${var.location}",
                "labels": {"mesh": "trident", "layer": "access"},
            },
        )
        for group in readers:
            add(
                "google_bigquery_dataset_iam_member",
                f"{name}_{group}",
                {
                    "dataset_id": f"${{google_bigquery_dataset.{name}.dataset_id}}",
                    "role": _VIEWER,
                    "member": members[group],
                },
            )
        return f"${{google_bigquery_dataset.{name}.dataset_id}}"

    public = views_dataset(
        "mesh_public", "The public products of every domain, as authorized views.", list(members)
    )
    internal: dict[str, str] = {}
    for _, contract in sorted(contracts.items()):
        meta = contract.meta()
        if meta.access is AccessLevel.INTERNAL and meta.domain not in internal:
            internal[meta.domain] = views_dataset(
                f"mesh_internal_{meta.domain}",
                f"The internal products of the {meta.domain} domain, as authorized views.",
                _internal_readers(policy, meta.domain),
            )
        dataset = internal[meta.domain] if meta.access is AccessLevel.INTERNAL else public
        view_name = f"{meta.domain}__{meta.product}"
        add("google_bigquery_table", view_name, _view(dataset, meta.domain, meta.product))
        add(
            "google_bigquery_dataset_access",
            view_name,
            {
                "dataset_id": f'${{google_bigquery_dataset.product["{meta.domain}"].dataset_id}}',
                "view": [
                    {
                        "project_id": "${var.project_id}",
                        "dataset_id": f"${{google_bigquery_table.{view_name}.dataset_id}}",
                        "table_id": f"${{google_bigquery_table.{view_name}.table_id}}",
                    }
                ],
            },
        )
    return {
        "//": "Generated by `mesh access render-gcp` from contracts/access_policy.yaml and the "
        "contracts; do not edit.",
        "variable": {
            "masking_key": {
                "description": "The deployment's masking key (MESH_MASKING_KEY), 16 to 64 bytes.",
                "type": "string",
                "sensitive": True,
            }
        },
        "resource": resources,
    }


def render_text(policy: Policy, contracts: Mapping[str, type[DataContract]]) -> str:
    """:func:`render` as the file's text."""
    return json.dumps(render(policy, contracts), indent=2, sort_keys=False) + "\n"
