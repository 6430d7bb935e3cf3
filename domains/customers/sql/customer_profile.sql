-- customers.customer_profile: the golden record of every resolved customer.
--
-- Records: every record of the two client master extracts (the CRM contact base and
-- the reservation system's accounts), resolved into customers by the identity
-- resolution block below (its comments give the rules); customers.customer_identity_map
-- publishes, from the same block, which customer each record became.
--
-- Normalisation:
-- * names: trimmed, spaces collapsed, title case (hyphenated and apostrophised parts
--   included: Jean-François, O'Brien; McDonald), the particles de, du, des, d', van,
--   von, der, den, ter, ten, zu, da, das, dos in lower case before the rest of a
--   last name (not for the Italian market, whose De and D' are capitalised); among the
--   spellings of the customer's name, one with accents is kept when any source has
--   them;
-- * e-mail: trimmed, lower case; kept only when syntactically valid;
-- * phones: E.164, national formats read with the numbering plan of the record's
--   address country (or its account's market); see the phone block below;
-- * address: lines and city trimmed, spaces collapsed, upper case (the postal
--   standard), accents kept; postal codes in the country's form (a French code that
--   lost its leading zero gets it back; British, Canadian and Dutch codes with their
--   space, Brazilian ones with their hyphen); country codes upper case;
-- * civility (title id, else the civility or title as typed, in any of the markets'
--   languages), sex (declared, else from the civility), language (ISO 639-1 from codes,
--   locales or language names).
--
-- Survivorship: each attribute takes the value of the most recently updated record
-- (ties: source system, then record identifier) that has a usable one. The address is
-- taken as a whole from one record: the latest with a valid address, else the latest
-- complete one, else the latest partial one. created_date is the earliest record
-- creation, updated_at the latest record update, source_records the records resolved.
--
-- Quality flags: ``valid`` when the value is usable; ``invalid`` when some record gives
-- one but none is usable (a malformed e-mail or one the CRM's own check rejected; a
-- number that is not a possible number of its country; an incomplete address, a
-- postal code not in the country's form, or an address the CRM's check rejected);
-- ``missing`` when no record gives one. The reservation system's single phone counts
-- as a mobile when the numbering plan says so (or cannot tell), else as a landline;
-- when it is not a possible number, it counts against the mobile.
--
-- customer_type: customer when a record is a reservation account or the CRM records the
-- contact as a client (CLIENT, CLIENT VIP), else prospect. A customer whose records
-- give no last name takes its first name as last name.
--
-- Market: the address country, else the market of the customer's latest reservation
-- account (its code's prefix), else a country a record gives without an address, else
-- FR (the group's home market, where the CRM runs).
--
-- Households: customers whose valid addresses share line 1, postal code, city and
-- country (compared in upper case, without accents or punctuation) form a household,
-- named after its member created first (HH + that customer's 8 digits); a customer
-- without a valid address is a household alone.
WITH

crm AS (
  SELECT
    'crm' AS source_system,
    CAST(contact_id AS STRING) AS source_customer_id,
    updated_at,
    UPPER(TRIM(customer_type_label)) LIKE 'CLIENT%' AS is_client,
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
    CAST(NULL AS STRING) AS account_phone
  FROM landing_customers.client_extract_crm
  WHERE contact_id IS NOT NULL
  QUALIFY ROW_NUMBER() OVER (PARTITION BY contact_id ORDER BY updated_at DESC) = 1
),

reservations AS (
  SELECT
    'reservations' AS source_system,
    account_code AS source_customer_id,
    updated_at,
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
    phone AS account_phone
  FROM landing_customers.client_extract_booking
  WHERE account_code IS NOT NULL AND TRIM(account_code) != ''
  QUALIFY ROW_NUMBER() OVER (PARTITION BY account_code ORDER BY updated_at DESC) = 1
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

-- phone normalisation: begin
-- (the same block in customer_identity_map.sql and customer_profile.sql; a test checks
-- that they do not drift apart). Input: phone_inputs (source_system,
-- source_customer_id, phone_field, country, phone). Output: normalised_phones, one row
-- per phone typed with at least one digit, with its E.164 form (null when no reading
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
-- phone normalisation: end

-- identity resolution: begin
-- (the same block in customer_identity_map.sql and customer_profile.sql; a test checks
-- that they do not drift apart). Input: the two client extracts and normalised_phones.
-- Output: resolved_records, one row per source record with its customer and the rule
-- that matched it.
--
-- Keys: the e-mail (trimmed, lower case, kept only when syntactically valid); the first
-- and last names (trimmed, spaces collapsed, upper case, accents stripped, ß as SS, Œ
-- as OE, Æ as AE: case and accents are ignored) with the birth date (placeholders such
-- as 1900-01-01 or 00/00/0000 and dates after the record's creation are unknown), or
-- with the mobile phone in E.164 (the CRM's mobile; the reservation system's single
-- phone when the numbering plan says it is a mobile, or cannot tell).
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
    *,
    ROW_NUMBER() OVER (ORDER BY created_at, source_system, source_customer_id) AS record_rank
  FROM (
    SELECT
      'crm' AS source_system,
      CAST(contact_id AS STRING) AS source_customer_id,
      CAST(created_on AS DATETIME) AS created_at,
      created_on AS record_created_date,
      email,
      first_name,
      last_name,
      birth_date
    FROM landing_customers.client_extract_crm
    WHERE contact_id IS NOT NULL
    QUALIFY ROW_NUMBER() OVER (PARTITION BY contact_id ORDER BY updated_at DESC) = 1
    UNION ALL
    SELECT
      'reservations' AS source_system,
      account_code AS source_customer_id,
      created_at,
      DATE(created_at) AS record_created_date,
      email,
      first_name,
      last_name,
      SAFE_CAST(
        CONCAT(SUBSTR(TRIM(birth_date), 7, 4), '-', SUBSTR(TRIM(birth_date), 4, 2), '-',
          SUBSTR(TRIM(birth_date), 1, 2)) AS DATE
      ) AS birth_date
    FROM landing_customers.client_extract_booking
    WHERE account_code IS NOT NULL AND TRIM(account_code) != ''
    QUALIFY ROW_NUMBER() OVER (PARTITION BY account_code ORDER BY updated_at DESC) = 1
  )
),

resolution_keys AS (
  SELECT
    r.record_rank,
    r.source_system,
    r.source_customer_id,
    r.record_created_date,
    IF(
      REGEXP_CONTAINS(LOWER(TRIM(r.email)), r'^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$')
      AND NOT REGEXP_CONTAINS(LOWER(TRIM(r.email)), r'\.\.|^\.|\.@|@[.-]')
      AND LENGTH(TRIM(r.email)) <= 254,
      LOWER(TRIM(r.email)),
      NULL
    ) AS email_key,
    NULLIF(IF(
      REGEXP_CONTAINS(r.first_name, r'[^\x00-\x7F]'),
      TRANSLATE(
        UPPER(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(
          REGEXP_REPLACE(TRIM(r.first_name), r'\s+', ' '),
          'ß', 'ss'), 'ẞ', 'SS'), 'œ', 'oe'), 'Œ', 'OE'), 'æ', 'ae'), 'Æ', 'AE')),
        'ÀÁÂÃÄÅĀĂĄÇĆČĎÈÉÊËĒĖĘĚÌÍÎÏĪĮŁÑŃŇÒÓÔÕÖØŌŐŘŚŠŞŤÙÚÛÜŪŮŰŲÝŸŹŻŽ',
        'AAAAAAAAACCCDEEEEEEEEIIIIIILNNNOOOOOOOORSSSTUUUUUUUUYYZZZ'
      ),
      UPPER(REGEXP_REPLACE(TRIM(r.first_name), r'\s+', ' '))
    ), '') AS first_key,
    NULLIF(IF(
      REGEXP_CONTAINS(r.last_name, r'[^\x00-\x7F]'),
      TRANSLATE(
        UPPER(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(
          REGEXP_REPLACE(TRIM(r.last_name), r'\s+', ' '),
          'ß', 'ss'), 'ẞ', 'SS'), 'œ', 'oe'), 'Œ', 'OE'), 'æ', 'ae'), 'Æ', 'AE')),
        'ÀÁÂÃÄÅĀĂĄÇĆČĎÈÉÊËĒĖĘĚÌÍÎÏĪĮŁÑŃŇÒÓÔÕÖØŌŐŘŚŠŞŤÙÚÛÜŪŮŰŲÝŸŹŻŽ',
        'AAAAAAAAACCCDEEEEEEEEIIIIIILNNNOOOOOOOORSSSTUUUUUUUUYYZZZ'
      ),
      UPPER(REGEXP_REPLACE(TRIM(r.last_name), r'\s+', ' '))
    ), '') AS last_key,
    IF(r.birth_date > DATE '1900-01-01' AND r.birth_date < r.record_created_date,
      r.birth_date, NULL) AS birth_date,
    -- the CRM's mobile field, or the reservation system's phone when it is a mobile
    IF(p.phone_field = 'mobile' OR p.is_mobile_number, p.e164, NULL) AS mobile
  FROM resolution_records AS r
  LEFT JOIN normalised_phones AS p
    ON p.source_system = r.source_system
    AND p.source_customer_id = r.source_customer_id
    AND p.phone_field IN ('mobile', 'phone')
),

resolution_groups AS (
  -- each key's group, named by the smallest rank sharing it (an integer key for the
  -- rounds below); the largest rank sharing it tells whether a later record does
  SELECT
    record_rank,
    source_system,
    source_customer_id,
    record_created_date,
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
  FROM (
    SELECT
      *,
      IF(first_key IS NOT NULL AND last_key IS NOT NULL AND birth_date IS NOT NULL,
        CONCAT(first_key, '|', last_key, '|', CAST(birth_date AS STRING)), NULL)
        AS name_birth_key,
      IF(first_key IS NOT NULL AND last_key IS NOT NULL AND mobile IS NOT NULL,
        CONCAT(first_key, '|', last_key, '|', mobile), NULL) AS name_mobile_key
    FROM resolution_keys
  )
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
    END AS match_rule,
    record_created_date
  FROM resolution_check
),
-- identity resolution: end

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
    i.customer_id,
    r.source_system,
    r.source_customer_id,
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
    IF(r.birth_date > DATE '1900-01-01' AND r.birth_date < i.record_created_date,
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
    NULLIF(UPPER(REGEXP_REPLACE(TRIM(r.address_line1), r'\s+', ' ')), '') AS address_line_1,
    NULLIF(UPPER(REGEXP_REPLACE(TRIM(r.address_line2), r'\s+', ' ')), '') AS address_line_2,
    NULLIF(UPPER(REGEXP_REPLACE(TRIM(r.address_line3), r'\s+', ' ')), '') AS address_line_3,
    NULLIF(UPPER(REGEXP_REPLACE(TRIM(r.postal_code), r'\s+', ' ')), '') AS typed_postal_code,
    NULLIF(UPPER(REGEXP_REPLACE(TRIM(r.city), r'\s+', ' ')), '') AS city,
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
  INNER JOIN resolved_records AS i
    ON i.source_system = r.source_system AND i.source_customer_id = r.source_customer_id
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
    -- the name keys of the identity map: upper case, accents stripped
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
    ), '') AS last_key,
    REGEXP_CONTAINS(first_spelling, r'[^\x00-\x7F]') AS first_has_accents,
    REGEXP_CONTAINS(last_spelling, r'[^\x00-\x7F]') AS last_has_accents
  FROM cleaned
),

normalised AS (
  -- recency: 1 for the customer's most recently updated record; the customer's name
  -- is the latest record's (its keys), spelt as a record with accents spells it
  SELECT
    *,
    ROW_NUMBER() OVER latest_first AS recency,
    FIRST_VALUE(first_key IGNORE NULLS) OVER latest_first_all AS chosen_first_key,
    FIRST_VALUE(last_key IGNORE NULLS) OVER latest_first_all AS chosen_last_key
  FROM keyed
  WINDOW
    latest_first AS (
      PARTITION BY customer_id ORDER BY updated_at DESC, source_system, source_customer_id
    ),
    latest_first_all AS (
      PARTITION BY customer_id ORDER BY updated_at DESC, source_system, source_customer_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    )
),

scored AS (
  SELECT
    *,
    -- 2: a valid address; 1: complete but not valid; 0: partial; null: none
    CASE
      WHEN address_line_1 IS NULL AND postal_code IS NULL AND city IS NULL THEN NULL
      WHEN address_line_1 IS NULL OR postal_code IS NULL OR city IS NULL OR country_code IS NULL
        THEN 0
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
        THEN 2
      ELSE 1
    END AS address_score
  FROM normalised
),

customers AS (
  SELECT
    customer_id,
    IF(LOGICAL_OR(is_client), 'customer', 'prospect') AS customer_type,
    MIN_BY(civility, IF(civility IS NOT NULL, recency, NULL)) AS civility,
    MIN_BY(declared_gender, IF(declared_gender IS NOT NULL, recency, NULL)) AS declared_gender,
    MIN_BY(
      first_spelling,
      IF(first_key = chosen_first_key, recency - IF(first_has_accents, 1000000, 0), NULL)
    ) AS first_spelling,
    MIN_BY(
      last_spelling,
      IF(last_key = chosen_last_key, recency - IF(last_has_accents, 1000000, 0), NULL)
    ) AS last_spelling,
    MIN_BY(birth_date, IF(birth_date IS NOT NULL, recency, NULL)) AS birth_date,
    MIN_BY(preferred_language, IF(preferred_language IS NOT NULL, recency, NULL))
      AS preferred_language,
    -- the address as a whole, from one record
    MIN_BY(
      STRUCT(
        address_line_1 AS line_1,
        address_line_2 AS line_2,
        address_line_3 AS line_3,
        postal_code,
        city,
        country_code,
        address_score AS score
      ),
      IF(address_score IS NOT NULL, (2 - address_score) * 1000000 + recency, NULL)
    ) AS address,
    MIN_BY(country_code, IF(country_code IS NOT NULL, recency, NULL)) AS any_country,
    MIN_BY(account_market, IF(account_market IS NOT NULL, recency, NULL)) AS account_market,
    -- an e-mail the CRM's check did not reject first
    MIN_BY(email, IF(email IS NOT NULL, IF(email_accepted, 0, 1000000) + recency, NULL)) AS email,
    LOGICAL_OR(email IS NOT NULL AND email_accepted) AS has_usable_email,
    LOGICAL_OR(email_given) AS email_given,
    MIN_BY(mobile_phone, IF(mobile_phone IS NOT NULL, recency, NULL)) AS mobile_phone,
    LOGICAL_OR(mobile_given) AS mobile_given,
    MIN_BY(landline_phone_1, IF(landline_phone_1 IS NOT NULL, recency, NULL)) AS landline_phone_1,
    LOGICAL_OR(landline_1_given) AS landline_1_given,
    MIN_BY(landline_phone_2, IF(landline_phone_2 IS NOT NULL, recency, NULL)) AS landline_phone_2,
    LOGICAL_OR(landline_2_given) AS landline_2_given,
    MAX(updated_at) AS updated_at,
    COUNT(*) AS source_records
  FROM scored
  GROUP BY customer_id
),

created AS (
  SELECT customer_id, MIN(record_created_date) AS created_date
  FROM resolved_records
  GROUP BY customer_id
),

profiles AS (
  SELECT
    c.*,
    c.address.line_1 AS address_line_1,
    c.address.line_2 AS address_line_2,
    c.address.line_3 AS address_line_3,
    IF(LENGTH(c.address.postal_code) BETWEEN 2 AND 10, c.address.postal_code, NULL) AS postal_code,
    c.address.city AS city,
    c.address.country_code AS country_code,
    CASE c.address.score WHEN 2 THEN 'valid' WHEN 1 THEN 'invalid' WHEN 0 THEN 'invalid'
      ELSE 'missing' END AS address_quality,
    COALESCE(c.address.country_code, c.account_market, c.any_country, 'FR') AS market,
    -- title case; INITCAP leaves a letter after an apostrophe in lower case, so the
    -- apostrophe is split off with a space and joined back
    REPLACE(INITCAP(REPLACE(LOWER(c.first_spelling), "'", "' ")), "' ", "'") AS first_title,
    REPLACE(INITCAP(REPLACE(LOWER(c.last_spelling), "'", "' ")), "' ", "'") AS last_title,
    d.created_date
  FROM customers AS c
  INNER JOIN created AS d ON d.customer_id = c.customer_id
),

named AS (
  SELECT
    * EXCEPT (last_title),
    IF(
      market = 'IT',
      mc_title,
      TRIM(
        REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(
        REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(
          CONCAT(' ', mc_title),
          ' De ', ' de '), ' Du ', ' du '), ' Des ', ' des '), " D'", " d'"),
          ' Van ', ' van '), ' Von ', ' von '), ' Der ', ' der '), ' Den ', ' den '),
          ' Ter ', ' ter '), ' Ten ', ' ten '), ' Zu ', ' zu '), ' Da ', ' da '),
          ' Das ', ' das '), ' Dos ', ' dos ')
      )
    ) AS last_title
  FROM (
    SELECT
      *,
      IF(STARTS_WITH(last_title, 'Mc') AND LENGTH(last_title) > 2,
        CONCAT('Mc', UPPER(SUBSTR(last_title, 3, 1)), SUBSTR(last_title, 4)), last_title) AS mc_title
    FROM profiles
  )
),

households AS (
  SELECT
    *,
    IF(
      address_quality = 'valid',
      FIRST_VALUE(customer_id) OVER (
        PARTITION BY address_key ORDER BY created_date, customer_id
      ),
      customer_id
    ) AS reference_customer_id
  FROM (
    SELECT
      *,
      -- line 1, postal code, city and country, in upper case without accents or
      -- punctuation (null without a valid address)
      IF(address_quality = 'valid', CONCAT(
        TRIM(REGEXP_REPLACE(IF(
          REGEXP_CONTAINS(address_line_1, r'[^\x00-\x7F]'),
          TRANSLATE(
            REPLACE(REPLACE(REPLACE(address_line_1, 'ẞ', 'SS'), 'Œ', 'OE'), 'Æ', 'AE'),
            'ÀÁÂÃÄÅĀĂĄÇĆČĎÈÉÊËĒĖĘĚÌÍÎÏĪĮŁÑŃŇÒÓÔÕÖØŌŐŘŚŠŞŤÙÚÛÜŪŮŰŲÝŸŹŻŽ',
            'AAAAAAAAACCCDEEEEEEEEIIIIIILNNNOOOOOOOORSSSTUUUUUUUUYYZZZ'
          ),
          address_line_1
        ), r'[^A-Z0-9]+', ' ')),
        '|', postal_code, '|',
        TRIM(REGEXP_REPLACE(IF(
          REGEXP_CONTAINS(city, r'[^\x00-\x7F]'),
          TRANSLATE(
            REPLACE(REPLACE(REPLACE(city, 'ẞ', 'SS'), 'Œ', 'OE'), 'Æ', 'AE'),
            'ÀÁÂÃÄÅĀĂĄÇĆČĎÈÉÊËĒĖĘĚÌÍÎÏĪĮŁÑŃŇÒÓÔÕÖØŌŐŘŚŠŞŤÙÚÛÜŪŮŰŲÝŸŹŻŽ',
            'AAAAAAAAACCCDEEEEEEEEIIIIIILNNNOOOOOOOORSSSTUUUUUUUUYYZZZ'
          ),
          city
        ), r'[^A-Z0-9]+', ' ')),
        '|', country_code
      ), NULL) AS address_key
    FROM named
  )
)

SELECT
  customer_id,
  CONCAT('HH', SUBSTR(reference_customer_id, 3)) AS household_id,
  customer_type,
  civility,
  COALESCE(
    declared_gender,
    CASE civility WHEN 'MR' THEN 'male' WHEN 'MRS' THEN 'female' WHEN 'MISS' THEN 'female' END
  ) AS gender,
  LEFT(first_title, 100) AS first_name,
  LEFT(COALESCE(last_title, first_title), 100) AS last_name,
  birth_date,
  preferred_language,
  LEFT(address_line_1, 200) AS address_line_1,
  LEFT(address_line_2, 200) AS address_line_2,
  LEFT(address_line_3, 200) AS address_line_3,
  postal_code,
  LEFT(city, 100) AS city,
  country_code,
  market,
  address_quality,
  email,
  CASE
    WHEN has_usable_email THEN 'valid'
    WHEN email_given THEN 'invalid'
    ELSE 'missing'
  END AS email_quality,
  mobile_phone,
  CASE
    WHEN mobile_phone IS NOT NULL THEN 'valid'
    WHEN mobile_given THEN 'invalid'
    ELSE 'missing'
  END AS mobile_phone_quality,
  landline_phone_1,
  CASE
    WHEN landline_phone_1 IS NOT NULL THEN 'valid'
    WHEN landline_1_given THEN 'invalid'
    ELSE 'missing'
  END AS landline_phone_1_quality,
  landline_phone_2,
  CASE
    WHEN landline_phone_2 IS NOT NULL THEN 'valid'
    WHEN landline_2_given THEN 'invalid'
    ELSE 'missing'
  END AS landline_phone_2_quality,
  created_date,
  updated_at,
  source_records
FROM households
