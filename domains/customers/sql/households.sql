-- customers.households: one row per household of customers.customer_profile.
--
-- * Members: the customers sharing a household_id (customers at one valid postal
--   address; a customer without a valid address is a household alone). The reference
--   customer is the member created first (ties: the smaller customer_id), the one the
--   household is named after; market, country and address are its own.
-- * "Today" is the reference day: the UTC day of the latest booking change in
--   bookings.bookings (the latest date in the data, not the wall clock, so that builds
--   are reproducible). The last five seasons (of the mesh's season calendar) are the
--   reference day's season and the four before it.
-- * children: the most children on a booking of a member (any status) arriving in the
--   last five seasons; adults: the members; size = adults + children.
-- * Stays: the members' bookings that are not cancelled and whose arrival date is on
--   or before the reference day, bounded by the seasons of their arrivals.
-- * department_code: for French addresses, the department of the IRIS zone when the
--   address is geocoded, else the postal code's (97x/98x overseas on three digits,
--   20xxx split into 2A below 20200 and 2B from it, else its first two digits).
-- * iris_code: the IRIS zone the CRM geocoded for a member's record at the household's
--   French address (the most recently updated record's), when it is a zone of
--   territory.iris_zones.
WITH members AS (
  SELECT
    customer_id,
    household_id,
    created_date,
    market,
    country_code,
    postal_code,
    city,
    address_quality
  FROM customers.customer_profile
),

reference_customers AS (
  SELECT
    household_id,
    customer_id AS reference_customer_id,
    market,
    country_code,
    postal_code,
    city,
    address_quality = 'valid' AS has_valid_address
  FROM members
  WHERE household_id IS NOT NULL
  QUALIFY ROW_NUMBER() OVER (PARTITION BY household_id ORDER BY created_date, customer_id) = 1
),

sizes AS (
  SELECT household_id, COUNT(*) AS adults, MIN(created_date) AS created_date
  FROM members
  GROUP BY household_id
),

today AS (
  SELECT
    DATE(MAX(last_event_at)) AS reference_day,
    SEASON_START_YEAR(DATE(MAX(last_event_at))) AS season_year
  FROM bookings.bookings
),

member_bookings AS (
  SELECT
    m.household_id,
    b.status,
    b.arrival_date,
    b.children,
    SEASON_START_YEAR(b.arrival_date) AS arrival_season_year
  FROM bookings.bookings AS b
  INNER JOIN members AS m ON m.customer_id = b.customer_id
),

stays AS (
  SELECT
    b.household_id,
    MAX(IF(b.arrival_season_year BETWEEN t.season_year - 4 AND t.season_year, b.children, NULL))
      AS children,
    COUNTIF(b.status != 'cancelled' AND b.arrival_date <= t.reference_day) AS stays,
    MIN(IF(b.status != 'cancelled' AND b.arrival_date <= t.reference_day,
      b.arrival_season_year, NULL)) AS first_stay_year,
    MAX(IF(b.status != 'cancelled' AND b.arrival_date <= t.reference_day,
      b.arrival_season_year, NULL)) AS last_stay_year
  FROM member_bookings AS b
  CROSS JOIN today AS t
  GROUP BY b.household_id
),

geocoded AS (
  -- the IRIS zone of the household's address, from its members' CRM records
  SELECT
    r.household_id,
    z.iris_code,
    z.department_code
  FROM landing_customers.client_extract_crm AS c
  INNER JOIN customers.customer_identity_map AS i
    ON i.source_system = 'crm' AND i.source_customer_id = CAST(c.contact_id AS STRING)
  INNER JOIN members AS m ON m.customer_id = i.customer_id
  INNER JOIN reference_customers AS r ON r.household_id = m.household_id
  INNER JOIN territory.iris_zones AS z ON z.iris_code = TRIM(c.iris_code)
  WHERE r.country_code = 'FR' AND r.has_valid_address
  QUALIFY ROW_NUMBER() OVER (PARTITION BY r.household_id ORDER BY c.updated_at DESC, c.contact_id) = 1
)

SELECT
  r.household_id,
  r.reference_customer_id,
  z.adults + COALESCE(s.children, 0) AS size,
  z.adults,
  COALESCE(s.children, 0) AS children,
  CASE
    WHEN COALESCE(s.children, 0) > 0 THEN 'family'
    WHEN z.adults = 1 THEN 'single'
    WHEN z.adults = 2 THEN 'couple'
    ELSE 'group'
  END AS composition,
  r.market,
  COALESCE(r.country_code, r.market) AS country_code,
  r.postal_code,
  r.city,
  IF(
    r.country_code = 'FR',
    COALESCE(
      g.department_code,
      CASE
        WHEN NOT REGEXP_CONTAINS(r.postal_code, r'^[0-9]{5}$') THEN NULL
        WHEN SUBSTR(r.postal_code, 1, 2) IN ('97', '98') THEN SUBSTR(r.postal_code, 1, 3)
        WHEN SUBSTR(r.postal_code, 1, 2) = '20'
          THEN IF(SUBSTR(r.postal_code, 1, 3) < '202', '2A', '2B')
        ELSE SUBSTR(r.postal_code, 1, 2)
      END
    ),
    NULL
  ) AS department_code,
  g.iris_code,
  r.has_valid_address,
  z.created_date,
  COALESCE(s.stays, 0) AS stays,
  SEASON_LABEL(s.first_stay_year) AS first_stay_season,
  SEASON_LABEL(s.last_stay_year) AS last_stay_season
FROM reference_customers AS r
INNER JOIN sizes AS z ON z.household_id = r.household_id
LEFT JOIN stays AS s ON s.household_id = r.household_id
LEFT JOIN geocoded AS g ON g.household_id = r.household_id
