-- products.product_catalog: one row per product of the catalogue.
--
-- * The products of products.catalogue_entries (one version per product_id, labels
--   cleaned, village_id, list price and is_active decided there).
-- * Family label and category come from products.product_families.
-- * Ski columns are kept for ski products only: the ski area and duration category
--   for lift passes, the school and lesson columns for ski school lessons; the
--   accommodation capacity for stays only. (The extract's park/type column also holds
--   the covered/outdoor type of parking products; that type is their sub-family.)
SELECT
  c.product_id,
  c.label,
  c.family_code,
  f.family_label,
  f.category,
  c.sub_family_label,
  c.village_id,
  IF(f.category = 'ski_pass', c.ski_duration_category_label, NULL) AS ski_duration_category_label,
  IF(REGEXP_CONTAINS(c.duration_code, r'^[A-Z0-9]{1,8}$'), c.duration_code, NULL) AS duration_code,
  c.duration_label,
  c.age_class_label,
  IF(f.category = 'ski_pass', c.park_label, NULL) AS park_family_type_label,
  IF(f.category = 'stay', c.accommodation_capacity_label, NULL) AS accommodation_capacity_label,
  IF(f.category = 'ski_school', c.ski_school_label, NULL) AS ski_school_label,
  IF(f.category = 'ski_school', c.lesson_type_label, NULL) AS lesson_type_label,
  IF(f.category = 'ski_school', c.lesson_group_label, NULL) AS lesson_group_label,
  c.list_price_eur,
  c.is_active
FROM products.catalogue_entries AS c
INNER JOIN products.product_families AS f ON f.family_code = c.family_code
