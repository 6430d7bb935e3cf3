-- resorts.villages: the village referential, one row per village, cleaned.
--
-- Names: a name typed in mixed case is the website's spelling and is kept (trimmed,
-- spaces collapsed); a name typed all in upper or lower case is put in title case,
-- hyphenated and apostrophised words included ("L'Alpe d'Huez"), with the French and
-- Portuguese particles after the first word in lower case (de, du, des, d', en, la,
-- le, les, l', aux, au, et, da, das, do, dos).
--
-- "Today" (for is_operating) is the latest date the data vouches for, not the wall
-- clock, so that builds are reproducible: the capacity calendar runs to the end of
-- the season after the extraction day, so the reference day is the eve of the
-- calendar's last season (the day before that season's first day).
WITH calendar AS (
  SELECT
    DATE_SUB(SEASON_FIRST_DAY(SEASON_START_YEAR(MAX(capacity_date))), INTERVAL 1 DAY)
      AS reference_day
  FROM landing_resorts.capacity
),

-- a row without a village code names no village (missing_value:village_code); the
-- referential may list a village twice: the version with the most beds (the current
-- design capacity) is kept, the other left out (duplicate)
referential AS (
  SELECT
    UPPER(TRIM(village_code)) AS village_id,
    REGEXP_REPLACE(TRIM(village_name), r'\s+', ' ') AS typed_name,
    UPPER(TRIM(country_code)) AS country_code,
    REGEXP_REPLACE(TRIM(region_label), r'\s+', ' ') AS region_label,
    LOWER(TRIM(village_type)) AS village_type,
    LOWER(TRIM(season_type)) AS season_type,
    UPPER(TRIM(comfort_label)) AS comfort_level,
    beds AS capacity_beds,
    altitude_m,
    latitude,
    longitude,
    opening_date,
    closing_date,
    CASE
      WHEN village_code IS NULL THEN 'missing_value:village_code'
      WHEN ROW_NUMBER() OVER (
        PARTITION BY UPPER(TRIM(village_code)) ORDER BY beds DESC, village_name
      ) > 1 THEN 'duplicate'
    END AS _left_out,
    COALESCE(UPPER(TRIM(village_code)), REGEXP_REPLACE(TRIM(village_name), r'\s+', ' '))
      AS _left_out_key
  FROM landing_resorts.villages
),

named AS (
  SELECT
    *,
    -- title case: INITCAP treats the apostrophe as part of a word, so split it off
    -- with a space first ("L' Alpe D' Huez") and join it back afterwards
    REPLACE(INITCAP(REPLACE(LOWER(typed_name), "'", "' ")), "' ", "'") AS title_name
  FROM referential
)

SELECT
  village_id,
  CASE
    WHEN typed_name != UPPER(typed_name) AND typed_name != LOWER(typed_name) THEN typed_name
    ELSE
      REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(
      REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(
        title_name,
        ' De ', ' de '), ' Du ', ' du '), ' Des ', ' des '), " D'", " d'"),
        ' En ', ' en '), ' La ', ' la '), ' Le ', ' le '), ' Les ', ' les '),
        " L'", " l'"), ' Aux ', ' aux '), ' Au ', ' au '), ' Et ', ' et '),
        ' Da ', ' da '), ' Das ', ' das '), ' Do ', ' do '), ' Dos ', ' dos ')
  END AS village_name,
  country_code,
  region_label,
  village_type,
  season_type,
  comfort_level,
  capacity_beds,
  -- altitude is a mountain village's attribute only
  IF(village_type = 'mountain', altitude_m, NULL) AS altitude_m,
  latitude,
  longitude,
  opening_date,
  closing_date,
  (opening_date IS NULL OR opening_date <= calendar.reference_day)
  AND (closing_date IS NULL OR closing_date >= calendar.reference_day) AS is_operating
FROM named
CROSS JOIN calendar
