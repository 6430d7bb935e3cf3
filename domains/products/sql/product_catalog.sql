-- products.product_catalog: one row per product of the catalogue.
--
-- * One version per product_id: the most recently updated (the extract holds an
--   older and a newer version of a few products).
-- * Labels are trimmed and their spaces collapsed; the descriptive labels keep the
--   catalogue's language (French) and spelling, as consumers filter on them.
-- * Family label and category come from products.product_families.
-- * Ski columns are kept for ski products only: the ski area and duration category
--   for lift passes, the school and lesson columns for ski school lessons; the
--   accommodation capacity for stays only. (The extract's park/type column also holds
--   the covered/outdoor type of parking products; that type is their sub-family.)
-- * village_id: the village of a village-specific product; null for products sold
--   in every village (no code, or the catalogue's ``ALL``).
-- * list_price_eur: null when the catalogue has no (or a negative) price.
-- * is_active: flagged on sale (``O``) in the current or the next season, or without a
--   season; the current season is the one of the latest update in the catalogue (the
--   latest date in the data, not the wall clock, so that builds are reproducible).
WITH catalogue AS (
  SELECT
    UPPER(TRIM(product_id)) AS product_id,
    REGEXP_REPLACE(TRIM(product_label), r'\s+', ' ') AS label,
    UPPER(TRIM(family_code)) AS family_code,
    NULLIF(REGEXP_REPLACE(TRIM(sub_family), r'\s+', ' '), '') AS sub_family_label,
    UPPER(TRIM(village_code)) AS village_code,
    NULLIF(REGEXP_REPLACE(TRIM(ski_duration_category), r'\s+', ' '), '') AS ski_duration_category,
    NULLIF(UPPER(REGEXP_REPLACE(duration_code, r'\s+', '')), '') AS duration_code,
    NULLIF(REGEXP_REPLACE(TRIM(duration_label), r'\s+', ' '), '') AS duration_label,
    NULLIF(REGEXP_REPLACE(TRIM(age_class), r'\s+', ' '), '') AS age_class_label,
    NULLIF(REGEXP_REPLACE(TRIM(park_type_family_label), r'\s+', ' '), '') AS park_label,
    NULLIF(REGEXP_REPLACE(TRIM(accommodation_capacity_label), r'\s+', ' '), '')
      AS accommodation_capacity_label,
    NULLIF(REGEXP_REPLACE(TRIM(ski_school_label), r'\s+', ' '), '') AS ski_school_label,
    NULLIF(REGEXP_REPLACE(TRIM(ski_course_type_label), r'\s+', ' '), '') AS lesson_type_label,
    NULLIF(REGEXP_REPLACE(TRIM(ski_course_group_label), r'\s+', ' '), '') AS lesson_group_label,
    TRIM(season_code) AS season_code,
    IF(list_price_eur >= 0, list_price_eur, NULL) AS list_price_eur,
    UPPER(TRIM(active_flag)) = 'O' AS flagged_active,
    updated_at
  FROM landing_products.catalogue
  WHERE product_id IS NOT NULL AND family_code IS NOT NULL
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY UPPER(TRIM(product_id)) ORDER BY updated_at DESC, product_label
  ) = 1
),

today AS (
  SELECT EXTRACT(YEAR FROM DATE_ADD(DATE(MAX(updated_at)), INTERVAL 2 MONTH)) - 1 AS season_year
  FROM catalogue
),

open_seasons AS (
  SELECT
    CONCAT(CAST(season_year AS STRING), '-', SUBSTR(CAST(season_year + 1 AS STRING), 3, 2))
      AS current_season,
    CONCAT(CAST(season_year + 1 AS STRING), '-', SUBSTR(CAST(season_year + 2 AS STRING), 3, 2))
      AS next_season
  FROM today
)

SELECT
  c.product_id,
  c.label,
  c.family_code,
  f.family_label,
  f.category,
  c.sub_family_label,
  IF(REGEXP_CONTAINS(c.village_code, r'^[A-Z]{3}$') AND c.village_code != 'ALL',
    c.village_code, NULL) AS village_id,
  IF(f.category = 'ski_pass', c.ski_duration_category, NULL) AS ski_duration_category_label,
  IF(REGEXP_CONTAINS(c.duration_code, r'^[A-Z0-9]{1,8}$'), c.duration_code, NULL) AS duration_code,
  c.duration_label,
  c.age_class_label,
  IF(f.category = 'ski_pass', c.park_label, NULL) AS park_family_type_label,
  IF(f.category = 'stay', c.accommodation_capacity_label, NULL) AS accommodation_capacity_label,
  IF(f.category = 'ski_school', c.ski_school_label, NULL) AS ski_school_label,
  IF(f.category = 'ski_school', c.lesson_type_label, NULL) AS lesson_type_label,
  IF(f.category = 'ski_school', c.lesson_group_label, NULL) AS lesson_group_label,
  c.list_price_eur,
  c.flagged_active
  AND (c.season_code IS NULL OR c.season_code IN (s.current_season, s.next_season)) AS is_active
FROM catalogue AS c
INNER JOIN products.product_families AS f ON f.family_code = c.family_code
CROSS JOIN open_seasons AS s
