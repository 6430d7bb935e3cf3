-- products.product_families: one row per product family of the catalogue, with its size.
--
-- * Products: the catalogue extract, one version per product_id (the most recently
--   updated one: the extract holds an older and a newer version of a few products).
-- * Label and category come from the family referential (landing_products.families);
--   a family missing from it takes the catalogue's most frequent spelling of its
--   label and the category ``other``.
-- * Active products: flagged on sale (``O``) in the current or the next season, or
--   without a season. The current season is the season (November to October) of the
--   latest update in the catalogue: the latest date in the data, not the wall clock,
--   so that builds are reproducible.
-- * average_list_price_eur: mean list price of the products having one (>= 0).
WITH catalogue AS (
  SELECT
    UPPER(TRIM(family_code)) AS family_code,
    REGEXP_REPLACE(TRIM(family_label), r'\s+', ' ') AS typed_family_label,
    NULLIF(REGEXP_REPLACE(TRIM(sub_family), r'\s+', ' '), '') AS sub_family,
    UPPER(TRIM(village_code)) AS village_code,
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
  -- the current and the next season, as labels such as "2023-24"
  SELECT
    CONCAT(CAST(season_year AS STRING), '-', SUBSTR(CAST(season_year + 1 AS STRING), 3, 2))
      AS current_season,
    CONCAT(CAST(season_year + 1 AS STRING), '-', SUBSTR(CAST(season_year + 2 AS STRING), 3, 2))
      AS next_season
  FROM today
),

referential AS (
  SELECT
    UPPER(TRIM(family_code)) AS family_code,
    REGEXP_REPLACE(TRIM(family_label), r'\s+', ' ') AS family_label,
    LOWER(TRIM(category_code)) AS category
  FROM landing_products.families
  WHERE family_code IS NOT NULL
  QUALIFY ROW_NUMBER() OVER (PARTITION BY UPPER(TRIM(family_code)) ORDER BY family_label) = 1
),

spellings AS (
  -- the catalogue's most frequent spelling of each family's label (fallback label)
  SELECT family_code, typed_family_label AS family_label
  FROM catalogue
  WHERE typed_family_label IS NOT NULL AND typed_family_label != ''
  GROUP BY family_code, typed_family_label
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY family_code ORDER BY COUNT(*) DESC, typed_family_label
  ) = 1
),

sized AS (
  SELECT
    c.family_code,
    COUNT(*) AS products,
    COUNTIF(
      c.flagged_active
      AND (c.season_code IS NULL OR c.season_code IN (s.current_season, s.next_season))
    ) AS active_products,
    COUNT(DISTINCT c.sub_family) AS sub_families,
    COUNT(DISTINCT IF(REGEXP_CONTAINS(c.village_code, r'^[A-Z]{3}$') AND c.village_code != 'ALL',
      c.village_code, NULL)) AS villages,
    AVG(c.list_price_eur) AS average_list_price_eur
  FROM catalogue AS c
  CROSS JOIN open_seasons AS s
  GROUP BY c.family_code
)

SELECT
  z.family_code,
  COALESCE(r.family_label, sp.family_label, z.family_code) AS family_label,
  CASE
    WHEN r.category IN (
      'stay', 'ski_pass', 'ski_school', 'equipment_rental', 'activity', 'transport',
      'insurance', 'other'
    ) THEN r.category
    ELSE 'other'
  END AS category,
  z.products,
  z.active_products,
  z.sub_families,
  z.villages,
  z.average_list_price_eur
FROM sized AS z
LEFT JOIN referential AS r ON r.family_code = z.family_code
LEFT JOIN spellings AS sp ON sp.family_code = z.family_code
