-- customers.identity_resolution: every source customer record, normalised, with the
-- resolved customer it belongs to. Internal to the customers domain: the one place
-- where records are normalised and resolved; customers.customer_profile (survivorship)
-- and customers.customer_identity_map (the public translation of source identifiers)
-- both read it.
--
-- Records: every record of the two client master extracts, the CRM contact base
-- (source_system "crm", source_customer_id = the contact id) and the reservation
-- system's accounts ("reservations", the account code), in their latest extracted
-- version (older versions are left out as duplicate; a record without its identifier
-- as missing_value:contact_id or missing_value:account_code).
--
-- Normalisation, per record:
-- * names: trimmed, spaces collapsed, case and accents as typed (the profile applies
--   title case after survivorship); their matching keys in upper case, accents
--   stripped, ß as SS, Œ as OE, Æ as AE;
-- * e-mail: trimmed, lower case; kept only when syntactically valid; its quality is
--   invalid when malformed or rejected by the CRM's own check;
-- * phones: E.164, national formats read with the numbering plan of the record's
--   address country (or its account's market); see the phone block below. The
--   reservation system's single phone counts as a mobile when the numbering plan says
--   so (or cannot tell), else as a landline; when it is not a possible number, it
--   counts against the mobile;
-- * address: lines and city trimmed, spaces collapsed, upper case (the postal
--   standard; ß is written SS first, so that every engine spells it alike: Unicode's
--   full case mapping, which the BigQuery emulator applies, gives SS, DuckDB's gives ẞ),
--   accents kept; postal codes in the country's form (a French code that
--   lost its leading zero gets it back; British, Canadian and Dutch codes with their
--   space, Brazilian ones with their hyphen); country codes upper case; the address
--   status says whether the address is valid (complete, accepted by the CRM's check,
--   postal code in the country's form), complete, partial or missing;
-- * civility (title id, else the civility or title as typed, in any of the markets'
--   languages), declared sex, language (ISO 639-1 from codes, locales or language
--   names); birth dates that are placeholders (1900-01-01, 00/00/0000) or not before
--   the record's creation are unknown.
WITH

crm AS (
  SELECT
    'crm' AS source_system,
    CAST(contact_id AS STRING) AS source_customer_id,
    updated_at,
    CAST(created_on AS DATETIME) AS created_at,
    created_on AS record_created_date,
    -- a contact without a type is a prospect
    COALESCE(UPPER(TRIM(customer_type_label)) LIKE 'CLIENT%', FALSE) AS is_client,
    CASE title_id WHEN 1 THEN 'MR' WHEN 2 THEN 'MRS' WHEN 3 THEN 'MISS' END AS title_civility,
    civility AS typed_civility,
    CASE UPPER(TRIM(sex_code))
      WHEN 'F' THEN 'female'
      WHEN 'M' THEN 'male'
      ELSE
        CASE
          WHEN UPPER(TRIM(gender_label)) IN ('FEMME', 'F', 'FEMALE', 'WOMAN') THEN 'female'
          WHEN UPPER(TRIM(gender_label)) IN ('HOMME', 'H', 'M', 'MALE', 'MAN') THEN 'male'
        END
    END AS declared_gender,
    first_name,
    last_name,
    IF(birth_date > DATE '1900-01-01' AND birth_date < created_on, birth_date, NULL) AS birth_date,
    preferred_language AS typed_language,
    address_line1,
    address_line2,
    address_line3,
    postal_code,
    city,
    UPPER(TRIM(country_code)) AS country,
    COALESCE(address_valid, 1) = 1 AS address_accepted,
    email,
    COALESCE(email_valid, 1) = 1 AS email_accepted,
    CAST(NULL AS STRING) AS account_market,
    mobile_phone,
    landline_phone_1,
    landline_phone_2,
    CAST(NULL AS STRING) AS account_phone,
    CASE
      WHEN contact_id IS NULL THEN 'missing_value:contact_id'
      WHEN ROW_NUMBER() OVER (PARTITION BY contact_id ORDER BY updated_at DESC) > 1
        THEN 'duplicate'
    END AS _left_out,
    CAST(contact_id AS STRING) AS _left_out_key
  FROM landing_customers.client_extract_crm
),

reservations AS (
  SELECT
    'reservations' AS source_system,
    account_code AS source_customer_id,
    updated_at,
    created_at,
    DATE(created_at) AS record_created_date,
    TRUE AS is_client,
    CAST(NULL AS STRING) AS title_civility,
    title AS typed_civility,
    CAST(NULL AS STRING) AS declared_gender,
    first_name,
    last_name,
    SAFE_CAST(
      CONCAT(SUBSTR(TRIM(birth_date), 7, 4), '-', SUBSTR(TRIM(birth_date), 4, 2), '-',
        SUBSTR(TRIM(birth_date), 1, 2)) AS DATE
    ) AS birth_date,
    language AS typed_language,
    address_1 AS address_line1,
    address_2 AS address_line2,
    CAST(NULL AS STRING) AS address_line3,
    zip_code AS postal_code,
    town AS city,
    UPPER(TRIM(country)) AS country,
    TRUE AS address_accepted,
    email,
    TRUE AS email_accepted,
    UPPER(REGEXP_EXTRACT(account_code, r'^([A-Za-z]{2})-')) AS account_market,
    CAST(NULL AS STRING) AS mobile_phone,
    CAST(NULL AS STRING) AS landline_phone_1,
    CAST(NULL AS STRING) AS landline_phone_2,
    phone AS account_phone,
    CASE
      WHEN account_code IS NULL OR TRIM(account_code) = '' THEN 'missing_value:account_code'
      WHEN ROW_NUMBER() OVER (PARTITION BY account_code ORDER BY updated_at DESC) > 1
        THEN 'duplicate'
    END AS _left_out,
    account_code AS _left_out_key
  FROM landing_customers.client_extract_booking
),

source_records AS (
  SELECT * FROM crm
  UNION ALL
  SELECT * FROM reservations
),

phone_inputs AS (
  SELECT source_system, source_customer_id, 'mobile' AS phone_field, country, mobile_phone AS phone
  FROM source_records
  WHERE mobile_phone IS NOT NULL
  UNION ALL
  SELECT source_system, source_customer_id, 'landline_1', country, landline_phone_1
  FROM source_records
  WHERE landline_phone_1 IS NOT NULL
  UNION ALL
  SELECT source_system, source_customer_id, 'landline_2', country, landline_phone_2
  FROM source_records
  WHERE landline_phone_2 IS NOT NULL
  UNION ALL
  SELECT source_system, source_customer_id, 'phone', COALESCE(country, account_market), account_phone
  FROM source_records
  WHERE account_phone IS NOT NULL
),

-- phone normalisation. Input: phone_inputs (source_system, source_customer_id,
-- phone_field, country, phone). Output: normalised_phones, one row per phone typed
-- with at least one digit, with its E.164 form (null when no reading gives a possible
-- number of its country) and whether it is a mobile number.
-- gives a possible number of its country) and whether it is a mobile number.
--
-- Numbering plans of the customers' countries: country calling code, national trunk
-- prefix, lengths and possible first digits of the national significant number (NSN),
-- and the first digits (and length, where it tells) of mobile NSNs; North American
-- numbers cannot be told apart, so they all count as mobiles.
numbering AS (
  SELECT *
  FROM UNNEST([
    STRUCT('FR' AS country, '33' AS dial, '0' AS trunk, 9 AS min_digits, 9 AS max_digits,
      '123456789' AS leads, '67' AS mobile_leads, CAST(NULL AS INT64) AS mobile_digits),
    STRUCT('BE', '32', '0', 8, 9, '123456789', '4', 9),
    STRUCT('CH', '41', '0', 9, 9, '123456789', '7', NULL),
    STRUCT('GB', '44', '0', 9, 10, '123456789', '7', NULL),
    STRUCT('DE', '49', '0', 6, 11, '123456789', '1', NULL),
    STRUCT('IT', '39', '', 6, 11, '0123456789', '3', NULL),
    STRUCT('ES', '34', '', 9, 9, '56789', '67', NULL),
    STRUCT('NL', '31', '0', 9, 9, '123456789', '6', NULL),
    STRUCT('US', '1', '1', 10, 10, '23456789', '23456789', NULL),
    STRUCT('CA', '1', '1', 10, 10, '23456789', '23456789', NULL),
    STRUCT('BR', '55', '0', 10, 11, '123456789', '123456789', 11),
    STRUCT('CN', '86', '0', 10, 11, '123456789', '1', 11),
    STRUCT('LU', '352', '', 6, 11, '123456789', '6', NULL),
    STRUCT('MC', '377', '', 8, 9, '0123456789', '46', NULL),
    STRUCT('AT', '43', '0', 7, 13, '123456789', '6', NULL),
    STRUCT('PT', '351', '', 9, 9, '29', '9', NULL),
    STRUCT('IE', '353', '0', 7, 10, '123456789', '8', NULL),
    STRUCT('SE', '46', '0', 7, 10, '123456789', '7', NULL)
  ])
),

dial_plans AS (
  -- one plan per calling code (the United States and Canada share +1)
  SELECT DISTINCT dial, min_digits, max_digits, leads, mobile_leads, mobile_digits
  FROM numbering
  WHERE country != 'CA'
),

phone_digits AS (
  SELECT
    i.source_system,
    i.source_customer_id,
    i.phone_field,
    STARTS_WITH(TRIM(i.phone), '+') AS typed_plus,
    -- "+33 (0)6 12 ...": the bracketed trunk prefix is not part of the number
    REGEXP_REPLACE(REGEXP_REPLACE(i.phone, r'\(0\)', ''), r'[^0-9]', '') AS digits,
    n.dial,
    n.trunk,
    n.min_digits,
    n.max_digits,
    n.leads,
    n.mobile_leads,
    n.mobile_digits
  FROM phone_inputs AS i
  LEFT JOIN numbering AS n ON n.country = i.country
  WHERE i.phone IS NOT NULL
),

phone_readings AS (
  SELECT
    p.*,
    -- read as international: the digits after "+" or "00"
    CASE
      WHEN p.typed_plus THEN p.digits
      WHEN STARTS_WITH(p.digits, '00') THEN SUBSTR(p.digits, 3)
    END AS international_digits,
    -- read as national: the NSN without the trunk prefix
    IF(p.trunk != '' AND STARTS_WITH(p.digits, p.trunk), SUBSTR(p.digits, LENGTH(p.trunk) + 1),
      p.digits) AS national_nsn,
    -- read as the country code typed without "+" or "00"
    IF(STARTS_WITH(p.digits, p.dial), SUBSTR(p.digits, LENGTH(p.dial) + 1), NULL) AS bare_nsn
  FROM phone_digits AS p
  WHERE p.digits != ''
),

international_plans AS (
  -- calling codes are a prefix code: at most one of 1, 2 or 3 first digits matches
  SELECT
    r.*,
    COALESCE(d1.dial, d2.dial, d3.dial) AS i_dial,
    COALESCE(d1.min_digits, d2.min_digits, d3.min_digits) AS i_min_digits,
    COALESCE(d1.max_digits, d2.max_digits, d3.max_digits) AS i_max_digits,
    COALESCE(d1.leads, d2.leads, d3.leads) AS i_leads,
    COALESCE(d1.mobile_leads, d2.mobile_leads, d3.mobile_leads) AS i_mobile_leads,
    COALESCE(d1.mobile_digits, d2.mobile_digits, d3.mobile_digits) AS i_mobile_digits
  FROM phone_readings AS r
  LEFT JOIN dial_plans AS d1 ON d1.dial = SUBSTR(r.international_digits, 1, 1)
  LEFT JOIN dial_plans AS d2 ON d2.dial = SUBSTR(r.international_digits, 1, 2)
  LEFT JOIN dial_plans AS d3 ON d3.dial = SUBSTR(r.international_digits, 1, 3)
),

phone_checks AS (
  -- a possible NSN: the plan's length and first digits, and not a placeholder (the
  -- digits after the first all the same, as in 0600000000)
  SELECT
    *,
    COALESCE(
      international_digits IS NOT NULL
      AND IF(
        i_dial IS NULL,
        REGEXP_CONTAINS(international_digits, r'^[1-9][0-9]{7,14}$'),
        LENGTH(international_digits) - LENGTH(i_dial) BETWEEN i_min_digits AND i_max_digits
        AND STRPOS(i_leads, SUBSTR(international_digits, LENGTH(i_dial) + 1, 1)) > 0
        AND REPLACE(
          SUBSTR(international_digits, LENGTH(i_dial) + 2),
          SUBSTR(international_digits, LENGTH(i_dial) + 2, 1), ''
        ) != ''
      ),
      FALSE
    ) AS international_ok,
    COALESCE(
      LENGTH(national_nsn) BETWEEN min_digits AND max_digits
      AND STRPOS(leads, SUBSTR(national_nsn, 1, 1)) > 0
      AND REPLACE(SUBSTR(national_nsn, 2), SUBSTR(national_nsn, 2, 1), '') != '',
      FALSE
    ) AS national_ok,
    COALESCE(
      LENGTH(bare_nsn) BETWEEN min_digits AND max_digits
      AND STRPOS(leads, SUBSTR(bare_nsn, 1, 1)) > 0
      AND REPLACE(SUBSTR(bare_nsn, 2), SUBSTR(bare_nsn, 2, 1), '') != '',
      FALSE
    ) AS bare_ok
  FROM international_plans
),

normalised_phones AS (
  SELECT
    source_system,
    source_customer_id,
    phone_field,
    CASE
      WHEN international_ok THEN CONCAT('+', international_digits)
      WHEN typed_plus THEN NULL
      WHEN national_ok THEN CONCAT('+', dial, national_nsn)
      WHEN bare_ok THEN CONCAT('+', digits)
    END AS e164,
    CASE
      WHEN international_ok THEN
        i_dial IS NULL
        OR (
          STRPOS(i_mobile_leads, SUBSTR(international_digits, LENGTH(i_dial) + 1, 1)) > 0
          AND COALESCE(LENGTH(international_digits) - LENGTH(i_dial) = i_mobile_digits, TRUE)
        )
      WHEN typed_plus THEN FALSE
      WHEN national_ok THEN
        STRPOS(mobile_leads, SUBSTR(national_nsn, 1, 1)) > 0
        AND COALESCE(LENGTH(national_nsn) = mobile_digits, TRUE)
      WHEN bare_ok THEN
        STRPOS(mobile_leads, SUBSTR(bare_nsn, 1, 1)) > 0
        AND COALESCE(LENGTH(bare_nsn) = mobile_digits, TRUE)
      ELSE FALSE
    END AS is_mobile_number
  FROM phone_checks
),

record_phones AS (
  -- each record's normalised phones: the CRM's mobile and landlines, the reservation
  -- system's single phone (a mobile when the numbering plan says so or cannot tell)
  SELECT
    source_system,
    source_customer_id,
    MAX(IF(phone_field = 'mobile', e164, NULL)) AS crm_mobile,
    LOGICAL_OR(phone_field = 'mobile') AS crm_mobile_given,
    MAX(IF(phone_field = 'landline_1', e164, NULL)) AS crm_landline_1,
    LOGICAL_OR(phone_field = 'landline_1') AS crm_landline_1_given,
    MAX(IF(phone_field = 'landline_2', e164, NULL)) AS crm_landline_2,
    LOGICAL_OR(phone_field = 'landline_2') AS crm_landline_2_given,
    MAX(IF(phone_field = 'phone', e164, NULL)) AS account_phone,
    LOGICAL_OR(phone_field = 'phone') AS account_phone_given,
    LOGICAL_OR(phone_field = 'phone' AND is_mobile_number) AS account_phone_is_mobile
  FROM normalised_phones
  GROUP BY source_system, source_customer_id
),


cleaned AS (
  SELECT
    r.source_system,
    r.source_customer_id,
    r.created_at,
    r.record_created_date,
    r.updated_at,
    r.is_client,
    COALESCE(
      r.title_civility,
      CASE
        WHEN UPPER(REGEXP_REPLACE(r.typed_civility, r'[.\s]', '')) IN (
          'M', 'MR', 'MONSIEUR', 'HERR', 'SIG', 'SIGNOR', 'SR', 'SENOR', 'SEÑOR', 'DHR'
        ) THEN 'MR'
        WHEN UPPER(REGEXP_REPLACE(r.typed_civility, r'[.\s]', '')) IN (
          'MME', 'MRS', 'MS', 'MADAME', 'FRAU', 'SIGRA', 'SIGNORA', 'SRA', 'SENORA', 'SEÑORA',
          'MEVR', 'MEVROUW'
        ) THEN 'MRS'
        WHEN UPPER(REGEXP_REPLACE(r.typed_civility, r'[.\s]', '')) IN (
          'MLLE', 'MISS', 'MADEMOISELLE', 'SIGNORINA', 'SRTA', 'SEÑORITA', 'SENORITA', 'FRL'
        ) THEN 'MISS'
      END
    ) AS civility,
    r.declared_gender,
    NULLIF(REGEXP_REPLACE(TRIM(r.first_name), r'\s+', ' '), '') AS first_spelling,
    NULLIF(REGEXP_REPLACE(TRIM(r.last_name), r'\s+', ' '), '') AS last_spelling,
    IF(r.birth_date > DATE '1900-01-01' AND r.birth_date < r.record_created_date,
      r.birth_date, NULL) AS birth_date,
    CASE
      WHEN REGEXP_CONTAINS(UPPER(TRIM(r.typed_language)), r'^[A-Z]{2}([_-][A-Z]{2})?$')
        THEN LOWER(SUBSTR(TRIM(r.typed_language), 1, 2))
      WHEN UPPER(TRIM(r.typed_language)) IN ('FRANÇAIS', 'FRANCAIS', 'FRENCH') THEN 'fr'
      WHEN UPPER(TRIM(r.typed_language)) IN ('ENGLISH', 'ANGLAIS') THEN 'en'
      WHEN UPPER(TRIM(r.typed_language)) IN ('DEUTSCH', 'ALLEMAND', 'GERMAN') THEN 'de'
      WHEN UPPER(TRIM(r.typed_language)) IN ('ITALIANO', 'ITALIEN', 'ITALIAN') THEN 'it'
      WHEN UPPER(TRIM(r.typed_language)) IN ('ESPAÑOL', 'ESPANOL', 'ESPAGNOL', 'SPANISH') THEN 'es'
      WHEN UPPER(TRIM(r.typed_language)) IN ('NEDERLANDS', 'NÉERLANDAIS', 'NEERLANDAIS', 'DUTCH')
        THEN 'nl'
      WHEN UPPER(TRIM(r.typed_language)) IN ('PORTUGUÊS', 'PORTUGUES', 'PORTUGAIS', 'PORTUGUESE')
        THEN 'pt'
      WHEN UPPER(TRIM(r.typed_language)) IN ('中文', 'CHINOIS', 'CHINESE') THEN 'zh'
    END AS preferred_language,
    NULLIF(UPPER(REPLACE(
      REGEXP_REPLACE(TRIM(r.address_line1), r'\s+', ' '), 'ß', 'SS'
    )), '') AS address_line_1,
    NULLIF(UPPER(REPLACE(
      REGEXP_REPLACE(TRIM(r.address_line2), r'\s+', ' '), 'ß', 'SS'
    )), '') AS address_line_2,
    NULLIF(UPPER(REPLACE(
      REGEXP_REPLACE(TRIM(r.address_line3), r'\s+', ' '), 'ß', 'SS'
    )), '') AS address_line_3,
    NULLIF(UPPER(REGEXP_REPLACE(TRIM(r.postal_code), r'\s+', ' ')), '') AS typed_postal_code,
    NULLIF(UPPER(REPLACE(
      REGEXP_REPLACE(TRIM(r.city), r'\s+', ' '), 'ß', 'SS'
    )), '') AS city,
    IF(REGEXP_CONTAINS(r.country, r'^[A-Z]{2}$'), r.country, NULL) AS country_code,
    r.address_accepted,
    NULLIF(LOWER(TRIM(r.email)), '') AS typed_email,
    r.email_accepted,
    r.account_market,
    COALESCE(ph.crm_mobile, IF(ph.account_phone_is_mobile, ph.account_phone, NULL)) AS mobile_phone,
    COALESCE(
      ph.crm_mobile_given
      OR (ph.account_phone_given AND (ph.account_phone_is_mobile OR ph.account_phone IS NULL)),
      FALSE
    ) AS mobile_given,
    COALESCE(ph.crm_landline_1, IF(ph.account_phone_is_mobile, NULL, ph.account_phone))
      AS landline_phone_1,
    COALESCE(
      ph.crm_landline_1_given OR (ph.account_phone IS NOT NULL AND NOT ph.account_phone_is_mobile),
      FALSE
    ) AS landline_1_given,
    ph.crm_landline_2 AS landline_phone_2,
    COALESCE(ph.crm_landline_2_given, FALSE) AS landline_2_given
  FROM source_records AS r
  LEFT JOIN record_phones AS ph
    ON ph.source_system = r.source_system AND ph.source_customer_id = r.source_customer_id
),

keyed AS (
  SELECT
    * EXCEPT (typed_postal_code, typed_email),
    -- postal codes in the country's form
    CASE
      WHEN country_code = 'FR' AND REGEXP_CONTAINS(typed_postal_code, r'^[0-9]{4}$')
        THEN CONCAT('0', typed_postal_code)
      WHEN country_code IN ('GB', 'CA')
        AND LENGTH(REPLACE(typed_postal_code, ' ', '')) BETWEEN 5 AND 7
        THEN CONCAT(
          SUBSTR(REPLACE(typed_postal_code, ' ', ''), 1, LENGTH(REPLACE(typed_postal_code, ' ', '')) - 3),
          ' ',
          SUBSTR(REPLACE(typed_postal_code, ' ', ''), -3)
        )
      WHEN country_code = 'NL' AND REGEXP_CONTAINS(typed_postal_code, r'^[0-9]{4} ?[A-Z]{2}$')
        THEN CONCAT(SUBSTR(typed_postal_code, 1, 4), ' ', SUBSTR(typed_postal_code, -2))
      WHEN country_code = 'BR' AND REGEXP_CONTAINS(typed_postal_code, r'^[0-9]{5}-?[0-9]{3}$')
        THEN CONCAT(SUBSTR(typed_postal_code, 1, 5), '-', SUBSTR(typed_postal_code, -3))
      ELSE typed_postal_code
    END AS postal_code,
    IF(
      REGEXP_CONTAINS(typed_email, r'^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$')
      AND NOT REGEXP_CONTAINS(typed_email, r'\.\.|^\.|\.@|@[.-]')
      AND LENGTH(typed_email) <= 254,
      typed_email,
      NULL
    ) AS email,
    typed_email IS NOT NULL AS email_given,
    -- the name keys: upper case, accents stripped
    NULLIF(IF(
      REGEXP_CONTAINS(first_spelling, r'[^\x00-\x7F]'),
      TRANSLATE(
        UPPER(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(first_spelling,
          'ß', 'ss'), 'ẞ', 'SS'), 'œ', 'oe'), 'Œ', 'OE'), 'æ', 'ae'), 'Æ', 'AE')),
        'ÀÁÂÃÄÅĀĂĄÇĆČĎÈÉÊËĒĖĘĚÌÍÎÏĪĮŁÑŃŇÒÓÔÕÖØŌŐŘŚŠŞŤÙÚÛÜŪŮŰŲÝŸŹŻŽ',
        'AAAAAAAAACCCDEEEEEEEEIIIIIILNNNOOOOOOOORSSSTUUUUUUUUYYZZZ'
      ),
      UPPER(first_spelling)
    ), '') AS first_key,
    NULLIF(IF(
      REGEXP_CONTAINS(last_spelling, r'[^\x00-\x7F]'),
      TRANSLATE(
        UPPER(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(last_spelling,
          'ß', 'ss'), 'ẞ', 'SS'), 'œ', 'oe'), 'Œ', 'OE'), 'æ', 'ae'), 'Æ', 'AE')),
        'ÀÁÂÃÄÅĀĂĄÇĆČĎÈÉÊËĒĖĘĚÌÍÎÏĪĮŁÑŃŇÒÓÔÕÖØŌŐŘŚŠŞŤÙÚÛÜŪŮŰŲÝŸŹŻŽ',
        'AAAAAAAAACCCDEEEEEEEEIIIIIILNNNOOOOOOOORSSSTUUUUUUUUYYZZZ'
      ),
      UPPER(last_spelling)
    ), '') AS last_key
  FROM cleaned
),

normalised_records AS (
  SELECT
    *,
    -- the address as a whole: missing, partial, complete, or valid (complete, accepted by
    -- the CRM's check, postal code in the country's form)
    CASE
      WHEN address_line_1 IS NULL AND postal_code IS NULL AND city IS NULL THEN 'missing'
      WHEN address_line_1 IS NULL OR postal_code IS NULL OR city IS NULL OR country_code IS NULL
        THEN 'partial'
      WHEN address_accepted AND CASE country_code
          WHEN 'FR' THEN REGEXP_CONTAINS(postal_code, r'^[0-9]{5}$')
          WHEN 'BE' THEN REGEXP_CONTAINS(postal_code, r'^[0-9]{4}$')
          WHEN 'CH' THEN REGEXP_CONTAINS(postal_code, r'^[0-9]{4}$')
          WHEN 'GB' THEN REGEXP_CONTAINS(postal_code, r'^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$')
          WHEN 'DE' THEN REGEXP_CONTAINS(postal_code, r'^[0-9]{5}$')
          WHEN 'IT' THEN REGEXP_CONTAINS(postal_code, r'^[0-9]{5}$')
          WHEN 'ES' THEN REGEXP_CONTAINS(postal_code, r'^[0-9]{5}$')
          WHEN 'NL' THEN REGEXP_CONTAINS(postal_code, r'^[0-9]{4} [A-Z]{2}$')
          WHEN 'US' THEN REGEXP_CONTAINS(postal_code, r'^[0-9]{5}(-[0-9]{4})?$')
          WHEN 'CA' THEN REGEXP_CONTAINS(postal_code, r'^[A-Z][0-9][A-Z] [0-9][A-Z][0-9]$')
          WHEN 'BR' THEN REGEXP_CONTAINS(postal_code, r'^[0-9]{5}-[0-9]{3}$')
          WHEN 'CN' THEN REGEXP_CONTAINS(postal_code, r'^[0-9]{6}$')
          WHEN 'LU' THEN REGEXP_CONTAINS(postal_code, r'^[0-9]{4}$')
          WHEN 'MC' THEN REGEXP_CONTAINS(postal_code, r'^980[0-9]{2}$')
          WHEN 'AT' THEN REGEXP_CONTAINS(postal_code, r'^[0-9]{4}$')
          WHEN 'PT' THEN REGEXP_CONTAINS(postal_code, r'^[0-9]{4}-[0-9]{3}$')
          ELSE REGEXP_CONTAINS(postal_code, r'^[A-Z0-9][A-Z0-9 -]{1,9}$')
        END
        THEN 'valid'
      ELSE 'complete'
    END AS address_status
  FROM keyed
),

-- identity resolution. Input: normalised_records. Output: resolved_records, one row per
-- source record with its customer and the rule that matched it.
--
-- Keys: the e-mail (valid ones only); the first and last name keys with the birth
-- date, or with the mobile phone in E.164 (the CRM's mobile; the reservation system's
-- single phone when the numbering plan says it is a mobile, or cannot tell).
--
-- Two records are the same customer when they share a key; customers are the
-- connected components of that relation, found by label propagation: every record
-- starts with the smallest rank sharing a key with it (records ranked by creation,
-- then source system, then identifier) and, at each round, takes the smallest label
-- among the records sharing one of its keys. Five rounds join records up to five links
-- apart (two suffice on the seed-sized extracts: a person has a few records); one more
-- round checks that nothing changes any more, and the query fails (ERROR) rather than
-- split a customer if it would. Every record of a customer ends with the rank of its
-- earliest record, the customer's first record.
--
-- customer_id: "CU" + "1" + the 7-digit CRM contact id, or "CU" + "2" + the 7-digit
-- number of the reservation account, of the customer's first record: stable as long as
-- that record stays the earliest. (A number longer than 7 digits yields an id that
-- fails the contract's pattern check instead of colliding with another one.)
--
-- match_rule: "first" for the first record; otherwise the first rule, in the order
-- email, name_birth_date, name_mobile_phone, for which an earlier record of the
-- customer shares the record's key; for a record linked only through later records,
-- the first rule for which any other record of the customer shares its key.
resolution_records AS (
  SELECT
    source_system,
    source_customer_id,
    ROW_NUMBER() OVER (ORDER BY created_at, source_system, source_customer_id) AS record_rank,
    email AS email_key,
    IF(first_key IS NOT NULL AND last_key IS NOT NULL AND birth_date IS NOT NULL,
      CONCAT(first_key, '|', last_key, '|', CAST(birth_date AS STRING)), NULL)
      AS name_birth_key,
    IF(first_key IS NOT NULL AND last_key IS NOT NULL AND mobile_phone IS NOT NULL,
      CONCAT(first_key, '|', last_key, '|', mobile_phone), NULL) AS name_mobile_key
  FROM normalised_records
),

resolution_groups AS (
  -- each key's group, named by the smallest rank sharing it (an integer key for the
  -- rounds below); the largest rank sharing it tells whether a later record does
  SELECT
    record_rank,
    source_system,
    source_customer_id,
    IF(email_key IS NULL, NULL, MIN(record_rank) OVER (PARTITION BY email_key)) AS email_group,
    IF(email_key IS NULL, NULL, MAX(record_rank) OVER (PARTITION BY email_key)) AS email_last,
    IF(name_birth_key IS NULL, NULL, MIN(record_rank) OVER (PARTITION BY name_birth_key))
      AS name_birth_group,
    IF(name_birth_key IS NULL, NULL, MAX(record_rank) OVER (PARTITION BY name_birth_key))
      AS name_birth_last,
    IF(name_mobile_key IS NULL, NULL, MIN(record_rank) OVER (PARTITION BY name_mobile_key))
      AS name_mobile_group,
    IF(name_mobile_key IS NULL, NULL, MAX(record_rank) OVER (PARTITION BY name_mobile_key))
      AS name_mobile_last
  FROM resolution_records
),

resolution_round_1 AS (
  SELECT
    *,
    LEAST(
      record_rank,
      COALESCE(email_group, record_rank),
      COALESCE(name_birth_group, record_rank),
      COALESCE(name_mobile_group, record_rank)
    ) AS label
  FROM resolution_groups
),

resolution_round_2 AS (
  SELECT
    * EXCEPT (label),
    LEAST(
      label,
      IF(email_group IS NULL, label, MIN(label) OVER (PARTITION BY email_group)),
      IF(name_birth_group IS NULL, label, MIN(label) OVER (PARTITION BY name_birth_group)),
      IF(name_mobile_group IS NULL, label, MIN(label) OVER (PARTITION BY name_mobile_group))
    ) AS label
  FROM resolution_round_1
),

resolution_round_3 AS (
  SELECT
    * EXCEPT (label),
    LEAST(
      label,
      IF(email_group IS NULL, label, MIN(label) OVER (PARTITION BY email_group)),
      IF(name_birth_group IS NULL, label, MIN(label) OVER (PARTITION BY name_birth_group)),
      IF(name_mobile_group IS NULL, label, MIN(label) OVER (PARTITION BY name_mobile_group))
    ) AS label
  FROM resolution_round_2
),

resolution_round_4 AS (
  SELECT
    * EXCEPT (label),
    LEAST(
      label,
      IF(email_group IS NULL, label, MIN(label) OVER (PARTITION BY email_group)),
      IF(name_birth_group IS NULL, label, MIN(label) OVER (PARTITION BY name_birth_group)),
      IF(name_mobile_group IS NULL, label, MIN(label) OVER (PARTITION BY name_mobile_group))
    ) AS label
  FROM resolution_round_3
),

resolution_round_5 AS (
  SELECT
    * EXCEPT (label),
    LEAST(
      label,
      IF(email_group IS NULL, label, MIN(label) OVER (PARTITION BY email_group)),
      IF(name_birth_group IS NULL, label, MIN(label) OVER (PARTITION BY name_birth_group)),
      IF(name_mobile_group IS NULL, label, MIN(label) OVER (PARTITION BY name_mobile_group))
    ) AS label
  FROM resolution_round_4
),

resolution_check AS (
  SELECT
    *,
    LEAST(
      label,
      IF(email_group IS NULL, label, MIN(label) OVER (PARTITION BY email_group)),
      IF(name_birth_group IS NULL, label, MIN(label) OVER (PARTITION BY name_birth_group)),
      IF(name_mobile_group IS NULL, label, MIN(label) OVER (PARTITION BY name_mobile_group))
    ) AS converged_label,
    FIRST_VALUE(source_system) OVER (PARTITION BY label ORDER BY record_rank) AS first_system,
    FIRST_VALUE(REGEXP_EXTRACT(source_customer_id, r'([0-9]+)$')) OVER (
      PARTITION BY label ORDER BY record_rank
    ) AS first_number
  FROM resolution_round_5
),

resolved_records AS (
  SELECT
    source_system,
    source_customer_id,
    IF(
      converged_label = label,
      CONCAT(
        'CU',
        IF(first_system = 'crm', '1', '2'),
        IF(LENGTH(first_number) <= 7, LPAD(first_number, 7, '0'), first_number)
      ),
      ERROR(CONCAT(
        'customers: identity resolution did not converge in five rounds (record ',
        source_system, ' ', source_customer_id, ')'
      ))
    ) AS customer_id,
    CASE
      WHEN record_rank = label THEN 'first'
      WHEN email_group < record_rank THEN 'email'
      WHEN name_birth_group < record_rank THEN 'name_birth_date'
      WHEN name_mobile_group < record_rank THEN 'name_mobile_phone'
      WHEN email_last > record_rank THEN 'email'
      WHEN name_birth_last > record_rank THEN 'name_birth_date'
      ELSE 'name_mobile_phone'
    END AS match_rule
  FROM resolution_check
)

SELECT
  n.source_system,
  n.source_customer_id,
  i.customer_id,
  i.match_rule,
  n.record_created_date,
  n.updated_at AS record_updated_at,
  n.is_client,
  n.civility,
  n.declared_gender,
  n.first_spelling AS first_name,
  n.last_spelling AS last_name,
  n.first_key AS first_name_key,
  n.last_key AS last_name_key,
  n.birth_date,
  n.preferred_language,
  n.address_line_1,
  n.address_line_2,
  n.address_line_3,
  n.postal_code,
  n.city,
  n.country_code,
  n.address_status,
  n.account_market,
  n.email,
  CASE
    WHEN n.email IS NOT NULL AND n.email_accepted THEN 'valid'
    WHEN n.email_given THEN 'invalid'
    ELSE 'missing'
  END AS email_quality,
  n.mobile_phone,
  CASE
    WHEN n.mobile_phone IS NOT NULL THEN 'valid'
    WHEN n.mobile_given THEN 'invalid'
    ELSE 'missing'
  END AS mobile_phone_quality,
  n.landline_phone_1,
  CASE
    WHEN n.landline_phone_1 IS NOT NULL THEN 'valid'
    WHEN n.landline_1_given THEN 'invalid'
    ELSE 'missing'
  END AS landline_phone_1_quality,
  n.landline_phone_2,
  CASE
    WHEN n.landline_phone_2 IS NOT NULL THEN 'valid'
    WHEN n.landline_2_given THEN 'invalid'
    ELSE 'missing'
  END AS landline_phone_2_quality
FROM normalised_records AS n
INNER JOIN resolved_records AS i
  ON i.source_system = n.source_system AND i.source_customer_id = n.source_customer_id
