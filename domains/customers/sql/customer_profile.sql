-- customers.customer_profile: the golden record of every resolved customer.
--
-- Records: every record of the two client master extracts (the CRM contact base and
-- the reservation system's accounts), normalised and resolved into customers by
-- customers.identity_resolution (the domain's internal product: its description and
-- SQL give the normalisation and matching rules); customers.customer_identity_map
-- publishes, from the same product, which customer each record became.
--
-- On top of the records' normalisation, names take title case (hyphenated and
-- apostrophised parts included: Jean-François, O'Brien; McDonald), the particles de,
-- du, des, d', van, von, der, den, ter, ten, zu, da, das, dos in lower case before the
-- rest of a last name (not for the Italian market, whose De and D' are capitalised);
-- among the spellings of the customer's name, one with accents is kept when any
-- record has them. Sex is the declared one, else derived from the civility.
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
-- when it is not a possible number, it counts against the mobile (the records'
-- quality flags in customers.identity_resolution say so per record).
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

records AS (
  SELECT
    *,
    REGEXP_CONTAINS(first_name, r'[^\x00-\x7F]') AS first_has_accents,
    REGEXP_CONTAINS(last_name, r'[^\x00-\x7F]') AS last_has_accents,
    -- 2: a valid address; 1: complete but not valid; 0: partial; null: none
    CASE address_status WHEN 'valid' THEN 2 WHEN 'complete' THEN 1 WHEN 'partial' THEN 0 END
      AS address_score
  FROM customers.identity_resolution
),

normalised AS (
  -- recency: 1 for the customer's most recently updated record; the customer's name
  -- is the latest record's (its keys), spelt as a record with accents spells it
  SELECT
    *,
    ROW_NUMBER() OVER latest_first AS recency,
    FIRST_VALUE(first_name_key IGNORE NULLS) OVER latest_first_all AS chosen_first_key,
    FIRST_VALUE(last_name_key IGNORE NULLS) OVER latest_first_all AS chosen_last_key
  FROM records
  WINDOW
    latest_first AS (
      PARTITION BY customer_id
      ORDER BY record_updated_at DESC, source_system, source_customer_id
    ),
    latest_first_all AS (
      PARTITION BY customer_id
      ORDER BY record_updated_at DESC, source_system, source_customer_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    )
),

survived AS (
  SELECT
    customer_id,
    IF(LOGICAL_OR(is_client), 'customer', 'prospect') AS customer_type,
    MIN_BY(civility, IF(civility IS NOT NULL, recency, NULL)) AS civility,
    MIN_BY(declared_gender, IF(declared_gender IS NOT NULL, recency, NULL)) AS declared_gender,
    MIN_BY(
      first_name,
      IF(first_name_key = chosen_first_key, recency - IF(first_has_accents, 1000000, 0), NULL)
    ) AS first_spelling,
    MIN_BY(
      last_name,
      IF(last_name_key = chosen_last_key, recency - IF(last_has_accents, 1000000, 0), NULL)
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
    MIN_BY(
      email, IF(email IS NOT NULL, IF(email_quality = 'valid', 0, 1000000) + recency, NULL)
    ) AS email,
    LOGICAL_OR(email_quality = 'valid') AS has_usable_email,
    LOGICAL_OR(email_quality != 'missing') AS email_given,
    MIN_BY(mobile_phone, IF(mobile_phone IS NOT NULL, recency, NULL)) AS mobile_phone,
    LOGICAL_OR(mobile_phone_quality != 'missing') AS mobile_given,
    MIN_BY(landline_phone_1, IF(landline_phone_1 IS NOT NULL, recency, NULL)) AS landline_phone_1,
    LOGICAL_OR(landline_phone_1_quality != 'missing') AS landline_1_given,
    MIN_BY(landline_phone_2, IF(landline_phone_2 IS NOT NULL, recency, NULL)) AS landline_phone_2,
    LOGICAL_OR(landline_phone_2_quality != 'missing') AS landline_2_given,
    MIN(record_created_date) AS created_date,
    MAX(record_updated_at) AS updated_at,
    COUNT(*) AS source_records
  FROM normalised
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
    REPLACE(INITCAP(REPLACE(LOWER(c.last_spelling), "'", "' ")), "' ", "'") AS last_title
  FROM survived AS c
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
