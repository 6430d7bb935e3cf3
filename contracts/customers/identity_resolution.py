"""``customers.identity_resolution`` (internal): each source record and its customer."""

from __future__ import annotations

from typing import Literal

from contracts.common import (
    CRM_IDENTITY,
    DAILY,
    CountryCode,
    CustomerId,
    Date,
    Email,
    LanguageCode,
    PhoneE164,
    Timestamp,
)
from contracts.customers.shared import (
    CONTACT_RATIONALE,
    CUSTOMER_RATIONALE,
    IDENTITY_RATIONALE,
    LOCATION_RATIONALE,
    NAME_KEY_RATIONALE,
    SOURCE_RECORD_RATIONALE,
    AddressStatus,
    ContactQuality,
    MatchRule,
    SourceCustomerId,
)
from mesh_platform.contract import AccessLevel, Classification, DataContract, Tolerance, column


class IdentityResolution(
    DataContract,
    domain="customers",
    product="identity_resolution",
    version="1.0.0",
    owner=CRM_IDENTITY,
    grain=("source_system", "source_customer_id"),
    access=AccessLevel.INTERNAL,
    freshness=DAILY,
    tags=("pii", "restricted", "crm", "identity"),
    tier="silver",
    # Older extracted versions of a record are superseded (none in the simulated
    # extracts; up to 5% allowed, an extract may repeat records it updated). A record
    # without its identifier cannot be resolved: none allowed.
    tolerance=Tolerance(left_out={"duplicate": 0.05}),
):
    """One row per source customer record: its normalised attributes and its resolved customer.

    Grain: (``source_system``, ``source_customer_id``): every customer record of the
    client master extracts (the CRM contact base and the reservation system's
    accounts), once, in its latest extracted version. Internal to the customers
    domain: the single place where records are normalised and resolved, read by
    ``customers.customer_profile`` (survivorship over each customer's records) and
    ``customers.customer_identity_map`` (the public translation of source
    identifiers). Other domains read those products, never this one.

    Normalisation, per record: names trimmed with spaces collapsed (case as typed;
    title case is applied after survivorship); e-mails trimmed, lower case, kept only
    when syntactically valid; phones in E.164 with the numbering plan of the record's
    address country (or its account's market), the reservation system's single phone
    a mobile when the plan says so (or cannot tell), else a landline; address lines
    and city trimmed, upper case; postal codes in the country's form; civility, sex
    and language mapped to codes; birth dates that are placeholders or after the
    record's creation are unknown.

    Resolution: two records are the same customer when they share the e-mail, or
    the same first name, last name and birth date, or the same first name, last name
    and mobile phone (names compared through ``first_name_key`` and
    ``last_name_key``: upper case, accents stripped). Customers are the connected
    components of that relation; ``customer_id`` is named after the customer's
    earliest record (by creation, then source system, then identifier).
    ``match_rule`` is ``first`` for that record, otherwise the first rule
    (``email``, then ``name_birth_date``, then ``name_mobile_phone``) for which an
    earlier record of the customer shares the record's key; exactly one record per
    customer is ``first``.

    Quality flags describe the record alone: ``valid`` when it gives a usable value,
    ``invalid`` when it gives one that is not usable (a malformed e-mail or one the
    CRM's check rejected; a number that is not a possible number of its country),
    ``missing`` when it gives none. ``customer_id`` does not reference
    ``customers.customer_profile``: the profile is built from this product.
    """

    source_system: str = column(
        "Source system of the record, in snake_case: crm or reservations.",
        pattern=r"^[a-z][a-z_]{1,31}$",
        examples=["crm", "reservations"],
    )
    source_customer_id: SourceCustomerId = column(
        "Identifier of the record in its source system, as extracted.",
        min_length=1,
        max_length=64,
        classification=Classification.INDIRECT_PII,
        rationale=SOURCE_RECORD_RATIONALE,
        examples=["284034", "FR-1000010"],
    )
    customer_id: CustomerId = column(
        "The resolved customer the record belongs to (the customers.customer_profile "
        "customer it becomes).",
        classification=Classification.INDIRECT_PII,
        rationale=CUSTOMER_RATIONALE,
    )
    match_rule: MatchRule = column(
        "Why the record joined its customer: first record, or the rule that matched it."
    )
    record_created_date: Date = column("Creation date of the record in its source.")
    record_updated_at: Timestamp = column("Latest update of the record in its source.")
    is_client: bool = column(
        "True for a reservation account, or a CRM contact recorded as a client "
        "(CLIENT, CLIENT VIP); false for a CRM prospect."
    )
    civility: Literal["MR", "MRS", "MISS"] | None = column(
        "Civility of the record: the CRM's title id, else the civility or title as typed "
        "(in any of the markets' languages); null when not given or not recognised.",
        default=None,
        classification=Classification.INDIRECT_PII,
        rationale="Reveals the person's gender; needed to address letters and e-mails.",
    )
    declared_gender: Literal["female", "male"] | None = column(
        "Sex as declared on the record (the CRM's sex code or gender label); null when "
        "not declared.",
        default=None,
        classification=Classification.INDIRECT_PII,
        rationale=(
            "Personal characteristic (indirect PII under GDPR); used for salutations "
            "and aggregated audience statistics only."
        ),
    )
    first_name: str | None = column(
        "First name of the record, trimmed, spaces collapsed, case and accents as typed; "
        "null when empty.",
        default=None,
        min_length=1,
        classification=Classification.DIRECT_PII,
        rationale=IDENTITY_RATIONALE,
        examples=["hélène"],
    )
    last_name: str | None = column(
        "Last name of the record, trimmed, spaces collapsed, case and accents as typed; "
        "null when empty.",
        default=None,
        min_length=1,
        classification=Classification.DIRECT_PII,
        rationale=IDENTITY_RATIONALE,
        examples=["LE GALL"],
    )
    first_name_key: str | None = column(
        "First name in matching form: upper case, accents stripped, ß as SS, Œ as OE, "
        "Æ as AE; null when empty.",
        default=None,
        min_length=1,
        classification=Classification.DIRECT_PII,
        rationale=NAME_KEY_RATIONALE,
        examples=["HELENE"],
    )
    last_name_key: str | None = column(
        "Last name in matching form (as first_name_key); null when empty.",
        default=None,
        min_length=1,
        classification=Classification.DIRECT_PII,
        rationale=NAME_KEY_RATIONALE,
        examples=["LE GALL"],
    )
    birth_date: Date | None = column(
        "Date of birth; null when not given, a placeholder (1900-01-01 or before, "
        "00/00/0000) or not before the record's creation.",
        default=None,
        classification=Classification.INDIRECT_PII,
        rationale=(
            "Identifies a person when combined with the name (indirect PII under GDPR); "
            "a key of identity resolution."
        ),
    )
    preferred_language: LanguageCode | None = column(
        "Preferred language (ISO 639-1, from codes, locales or language names); null "
        "when not given or not recognised.",
        default=None,
    )
    address_line_1: str | None = column(
        "First line of the postal address, trimmed, spaces collapsed, upper case.",
        default=None,
        min_length=1,
        classification=Classification.DIRECT_PII,
        rationale=CONTACT_RATIONALE,
    )
    address_line_2: str | None = column(
        "Second line of the postal address, as line 1; null when empty.",
        default=None,
        min_length=1,
        classification=Classification.DIRECT_PII,
        rationale=CONTACT_RATIONALE,
    )
    address_line_3: str | None = column(
        "Third line of the postal address, as line 1; null when empty.",
        default=None,
        min_length=1,
        classification=Classification.DIRECT_PII,
        rationale=CONTACT_RATIONALE,
    )
    postal_code: str | None = column(
        "Postal code, upper case, in the country's form where it can be restored (French "
        "leading zero; British, Canadian and Dutch space; Brazilian hyphen).",
        default=None,
        min_length=1,
        classification=Classification.INDIRECT_PII,
        rationale=LOCATION_RATIONALE,
        examples=["03100", "1015 CJ"],
    )
    city: str | None = column(
        "City of the postal address, trimmed, spaces collapsed, upper case.",
        default=None,
        min_length=1,
        classification=Classification.INDIRECT_PII,
        rationale=LOCATION_RATIONALE,
    )
    country_code: CountryCode | None = column(
        "Country of the record's address, upper case; null when not a two-letter code.",
        default=None,
    )
    address_status: AddressStatus = column(
        "State of the record's postal address: valid, complete (but not valid), partial "
        "or missing; survivorship prefers the latest valid, then complete, then partial."
    )
    account_market: CountryCode | None = column(
        "Market of a reservation account (the prefix of its code); null for CRM records.",
        default=None,
    )
    email: Email | None = column(
        "E-mail address, trimmed, lower case; null when missing or malformed (an "
        "address the CRM's check rejected is kept, with email_quality invalid).",
        default=None,
        classification=Classification.DIRECT_PII,
        rationale=CONTACT_RATIONALE,
    )
    email_quality: ContactQuality = column(
        "valid: a well-formed address the CRM's check accepted; invalid: an address "
        "given but malformed or rejected; missing: none given."
    )
    mobile_phone: PhoneE164 | None = column(
        "Mobile number in E.164: the CRM's mobile, or the reservation system's phone "
        "when it is a mobile number; null when none can be derived.",
        default=None,
        classification=Classification.DIRECT_PII,
        rationale=CONTACT_RATIONALE,
    )
    mobile_phone_quality: ContactQuality = column(
        "Quality of the record's mobile; a reservation phone that is not a possible "
        "number counts as an invalid mobile."
    )
    landline_phone_1: PhoneE164 | None = column(
        "First landline in E.164: the CRM's first landline, or the reservation system's "
        "phone when it is not a mobile number.",
        default=None,
        classification=Classification.DIRECT_PII,
        rationale=CONTACT_RATIONALE,
    )
    landline_phone_1_quality: ContactQuality = column("Quality of the record's first landline.")
    landline_phone_2: PhoneE164 | None = column(
        "Second landline in E.164 (the CRM's second landline).",
        default=None,
        classification=Classification.DIRECT_PII,
        rationale=CONTACT_RATIONALE,
    )
    landline_phone_2_quality: ContactQuality = column("Quality of the record's second landline.")
