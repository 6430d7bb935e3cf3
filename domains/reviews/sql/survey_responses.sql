-- reviews.survey_responses: one post-stay survey response per stay, answers cleaned
-- (internal: read by reviews.village_ratings and reviews.nps_by_village_season).
--
-- * A survey naming no village (missing_value:village_code) or no arrival date
--   (missing_value:stay_arrival) cannot be placed in a village and season: it is left
--   out.
-- * One response per stay: a survey submitted twice keeps its first submission
--   (earliest answered_at, then lowest survey_id) per booking; the later ones are left
--   out as duplicate. A survey naming no booking is a stay of its own.
-- * A rating outside 1..5 is no rating (null). The likelihood to recommend is answered
--   on 0..10; 99 (the survey tool's "no answer") and any value outside 0..10 are no
--   answer (null). The response itself is kept.
-- * The season is the one of the stay's arrival.
WITH surveys AS (
  SELECT
    s.*,
    COALESCE(s.booking_id, CAST(s.survey_id AS STRING)) AS response_key,
    CASE
      WHEN s.village_code IS NULL THEN 'missing_value:village_code'
      WHEN s.stay_arrival IS NULL THEN 'missing_value:stay_arrival'
      WHEN ROW_NUMBER() OVER (
        PARTITION BY
          COALESCE(s.booking_id, CAST(s.survey_id AS STRING)),
          s.village_code IS NULL OR s.stay_arrival IS NULL
        ORDER BY s.answered_at, s.survey_id
      ) > 1 THEN 'duplicate'
    END AS _left_out,
    CAST(s.survey_id AS STRING) AS _left_out_key
  FROM landing_reviews.surveys AS s
)

SELECT
  response_key,
  survey_id,
  UPPER(TRIM(village_code)) AS village_id,
  stay_arrival,
  SEASON_OF(stay_arrival) AS season,
  IF(overall_rating BETWEEN 1 AND 5, overall_rating, NULL) AS overall_rating,
  IF(food_rating BETWEEN 1 AND 5, food_rating, NULL) AS food_rating,
  IF(rooms_rating BETWEEN 1 AND 5, rooms_rating, NULL) AS rooms_rating,
  IF(activities_rating BETWEEN 1 AND 5, activities_rating, NULL) AS activities_rating,
  IF(staff_rating BETWEEN 1 AND 5, staff_rating, NULL) AS staff_rating,
  IF(kids_club_rating BETWEEN 1 AND 5, kids_club_rating, NULL) AS kids_club_rating,
  IF(recommend_score BETWEEN 0 AND 10, recommend_score, NULL) AS recommend_score
FROM surveys
