-- products.catalogue_entries: the catalogue extract, one row per product, cleaned
-- (internal: read by products.product_families and products.product_catalog).
--
-- * A row without product_id (missing_value:product_id) or family_code
--   (missing_value:family_code) is left out.
-- * One version per product_id: the most recently updated (the extract holds an
--   older and a newer version of a few products); the older ones are left out as
--   duplicate.
-- * Codes are trimmed, in upper case; labels are trimmed and their spaces collapsed,
--   null when empty; they keep the catalogue's language (French) and spelling.
-- * village_id: the village of a village-specific product; null for products sold
--   in every village (no code, or the catalogue's ``ALL``).
-- * list_price_eur: null when the catalogue has no (or a negative) price.
-- * is_active: flagged on sale (``O``) in the current or the next season, or without a
--   season; the current season is the one of the latest update in the catalogue (the
--   latest date in the data, not the wall clock, so that builds are reproducible).
WITH latest AS (
  SELECT
    UPPER(TRIM(product_id)) AS product_id,
    REGEXP_REPLACE(TRIM(product_label), r'\s+', ' ') AS label,
    UPPER(TRIM(family_code)) AS family_code,
    NULLIF(REGEXP_REPLACE(TRIM(family_label), r'\s+', ' '), '') AS family_label,
    NULLIF(REGEXP_REPLACE(TRIM(sub_family), r'\s+', ' '), '') AS sub_family_label,
    UPPER(TRIM(village_code)) AS village_code,
    NULLIF(REGEXP_REPLACE(TRIM(ski_duration_category), r'\s+', ' '), '')
      AS ski_duration_category_label,
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
    updated_at,
    CASE
      WHEN product_id IS NULL THEN 'missing_value:product_id'
      WHEN family_code IS NULL THEN 'missing_value:family_code'
      WHEN ROW_NUMBER() OVER (
        PARTITION BY UPPER(TRIM(product_id)), family_code IS NULL
        ORDER BY updated_at DESC, product_label
      ) > 1 THEN 'duplicate'
    END AS _left_out,
    COALESCE(UPPER(TRIM(product_id)), REGEXP_REPLACE(TRIM(product_label), r'\s+', ' '))
      AS _left_out_key
  FROM landing_products.catalogue
),

today AS (
  SELECT SEASON_START_YEAR(DATE(MAX(updated_at))) AS season_year
  FROM latest
),

open_seasons AS (
  SELECT
    SEASON_LABEL(season_year) AS current_season,
    SEASON_LABEL(season_year + 1) AS next_season
  FROM today
)

SELECT
  c.product_id,
  c.label,
  c.family_code,
  c.family_label,
  c.sub_family_label,
  IF(REGEXP_CONTAINS(c.village_code, r'^[A-Z]{3}$') AND c.village_code != 'ALL',
    c.village_code, NULL) AS village_id,
  c.ski_duration_category_label,
  c.duration_code,
  c.duration_label,
  c.age_class_label,
  c.park_label,
  c.accommodation_capacity_label,
  c.ski_school_label,
  c.lesson_type_label,
  c.lesson_group_label,
  c.list_price_eur,
  c.flagged_active
  AND (c.season_code IS NULL OR c.season_code IN (s.current_season, s.next_season)) AS is_active,
  c.updated_at
FROM latest AS c
CROSS JOIN open_seasons AS s
