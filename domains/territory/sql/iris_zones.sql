-- territory.iris_zones: France's IRIS zones with the enrichment variables used for
-- prospection.
--
-- * Zones: INSEE's referential (landing_territory.iris_zones), one row per code (a
--   row without code is left out as missing_value:iris_code, a code listed twice
--   keeps its most populated row, the others left out as duplicate); census
--   households are rounded to whole households.
-- * Enrichment: the vendor's file, whose zone codes were stored as numbers: codes
--   of departments 01 to 09 lost their leading zero, so they are left-padded to 9
--   characters before joining; one row per zone, the latest vintage (older vintages
--   and rows without zone are left out: duplicate, missing_value:iris). Rows naming
--   zones absent from the referential (an older geography) are left out
--   (unknown_reference:landing_territory.iris_zones).
-- * Zones the vendor does not cover (about 1%) take the mean of their department's
--   zones for each published share, index and distance (the national mean when the
--   whole department is missing). The median income is not imputed: it stays null
--   where the vendor suppressed it or lacks the zone.
WITH referential AS (
  SELECT
    TRIM(iris_code) AS iris_code,
    REGEXP_REPLACE(TRIM(iris_name), r'\s+', ' ') AS iris_name,
    UPPER(TRIM(iris_type)) AS iris_type,
    UPPER(TRIM(commune_code)) AS commune_code,
    REGEXP_REPLACE(TRIM(commune_name), r'\s+', ' ') AS commune_name,
    UPPER(TRIM(department_code)) AS department_code,
    GREATEST(COALESCE(population, 0), 0) AS population,
    CAST(ROUND(GREATEST(COALESCE(households, 0), 0)) AS INT64) AS households,
    CASE
      WHEN iris_code IS NULL THEN 'missing_value:iris_code'
      WHEN ROW_NUMBER() OVER (PARTITION BY TRIM(iris_code) ORDER BY population DESC) > 1
        THEN 'duplicate'
    END AS _left_out,
    COALESCE(TRIM(iris_code), REGEXP_REPLACE(TRIM(iris_name), r'\s+', ' ')) AS _left_out_key
  FROM landing_territory.iris_zones
),

enrichment AS (
  SELECT
    LPAD(TRIM(iris), 9, '0') AS iris_code,
    IF(median_income_eur >= 0, median_income_eur, NULL) AS median_income_eur,
    IF(share_families_with_children BETWEEN 0 AND 1, share_families_with_children, NULL)
      AS share_families_with_children,
    IF(share_couples_without_children BETWEEN 0 AND 1, share_couples_without_children, NULL)
      AS share_couples_without_children,
    IF(share_age_65_plus BETWEEN 0 AND 1, share_age_65_plus, NULL) AS share_age_65_plus,
    IF(share_executives BETWEEN 0 AND 1, share_executives, NULL) AS share_executives,
    IF(ski_practice_index >= 0, ski_practice_index, NULL) AS ski_practice_index,
    IF(distance_to_mountain_km >= 0, distance_to_mountain_km, NULL) AS distance_to_mountain_km,
    CASE
      WHEN iris IS NULL THEN 'missing_value:iris'
      WHEN ROW_NUMBER() OVER (PARTITION BY LPAD(TRIM(iris), 9, '0') ORDER BY vintage DESC) > 1
        THEN 'duplicate'
    END AS _left_out,
    LPAD(TRIM(iris), 9, '0') AS _left_out_key
  FROM landing_territory.iris_enrichment
),

known_enrichment AS (
  SELECT
    e.*,
    IF(r.iris_code IS NULL, 'unknown_reference:landing_territory.iris_zones', NULL)
      AS _left_out,
    e.iris_code AS _left_out_key
  FROM enrichment AS e
  LEFT JOIN referential AS r ON r.iris_code = e.iris_code
),

joined AS (
  SELECT
    r.iris_code,
    r.iris_name,
    r.iris_type,
    r.commune_code,
    r.commune_name,
    r.department_code,
    r.population,
    r.households,
    e.median_income_eur,
    e.share_families_with_children,
    e.share_couples_without_children,
    e.share_age_65_plus,
    e.share_executives,
    e.ski_practice_index,
    e.distance_to_mountain_km
  FROM referential AS r
  LEFT JOIN known_enrichment AS e ON e.iris_code = r.iris_code
)

SELECT
  iris_code,
  iris_name,
  iris_type,
  commune_code,
  commune_name,
  department_code,
  population,
  households,
  median_income_eur,
  COALESCE(
    share_families_with_children,
    AVG(share_families_with_children) OVER (PARTITION BY department_code),
    AVG(share_families_with_children) OVER ()
  ) AS share_families_with_children,
  COALESCE(
    share_couples_without_children,
    AVG(share_couples_without_children) OVER (PARTITION BY department_code),
    AVG(share_couples_without_children) OVER ()
  ) AS share_couples_without_children,
  COALESCE(
    share_age_65_plus,
    AVG(share_age_65_plus) OVER (PARTITION BY department_code),
    AVG(share_age_65_plus) OVER ()
  ) AS share_age_65_plus,
  COALESCE(
    share_executives,
    AVG(share_executives) OVER (PARTITION BY department_code),
    AVG(share_executives) OVER ()
  ) AS share_executives,
  COALESCE(
    ski_practice_index,
    AVG(ski_practice_index) OVER (PARTITION BY department_code),
    AVG(ski_practice_index) OVER ()
  ) AS ski_practice_index,
  COALESCE(
    distance_to_mountain_km,
    AVG(distance_to_mountain_km) OVER (PARTITION BY department_code),
    AVG(distance_to_mountain_km) OVER ()
  ) AS distance_to_mountain_km
FROM joined
