"""Contracts of the customers domain (team CRM & Identity).

The client master extracts of the source systems (the CRM contact base and the
reservation system's customer records) hold the same people several times, typed
differently. The customers domain resolves them into one clean customer each,
normalises names, addresses, e-mails and phones, groups customers into households
and publishes the contact permissions per channel. Every other domain identifies
people through these products: the source records' identifiers are translated by
``customers.customer_identity_map``.
"""

from __future__ import annotations

from typing import Literal

from contracts.common import (
    CRM_IDENTITY,
    DAILY,
    Count,
    CountryCode,
    CustomerId,
    Date,
    DepartmentCode,
    Email,
    HouseholdId,
    IrisCode,
    LanguageCode,
    PhoneE164,
    Season,
    Timestamp,
)
from mesh_platform.contract import AccessLevel, Classification, DataContract, column

ContactQuality = Literal["valid", "invalid", "missing"]
"""Quality of a contact point (the seed's ``INT_CLIENT_QUALITE_*_VALIDE`` flags):
``valid`` usable, ``invalid`` present in a source but unusable (malformed, unknown
address, number not attributable, e-mail bouncing), ``missing`` in no source."""

ConsentChannel = Literal["email", "sms", "phone", "postal", "advertising"]
"""Channels a customer may be contacted on: e-mail campaigns, SMS, phone calls,
postal mail, and personalised advertising (customer-match audiences on the
advertising platforms)."""

ConsentSource = Literal["web", "call_centre", "agency", "village", "unsubscribe_link", "migration"]
"""Where a consent decision was collected; ``migration`` for decisions carried over
from a former system without their origin."""

Composition = Literal["single", "couple", "family", "group"]
"""Composition of a household, from its adults and children."""

MatchRule = Literal["first", "email", "name_birth_date", "name_mobile_phone"]
"""Why a source record joined its customer: the customer's earliest record, or the
first identity-resolution rule that matched it."""

AddressStatus = Literal["valid", "complete", "partial", "missing"]
"""State of one source record's postal address: ``valid`` (complete, accepted by the
CRM's check, postal code in the country's form), ``complete`` (line 1, postal code,
city and country given, but not valid), ``partial`` (some of them given), ``missing``
(none given)."""

_CUSTOMER_RATIONALE = (
    "Resolved customer identifier: links the row to one person (pseudonymous), so "
    "indirect PII under GDPR; the join key of every customer-level use (CRM, service)."
)
_HOUSEHOLD_RATIONALE = (
    "Household identifier: designates the people living at one address (pseudonymous), "
    "so indirect PII under GDPR; needed for household-level loyalty analysis."
)
_CONTACT_RATIONALE = (
    "Contact data of an identified person (direct PII under GDPR); processed to perform "
    "the stay contract (confirmations, service) and, with consent, for marketing."
)
_IDENTITY_RATIONALE = (
    "Identifies a person directly (direct PII under GDPR); needed to recognise the "
    "customer across channels and to address documents and messages."
)
_LOCATION_RATIONALE = (
    "Coarse location of a person's home: identifies nobody alone but narrows a person "
    "down when combined (indirect PII under GDPR); used for market and territory analysis."
)
_SOURCE_RECORD_RATIONALE = (
    "Identifier of a person's record in an operational system (indirect PII "
    "under GDPR); needed to translate source identifiers into clean ones."
)
_NAME_KEY_RATIONALE = (
    "A person's name in matching form (direct PII under GDPR, like the name itself); "
    "needed to recognise the same person across source records."
)


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
    source_customer_id: str = column(
        "Identifier of the record in its source system, as extracted.",
        min_length=1,
        max_length=64,
        classification=Classification.INDIRECT_PII,
        rationale=_SOURCE_RECORD_RATIONALE,
        examples=["284034", "FR-1000010"],
    )
    customer_id: CustomerId = column(
        "The resolved customer the record belongs to (the customers.customer_profile "
        "customer it becomes).",
        classification=Classification.INDIRECT_PII,
        rationale=_CUSTOMER_RATIONALE,
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
        rationale=_IDENTITY_RATIONALE,
        examples=["hélène"],
    )
    last_name: str | None = column(
        "Last name of the record, trimmed, spaces collapsed, case and accents as typed; "
        "null when empty.",
        default=None,
        min_length=1,
        classification=Classification.DIRECT_PII,
        rationale=_IDENTITY_RATIONALE,
        examples=["LE GALL"],
    )
    first_name_key: str | None = column(
        "First name in matching form: upper case, accents stripped, ß as SS, Œ as OE, "
        "Æ as AE; null when empty.",
        default=None,
        min_length=1,
        classification=Classification.DIRECT_PII,
        rationale=_NAME_KEY_RATIONALE,
        examples=["HELENE"],
    )
    last_name_key: str | None = column(
        "Last name in matching form (as first_name_key); null when empty.",
        default=None,
        min_length=1,
        classification=Classification.DIRECT_PII,
        rationale=_NAME_KEY_RATIONALE,
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
        rationale=_CONTACT_RATIONALE,
    )
    address_line_2: str | None = column(
        "Second line of the postal address, as line 1; null when empty.",
        default=None,
        min_length=1,
        classification=Classification.DIRECT_PII,
        rationale=_CONTACT_RATIONALE,
    )
    address_line_3: str | None = column(
        "Third line of the postal address, as line 1; null when empty.",
        default=None,
        min_length=1,
        classification=Classification.DIRECT_PII,
        rationale=_CONTACT_RATIONALE,
    )
    postal_code: str | None = column(
        "Postal code, upper case, in the country's form where it can be restored (French "
        "leading zero; British, Canadian and Dutch space; Brazilian hyphen).",
        default=None,
        min_length=1,
        classification=Classification.INDIRECT_PII,
        rationale=_LOCATION_RATIONALE,
        examples=["03100", "1015 CJ"],
    )
    city: str | None = column(
        "City of the postal address, trimmed, spaces collapsed, upper case.",
        default=None,
        min_length=1,
        classification=Classification.INDIRECT_PII,
        rationale=_LOCATION_RATIONALE,
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
        rationale=_CONTACT_RATIONALE,
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
        rationale=_CONTACT_RATIONALE,
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
        rationale=_CONTACT_RATIONALE,
    )
    landline_phone_1_quality: ContactQuality = column("Quality of the record's first landline.")
    landline_phone_2: PhoneE164 | None = column(
        "Second landline in E.164 (the CRM's second landline).",
        default=None,
        classification=Classification.DIRECT_PII,
        rationale=_CONTACT_RATIONALE,
    )
    landline_phone_2_quality: ContactQuality = column("Quality of the record's second landline.")


class CustomerProfile(
    DataContract,
    domain="customers",
    product="customer_profile",
    version="1.0.0",
    owner=CRM_IDENTITY,
    grain=("customer_id",),
    freshness=DAILY,
    tags=("pii", "restricted", "crm", "identity"),
):
    """One row per resolved customer: the golden record of identity and contact data.

    Grain: ``customer_id``. Sources: the client master extracts (the seed's contact
    table, 272,012 rows: CRM contacts and the reservation system's customer records),
    with duplicates across and within sources.

    Normalisation: names are trimmed, spaces collapsed, title case (particles such
    as "de", "van" kept lower case), accents kept when any source has them;
    e-mails in lower case; phone numbers in E.164 using the contact's address
    country (or market) for national formats; postal codes in the country's form.

    Resolution: after normalisation, two source records are the same customer when
    they share the e-mail address, or the same first name, last name and birth date,
    or the same first name, last name and mobile phone (accents and case ignored for
    names). Each attribute takes the value of the most recently updated record that
    has a usable one; ``created_date`` is the earliest creation. The source records
    and the rule that matched each are in ``customers.customer_identity_map``.

    Households: customers sharing one normalised postal address (address line 1,
    postal code, city, country) form a household; a customer without a valid
    address is a household alone. ``household_id`` is the household in
    ``customers.households`` (built from this product, so not declared as a
    reference here).

    Quality flags: ``email`` holds any syntactically valid address (null when
    missing or malformed); ``email_quality`` is ``invalid`` when the address is
    malformed or known to bounce. Phones hold the E.164 number when one can be
    derived; ``*_quality`` is ``invalid`` when a number was given but is not a
    possible number of its country. ``address_quality`` is ``valid`` when line 1,
    postal code, city and country are present and the postal code has the country's
    form. Contact permissions are not here: see ``customers.customer_consent``.
    Restricted: read only for a documented GDPR purpose; other products carry
    ``customer_id`` only.
    """

    customer_id: CustomerId = column(
        "Resolved (clean) customer identifier (the seed's INT_CLIENT_ID_CLEAN).",
        classification=Classification.INDIRECT_PII,
        rationale=_CUSTOMER_RATIONALE,
    )
    household_id: HouseholdId = column(
        "The customer's household (customers sharing one postal address), "
        "described in customers.households.",
        classification=Classification.INDIRECT_PII,
        rationale=_HOUSEHOLD_RATIONALE,
    )
    customer_type: Literal["customer", "prospect"] = column(
        "customer: known to the reservation system or recorded as a client by the CRM; "
        "prospect: a contact who never booked (the seed's NOR_TYPE_CLIENT_LIBELLE)."
    )
    civility: Literal["MR", "MRS", "MISS"] | None = column(
        "Civility (the seed's NOR_CLIENT_CIVILITE / NOR_CLIENT_TITRE_ID: M., Mme, Mlle); "
        "null when not given.",
        default=None,
        classification=Classification.INDIRECT_PII,
        rationale="Reveals the person's gender; needed to address letters and e-mails.",
    )
    gender: Literal["female", "male"] | None = column(
        "Sex as declared (the seed's NOR_CLIENT_SEXE / NOR_CLIENT_GENRE); null when unknown.",
        default=None,
        classification=Classification.INDIRECT_PII,
        rationale=(
            "Personal characteristic (indirect PII under GDPR); used for salutations "
            "and aggregated audience statistics only."
        ),
    )
    first_name: str | None = column(
        "First name, normalised (the seed's ORI_CLIENT_PRENOM); null when no source has it.",
        default=None,
        min_length=1,
        max_length=100,
        classification=Classification.DIRECT_PII,
        rationale=_IDENTITY_RATIONALE,
        examples=["Hélène"],
    )
    last_name: str = column(
        "Last name, normalised (the seed's ORI_CLIENT_NOM).",
        min_length=1,
        max_length=100,
        classification=Classification.DIRECT_PII,
        rationale=_IDENTITY_RATIONALE,
        examples=["Le Gall"],
    )
    birth_date: Date | None = column(
        "Date of birth (the seed's NOR_CLIENT_DATE_NAISSANCE); null when unknown.",
        default=None,
        classification=Classification.INDIRECT_PII,
        rationale=(
            "Identifies a person when combined with the name (indirect PII under GDPR); "
            "used for age-based offers (kids club, seniors) and identity resolution."
        ),
    )
    preferred_language: LanguageCode | None = column(
        "Preferred language of communication (the seed's NOR_CLIENT_PREFERENCE_LANGUE); "
        "null when unknown.",
        default=None,
    )
    address_line_1: str | None = column(
        "First line of the postal address (the seed's ORI_CLIENT_ADRESSE1), normalised.",
        default=None,
        min_length=1,
        max_length=200,
        classification=Classification.DIRECT_PII,
        rationale=_CONTACT_RATIONALE,
    )
    address_line_2: str | None = column(
        "Second line of the postal address (ORI_CLIENT_ADRESSE2); null when empty.",
        default=None,
        min_length=1,
        max_length=200,
        classification=Classification.DIRECT_PII,
        rationale=_CONTACT_RATIONALE,
    )
    address_line_3: str | None = column(
        "Third line of the postal address (ORI_CLIENT_ADRESSE3); null when empty.",
        default=None,
        min_length=1,
        max_length=200,
        classification=Classification.DIRECT_PII,
        rationale=_CONTACT_RATIONALE,
    )
    postal_code: str | None = column(
        "Postal code in the country's form (the seed's NOR_CLIENT_CP).",
        default=None,
        min_length=2,
        max_length=10,
        classification=Classification.INDIRECT_PII,
        rationale=_LOCATION_RATIONALE,
        examples=["73440", "SW1A 1AA"],
    )
    city: str | None = column(
        "City of the postal address (the seed's NOR_CLIENT_VILLE).",
        default=None,
        min_length=1,
        max_length=100,
        classification=Classification.INDIRECT_PII,
        rationale=_LOCATION_RATIONALE,
    )
    country_code: CountryCode | None = column(
        "Country of the postal address (the seed's NOR_CLIENT_PAYS_CODE); null without address.",
        default=None,
    )
    market: CountryCode = column(
        "The customer's market: the address country, or the country of the sales office "
        "that created the customer when there is no address. The market of every "
        "booking and sale of the customer."
    )
    address_quality: ContactQuality = column(
        "Quality of the postal address (the seed's INT_CLIENT_QUALITE_ADRESSE_VALIDE)."
    )
    email: Email | None = column(
        "E-mail address, lower case (the seed's NOR_CLIENT_EMAIL); null when missing or malformed.",
        default=None,
        classification=Classification.DIRECT_PII,
        rationale=_CONTACT_RATIONALE,
    )
    email_quality: ContactQuality = column(
        "Quality of the e-mail address (the seed's INT_CLIENT_QUALITE_EMAIL_VALIDE)."
    )
    mobile_phone: PhoneE164 | None = column(
        "Mobile phone number in E.164 (the seed's NOR_CLIENT_TEL_MOBILE).",
        default=None,
        classification=Classification.DIRECT_PII,
        rationale=_CONTACT_RATIONALE,
    )
    mobile_phone_quality: ContactQuality = column(
        "Quality of the mobile number (the seed's INT_CLIENT_QUALITE_TEL_MOBILE_VALIDE)."
    )
    landline_phone_1: PhoneE164 | None = column(
        "First landline number in E.164 (the seed's NOR_CLIENT_TEL_FIXE1).",
        default=None,
        classification=Classification.DIRECT_PII,
        rationale=_CONTACT_RATIONALE,
    )
    landline_phone_1_quality: ContactQuality = column(
        "Quality of the first landline (the seed's INT_CLIENT_QUALITE_TEL_FIXE1_VALIDE)."
    )
    landline_phone_2: PhoneE164 | None = column(
        "Second landline number in E.164 (the seed's NOR_CLIENT_TEL_FIXE2).",
        default=None,
        classification=Classification.DIRECT_PII,
        rationale=_CONTACT_RATIONALE,
    )
    landline_phone_2_quality: ContactQuality = column(
        "Quality of the second landline (the seed's INT_CLIENT_QUALITE_TEL_FIXE2_VALIDE)."
    )
    created_date: Date = column(
        "Creation of the customer's earliest source record (NOR_CLIENT_DATE_CREATION_COURT)."
    )
    updated_at: Timestamp = column("Latest update of any of the customer's source records.")
    source_records: int = column(
        "Number of source records resolved into this customer (1 = no duplicate).", ge=1
    )


class CustomerIdentityMap(
    DataContract,
    domain="customers",
    product="customer_identity_map",
    version="1.0.0",
    owner=CRM_IDENTITY,
    grain=("source_system", "source_customer_id"),
    freshness=DAILY,
    tags=("identity", "crm", "pii"),
):
    """Which resolved customer each source record became: the key to clean identifiers.

    Grain: (``source_system``, ``source_customer_id``): every customer record of every
    client master extract, once. Source: the same extracts and resolution as
    ``customers.customer_profile`` (see its description for the matching rules).
    Other domains translate the customer identifiers of their own sources (the
    reservation system's customer on a booking, the CRM contact of a campaign send)
    into ``customer_id`` with this product, so that one person has one identifier
    across the mesh. ``match_rule`` says why a record joined its customer: ``first``
    for the customer's earliest record, otherwise the first rule that matched it
    to an earlier record (``email``, then ``name_birth_date``, then
    ``name_mobile_phone``). Exactly one record per customer is ``first``.
    """

    source_system: str = column(
        "Source system of the record, in snake_case (e.g. crm, reservations).",
        pattern=r"^[a-z][a-z_]{1,31}$",
        examples=["crm", "reservations"],
    )
    source_customer_id: str = column(
        "Identifier of the record in its source system, as extracted.",
        min_length=1,
        max_length=64,
        classification=Classification.INDIRECT_PII,
        rationale=_SOURCE_RECORD_RATIONALE,
        examples=["284034"],
    )
    customer_id: CustomerId = column(
        "The resolved customer the record belongs to.",
        classification=Classification.INDIRECT_PII,
        rationale=_CUSTOMER_RATIONALE,
        references="customers.customer_profile.customer_id",
    )
    match_rule: MatchRule = column(
        "Why the record joined its customer: first record, or the rule that matched it."
    )
    record_created_date: Date = column("Creation date of the record in its source.")


class CustomerConsent(
    DataContract,
    domain="customers",
    product="customer_consent",
    version="1.0.0",
    owner=CRM_IDENTITY,
    grain=("customer_id", "channel"),
    freshness=DAILY,
    tags=("gdpr", "consent", "crm"),
):
    """Whether each customer may be contacted on each channel, and since when.

    Grain: (``customer_id``, ``channel``): every customer of
    ``customers.customer_profile`` has exactly one row per channel (five rows).
    Sources: the central opt-in flags of the client master extracts (the seed's
    ``*_OPT_IN_CENTRAL`` columns: e-mail, mobile, the two landlines, postal address,
    and the advertising opt-in of the preference centre) with the dates and origins
    of the decisions, and the quality flags of ``customers.customer_profile``.

    - ``opted_in``: the customer's latest decision on the channel is an opt-in (when
      resolved records disagree, the most recent decision wins; no decision = false).
      ``sms`` uses the mobile's opt-in, ``phone`` the mobile's or a landline's,
      ``postal`` the address's, ``advertising`` the preference centre's.
    - ``is_valid``: the channel's contact point is ``valid`` in the profile (e-mail;
      mobile for sms; mobile or a landline for phone; address for postal; e-mail or
      mobile for advertising, the keys of customer-match audiences).
    - ``is_contactable`` = ``opted_in`` and ``is_valid``: the only flag a campaign,
      call list or audience may select on.
    """

    customer_id: CustomerId = column(
        "The customer.",
        classification=Classification.INDIRECT_PII,
        rationale=_CUSTOMER_RATIONALE,
        references="customers.customer_profile.customer_id",
    )
    channel: ConsentChannel = column("The contact channel.")
    opted_in: bool = column("True when the customer's latest decision is an opt-in.")
    is_valid: bool = column("True when the channel's contact point is valid.")
    is_contactable: bool = column("opted_in and is_valid: the customer may be contacted.")
    consent_date: Date | None = column(
        "Date of the latest opt-in or opt-out decision; null when none was recorded.",
        default=None,
    )
    source: ConsentSource | None = column(
        "Where the latest decision was collected; null when none was recorded.", default=None
    )


class Households(
    DataContract,
    domain="customers",
    product="households",
    version="1.0.0",
    owner=CRM_IDENTITY,
    grain=("household_id",),
    freshness=DAILY,
    tags=("crm", "households"),
):
    """One row per household: the customers living at one postal address, and their stays.

    Grain: ``household_id``, every household of ``customers.customer_profile``.
    Sources: ``customers.customer_profile`` (members, address), ``bookings.bookings``
    (stays) and ``territory.iris_zones`` (the IRIS zone of French addresses).

    - ``adults``: the customers of the household (customer records are adults).
    - ``children``: the largest number of children on a booking of a member whose
      arrival falls in the last five seasons (0 without such booking).
    - ``composition``: ``family`` when children > 0, else ``single`` for one adult,
      ``couple`` for two, ``group`` for three or more.
    - A *stay* is a booking of a member in ``bookings.bookings`` that is not
      cancelled and whose arrival date has passed; ``stays``, ``first_stay_season``
      and ``last_stay_season`` (season of the arrival) count and bound them.
    - Address columns are the household's normalised address; ``department_code`` and
      ``iris_code`` are set for addresses in France only (``iris_code`` when the
      address could be geocoded); ``country_code`` is the address country, or the
      market of the reference customer for a household without address.
    """

    household_id: HouseholdId = column(
        "Household identifier.",
        classification=Classification.INDIRECT_PII,
        rationale=_HOUSEHOLD_RATIONALE,
    )
    reference_customer_id: CustomerId = column(
        "The household's reference customer: its member created first.",
        classification=Classification.INDIRECT_PII,
        rationale=_CUSTOMER_RATIONALE,
        references="customers.customer_profile.customer_id",
    )
    size: int = column("People in the household: adults + children.", ge=1)
    adults: int = column("Adults: the customers of the household.", ge=1)
    children: Count = column("Children, from the members' bookings of the last five seasons.")
    composition: Composition = column("Composition of the household.")
    market: CountryCode = column("Market of the reference customer.")
    country_code: CountryCode = column("Country of the address (or the market without one).")
    postal_code: str | None = column(
        "Postal code of the address; null without address.",
        default=None,
        min_length=2,
        max_length=10,
        classification=Classification.INDIRECT_PII,
        rationale=_LOCATION_RATIONALE,
    )
    city: str | None = column(
        "City of the address; null without address.",
        default=None,
        min_length=1,
        max_length=100,
        classification=Classification.INDIRECT_PII,
        rationale=_LOCATION_RATIONALE,
    )
    department_code: DepartmentCode | None = column(
        "French department of the address, from the postal code; null outside France.",
        default=None,
    )
    iris_code: IrisCode | None = column(
        "INSEE IRIS zone of the address; null outside France or when not geocoded.",
        default=None,
        classification=Classification.INDIRECT_PII,
        rationale=_LOCATION_RATIONALE,
        references="territory.iris_zones.iris_code",
    )
    has_valid_address: bool = column("True when the household's address quality is valid.")
    created_date: Date = column("Creation date of the household's first member.")
    stays: Count = column("Stays of the household's members (bookings not cancelled, arrived).")
    first_stay_season: Season | None = column(
        "Season of the first stay; null without stay.", default=None
    )
    last_stay_season: Season | None = column(
        "Season of the latest stay; null without stay.", default=None
    )
