-- reviews.village_ratings: guest ratings of each village and season (1 to 5 stars).
--
-- * The responses of reviews.survey_responses (one per stay, in the season of the
--   stay's arrival, ratings outside 1..5 already null); a response counts in
--   ``reviews`` when it has an overall rating. A response without one is left out:
--   invalid_value:overall_rating when the survey gave a rating that survey_responses
--   nulled (outside 1..5), else missing_value:overall_rating. Each theme's rating is
--   the mean of the responses that rated it (null when none did).
-- * rank_in_season: RANK() by average_rating among the season's villages with at
--   least 10 reviews (contracts.reviews.MIN_REVIEWS_FOR_RANK); ties share the
--   better rank; null below 10 reviews.
WITH given AS (
  -- whether the survey as delivered gave an overall rating at all
  SELECT survey_id, LOGICAL_OR(overall_rating IS NOT NULL) AS gave_overall_rating
  FROM landing_reviews.surveys
  GROUP BY survey_id
),

responses AS (
  SELECT
    r.*,
    CASE
      WHEN r.overall_rating IS NOT NULL THEN NULL
      WHEN g.gave_overall_rating THEN 'invalid_value:overall_rating'
      ELSE 'missing_value:overall_rating'
    END AS _left_out,
    CAST(r.survey_id AS STRING) AS _left_out_key
  FROM reviews.survey_responses AS r
  LEFT JOIN given AS g ON g.survey_id = r.survey_id
),

rated AS (
  SELECT
    village_id,
    season,
    COUNT(*) AS reviews,
    AVG(overall_rating) AS average_rating,
    COUNTIF(overall_rating = 5) / COUNT(*) AS five_star_share,
    AVG(food_rating) AS food_rating,
    AVG(rooms_rating) AS rooms_rating,
    AVG(activities_rating) AS activities_rating,
    AVG(staff_rating) AS staff_rating,
    AVG(kids_club_rating) AS kids_club_rating
  FROM responses
  GROUP BY village_id, season
)

SELECT
  village_id,
  season,
  reviews,
  average_rating,
  five_star_share,
  food_rating,
  rooms_rating,
  activities_rating,
  staff_rating,
  kids_club_rating,
  IF(
    reviews >= 10,
    RANK() OVER (PARTITION BY season, reviews >= 10 ORDER BY average_rating DESC),
    NULL
  ) AS rank_in_season
FROM rated
