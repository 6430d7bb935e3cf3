-- products.product_families: one row per product family of the catalogue, with its size.
--
-- * Products: those of products.catalogue_entries (one version per product_id, active
--   or not, village_id and list price decided there).
-- * Label and category come from the family referential (landing_products.families:
--   a row without family_code is left out as missing_value:family_code, a family
--   listed twice keeps its first label, the other rows left out as duplicate);
--   a family missing from it takes the catalogue's most frequent spelling of its
--   label and the category ``other``.
-- * average_list_price_eur: mean list price of the products having one (>= 0).
WITH referential AS (
  SELECT
    UPPER(TRIM(family_code)) AS family_code,
    REGEXP_REPLACE(TRIM(family_label), r'\s+', ' ') AS family_label,
    LOWER(TRIM(category_code)) AS category,
    CASE
      WHEN family_code IS NULL THEN 'missing_value:family_code'
      WHEN ROW_NUMBER() OVER (PARTITION BY UPPER(TRIM(family_code)) ORDER BY family_label) > 1
        THEN 'duplicate'
    END AS _left_out,
    COALESCE(UPPER(TRIM(family_code)), REGEXP_REPLACE(TRIM(family_label), r'\s+', ' '))
      AS _left_out_key
  FROM landing_products.families
),

spellings AS (
  -- the catalogue's most frequent spelling of each family's label (fallback label)
  SELECT family_code, family_label
  FROM products.catalogue_entries
  WHERE family_label IS NOT NULL
  GROUP BY family_code, family_label
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY family_code ORDER BY COUNT(*) DESC, family_label
  ) = 1
),

sized AS (
  SELECT
    family_code,
    COUNT(*) AS products,
    COUNTIF(is_active) AS active_products,
    COUNT(DISTINCT sub_family_label) AS sub_families,
    COUNT(DISTINCT village_id) AS villages,
    AVG(list_price_eur) AS average_list_price_eur
  FROM products.catalogue_entries
  GROUP BY family_code
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
