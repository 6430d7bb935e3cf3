-- sales.sales_lines: one row per sale line of every selling system, with clean
-- identifiers.
--
-- * Lines extracted twice (same selling system, transaction and line number) are kept
--   once (the earliest sale date, then the smallest product id); the copies are left
--   out as duplicate.
-- * The payer's and the holder's reservation accounts are translated into resolved
--   customers through customers.customer_identity_map (source system
--   `reservations`); a line whose payer the identity map does not know yet waits for
--   the next build: it is left out (unknown_reference:customers.customer_identity_map,
--   or missing_value:payer_account_code without a payer). The payer's market is the country of its account (reservation
--   account codes are the market followed by the account number, e.g. FR-1002345).
-- * The village is the extract's site name matched, case-insensitively, to the
--   village referential; the product must exist in the catalogue: a line naming an
--   unknown site or product is left out until its referential knows it
--   (unknown_reference:resorts.villages, unknown_reference:products.product_catalog;
--   missing_value:site_name or missing_value:product_id when the line names none).
-- * amount_eur is net of discount (the extract's amount is before discount); a
--   refund (REMB) has a negative amount. The public tariff is no tariff (null).
-- * account_code: the travel agency account of an agency sale.
-- * Village extras sold without the contract have no booking_id, contract status or
--   stay dates.
-- * season: of the stay's arrival, or of the sale date for a line without stay
--   (SEASON_OF: the mesh's season calendar, labels such as "2023-24").
-- * The customer's typed name is not republished (data minimisation).
WITH extract AS (
  SELECT
    s.*,
    CASE UPPER(TRIM(s.source_label))
      WHEN 'RESA' THEN 'reservations'
      WHEN 'VILLAGE' THEN 'village_pos'
      WHEN 'PARTENAIRE' THEN 'partners'
      ELSE REGEXP_REPLACE(LOWER(TRIM(s.source_label)), r'[^a-z]+', '_')
    END AS source_system,
    IF(
      ROW_NUMBER() OVER (
        PARTITION BY UPPER(TRIM(s.source_label)), s.transaction_number, s.transaction_line_number
        ORDER BY s.sale_date, s.product_id
      ) > 1,
      'duplicate',
      NULL
    ) AS _left_out,
    CONCAT(
      UPPER(TRIM(s.source_label)), ':', CAST(s.transaction_number AS STRING), ':',
      CAST(s.transaction_line_number AS STRING)
    ) AS _left_out_key
  FROM landing_sales.sale_lines AS s
),

identities AS (
  SELECT source_customer_id, customer_id
  FROM customers.customer_identity_map
  WHERE source_system = 'reservations'
),

villages AS (
  SELECT village_id, UPPER(TRIM(village_name)) AS site_key
  FROM resorts.villages
),

lines AS (
  SELECT
    e.source_system,
    CAST(e.transaction_number AS STRING) AS transaction_number,
    e.transaction_line_number AS line_number,
    NULLIF(UPPER(TRIM(e.contract_id)), '') AS booking_id,
    CAST(e.company_id AS STRING) AS seller_id,
    TRIM(e.company_name) AS seller_name,
    CASE UPPER(TRIM(e.company_business_label))
      WHEN 'HEBERGEMENT' THEN 'Hébergement'
      WHEN 'TRANSPORT' THEN 'Transport'
      WHEN 'ASSURANCE' THEN 'Assurance'
      WHEN 'SKI' THEN 'Ski'
      WHEN 'PARKING' THEN 'Parking'
      WHEN 'LOISIRS' THEN 'Loisirs'
      ELSE CONCAT(
        UPPER(SUBSTR(TRIM(e.company_business_label), 1, 1)),
        LOWER(SUBSTR(TRIM(e.company_business_label), 2))
      )
    END AS seller_activity_label,
    IF(
      UPPER(TRIM(e.sale_type_code)) = 'REMB' OR e.amount_incl_tax < 0, 'refund', 'sale'
    ) AS sale_type,
    CASE UPPER(TRIM(e.sale_channel_code))
      WHEN 'INT' THEN 'web'
      WHEN 'TEL' THEN 'call_centre'
      WHEN 'AGE' THEN 'agency'
      WHEN 'VIL' THEN 'village'
    END AS sales_channel,
    payer.customer_id AS payer_customer_id,
    holder.customer_id AS holder_customer_id,
    NULLIF(UPPER(TRIM(e.business_account_code)), '') AS account_code,
    UPPER(SUBSTR(TRIM(e.payer_account_code), 1, 2)) AS market,
    e.sale_date,
    e.amount_incl_tax - e.discount_incl_tax AS amount_eur,
    e.discount_incl_tax AS discount_eur,
    IF(
      TRIM(e.tariff_label) = '' OR UPPER(TRIM(e.tariff_label)) = 'TARIF PUBLIC',
      NULL,
      TRIM(e.tariff_label)
    ) AS tariff_label,
    UPPER(TRIM(e.product_id)) AS product_id,
    v.village_id,
    CASE UPPER(TRIM(e.contract_status_code))
      WHEN 'OP' THEN 'pending'
      WHEN 'CF' THEN 'confirmed'
      WHEN 'SO' THEN 'confirmed'
      WHEN 'AN' THEN 'cancelled'
    END AS contract_status,
    COALESCE(
      UPPER(TRIM(e.contract_status_code)) = 'AN' OR e.contract_cancelled_on IS NOT NULL,
      FALSE
    ) AS is_cancelled,
    e.contract_cancelled_on AS contract_cancelled_date,
    e.arrival_date,
    e.departure_date,
    IF(e.duration >= 1, e.duration, NULL) AS duration,
    IF(
      e.duration >= 1,
      CASE UPPER(TRIM(e.duration_unit))
        WHEN 'N' THEN 'nights'
        WHEN 'NUITS' THEN 'nights'
        WHEN 'J' THEN 'days'
        WHEN 'H' THEN 'hours'
      END,
      NULL
    ) AS duration_unit,
    -- lines sold per item (parking) are for nobody in particular
    IF(e.nb_persons >= 1, e.nb_persons, NULL) AS persons,
    e.nb_adults AS adults,
    e.nb_children AS children,
    CASE UPPER(TRIM(e.course_specialty_label))
      WHEN 'SKI' THEN 'Ski alpin'
      WHEN 'SNOWBOARD' THEN 'Snowboard'
      WHEN 'FREESTYLE' THEN 'Freestyle'
      ELSE NULLIF(TRIM(e.course_specialty_label), '')
    END AS lesson_speciality_label,
    CASE UPPER(TRIM(e.course_type_label))
      WHEN 'COLLECTIF' THEN 'Cours collectif'
      WHEN 'PARTICULIER' THEN 'Cours particulier'
      ELSE NULLIF(TRIM(e.course_type_label), '')
    END AS lesson_type_label,
    NULLIF(TRIM(e.client_level), '') AS lesson_level_label,
    CASE UPPER(TRIM(e.client_category_label))
      WHEN 'ENFANT' THEN 'Enfant'
      WHEN 'ADULTE' THEN 'Adulte'
      ELSE NULLIF(TRIM(e.client_category_label), '')
    END AS lesson_customer_category_label,
    NULLIF(LOWER(TRIM(e.course_language_code)), '') AS lesson_language,
    COALESCE(e.arrival_date, e.sale_date) AS season_date,
    CASE
      WHEN e.payer_account_code IS NULL THEN 'missing_value:payer_account_code'
      WHEN payer.source_customer_id IS NULL
        THEN 'unknown_reference:customers.customer_identity_map'
      WHEN e.site_name IS NULL THEN 'missing_value:site_name'
      WHEN v.site_key IS NULL THEN 'unknown_reference:resorts.villages'
      WHEN e.product_id IS NULL THEN 'missing_value:product_id'
      WHEN p.product_id IS NULL THEN 'unknown_reference:products.product_catalog'
    END AS _left_out,
    CONCAT(e.source_system, ':', CAST(e.transaction_number AS STRING), ':',
      CAST(e.transaction_line_number AS STRING)) AS _left_out_key
  FROM extract AS e
  LEFT JOIN identities AS payer ON payer.source_customer_id = TRIM(e.payer_account_code)
  LEFT JOIN identities AS holder ON holder.source_customer_id = TRIM(e.holder_account_code)
  LEFT JOIN villages AS v ON v.site_key = UPPER(TRIM(e.site_name))
  LEFT JOIN products.product_catalog AS p ON p.product_id = UPPER(TRIM(e.product_id))
)

SELECT
  CONCAT(source_system, ':', transaction_number, ':', CAST(line_number AS STRING))
    AS sale_line_id,
  source_system,
  transaction_number,
  line_number,
  booking_id,
  seller_id,
  seller_name,
  seller_activity_label,
  sale_type,
  sales_channel,
  payer_customer_id,
  holder_customer_id,
  account_code,
  market,
  sale_date,
  SEASON_OF(season_date) AS season,
  amount_eur,
  discount_eur,
  tariff_label,
  product_id,
  village_id,
  contract_status,
  is_cancelled,
  contract_cancelled_date,
  arrival_date,
  departure_date,
  duration,
  duration_unit,
  persons,
  adults,
  children,
  lesson_speciality_label,
  lesson_type_label,
  lesson_level_label,
  lesson_customer_category_label,
  lesson_language
FROM lines
