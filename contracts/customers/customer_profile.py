"""``customers.customer_profile``: the golden record of each resolved customer."""

from __future__ import annotations

from typing import Literal

from contracts.common import (
    CRM_IDENTITY,
    DAILY,
    CountryCode,
    CustomerId,
    Date,
    Email,
    HouseholdId,
    LanguageCode,
    PhoneE164,
    Timestamp,
)
from contracts.customers.shared import (
    CONTACT_RATIONALE,
    CUSTOMER_RATIONALE,
    HOUSEHOLD_RATIONALE,
    IDENTITY_RATIONALE,
    LOCATION_RATIONALE,
    ContactQuality,
)
from mesh_platform.contract import Classification, DataContract, column


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
        rationale=CUSTOMER_RATIONALE,
    )
    household_id: HouseholdId = column(
        "The customer's household (customers sharing one postal address), "
        "described in customers.households.",
        classification=Classification.INDIRECT_PII,
        rationale=HOUSEHOLD_RATIONALE,
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
        rationale=IDENTITY_RATIONALE,
        examples=["Hélène"],
    )
    last_name: str = column(
        "Last name, normalised (the seed's ORI_CLIENT_NOM).",
        min_length=1,
        max_length=100,
        classification=Classification.DIRECT_PII,
        rationale=IDENTITY_RATIONALE,
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
        rationale=CONTACT_RATIONALE,
    )
    address_line_2: str | None = column(
        "Second line of the postal address (ORI_CLIENT_ADRESSE2); null when empty.",
        default=None,
        min_length=1,
        max_length=200,
        classification=Classification.DIRECT_PII,
        rationale=CONTACT_RATIONALE,
    )
    address_line_3: str | None = column(
        "Third line of the postal address (ORI_CLIENT_ADRESSE3); null when empty.",
        default=None,
        min_length=1,
        max_length=200,
        classification=Classification.DIRECT_PII,
        rationale=CONTACT_RATIONALE,
    )
    postal_code: str | None = column(
        "Postal code in the country's form (the seed's NOR_CLIENT_CP).",
        default=None,
        min_length=2,
        max_length=10,
        classification=Classification.INDIRECT_PII,
        rationale=LOCATION_RATIONALE,
        examples=["73440", "SW1A 1AA"],
    )
    city: str | None = column(
        "City of the postal address (the seed's NOR_CLIENT_VILLE).",
        default=None,
        min_length=1,
        max_length=100,
        classification=Classification.INDIRECT_PII,
        rationale=LOCATION_RATIONALE,
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
        rationale=CONTACT_RATIONALE,
    )
    email_quality: ContactQuality = column(
        "Quality of the e-mail address (the seed's INT_CLIENT_QUALITE_EMAIL_VALIDE)."
    )
    mobile_phone: PhoneE164 | None = column(
        "Mobile phone number in E.164 (the seed's NOR_CLIENT_TEL_MOBILE).",
        default=None,
        classification=Classification.DIRECT_PII,
        rationale=CONTACT_RATIONALE,
    )
    mobile_phone_quality: ContactQuality = column(
        "Quality of the mobile number (the seed's INT_CLIENT_QUALITE_TEL_MOBILE_VALIDE)."
    )
    landline_phone_1: PhoneE164 | None = column(
        "First landline number in E.164 (the seed's NOR_CLIENT_TEL_FIXE1).",
        default=None,
        classification=Classification.DIRECT_PII,
        rationale=CONTACT_RATIONALE,
    )
    landline_phone_1_quality: ContactQuality = column(
        "Quality of the first landline (the seed's INT_CLIENT_QUALITE_TEL_FIXE1_VALIDE)."
    )
    landline_phone_2: PhoneE164 | None = column(
        "Second landline number in E.164 (the seed's NOR_CLIENT_TEL_FIXE2).",
        default=None,
        classification=Classification.DIRECT_PII,
        rationale=CONTACT_RATIONALE,
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
