-- customers.customer_identity_map: which resolved customer each source record became.
--
-- Source records: every record of the two client master extracts, the CRM contact
-- base (source_system "crm", source_customer_id = the contact id) and the
-- reservation system's accounts ("reservations", the account code), as extracted.
-- They are normalised and resolved into customers by the identity resolution block
-- below (its comments give the rules), the same block that builds
-- customers.customer_profile. The map is built after the profile and takes each
-- record's customer from it: a record whose customer the profile does not hold (the
-- extracts changed in between) breaks the contract's not-null and reference rules
-- instead of pointing nowhere.
WITH

phone_inputs AS (
  SELECT
    'crm' AS source_system,
    CAST(contact_id AS STRING) AS source_customer_id,
    'mobile' AS phone_field,
    UPPER(TRIM(country_code)) AS country,
    mobile_phone AS phone
  FROM landing_customers.client_extract_crm
  WHERE contact_id IS NOT NULL
  QUALIFY ROW_NUMBER() OVER (PARTITION BY contact_id ORDER BY updated_at DESC) = 1
  UNION ALL
  SELECT
    'reservations' AS source_system,
    account_code AS source_customer_id,
    'phone' AS phone_field,
    UPPER(TRIM(COALESCE(country, REGEXP_EXTRACT(account_code, r'^([A-Za-z]{2})-'))))
      AS country,
    phone
  FROM landing_customers.client_extract_booking
  WHERE account_code IS NOT NULL AND TRIM(account_code) != ''
  QUALIFY ROW_NUMBER() OVER (PARTITION BY account_code ORDER BY updated_at DESC) = 1
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

published AS (
  -- each record's customer, as customers.customer_profile published it
  SELECT
    r.source_system,
    r.source_customer_id,
    p.customer_id,
    r.match_rule,
    r.record_created_date
  FROM resolved_records AS r
  LEFT JOIN customers.customer_profile AS p ON p.customer_id = r.customer_id
)

SELECT source_system, source_customer_id, customer_id, match_rule, record_created_date
FROM published
