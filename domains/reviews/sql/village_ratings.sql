-- reviews.village_ratings: guest ratings of each village and season (1 to 5 stars).
--
-- * One response per stay: a survey submitted twice keeps its first submission
--   (earliest answered_at, then lowest survey_id) per booking.
-- * A rating outside 1..5 is no rating (null); a response counts in ``reviews`` when
--   it has an overall rating. Each theme's rating is the mean of the responses that
--   rated it (null when none did).
-- * The season is the one of the stay's arrival (November to October: the season
--   starts on 1 November of the year of arrival + 2 months, minus one).
-- * rank_in_season: RANK() by average_rating among the season's villages with at
--   least 10 reviews (contracts.reviews.MIN_REVIEWS_FOR_RANK); ties share the
--   better rank; null below 10 reviews.
WITH responses AS (
  SELECT
    UPPER(TRIM(village_code)) AS village_id,
    stay_arrival,
    IF(overall_rating BETWEEN 1 AND 5, overall_rating, NULL) AS overall_rating,
    IF(food_rating BETWEEN 1 AND 5, food_rating, NULL) AS food_rating,
    IF(rooms_rating BETWEEN 1 AND 5, rooms_rating, NULL) AS rooms_rating,
    IF(activities_rating BETWEEN 1 AND 5, activities_rating, NULL) AS activities_rating,
    IF(staff_rating BETWEEN 1 AND 5, staff_rating, NULL) AS staff_rating,
    IF(kids_club_rating BETWEEN 1 AND 5, kids_club_rating, NULL) AS kids_club_rating
  FROM landing_reviews.surveys
  WHERE village_code IS NOT NULL AND stay_arrival IS NOT NULL
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY COALESCE(booking_id, CAST(survey_id AS STRING))
    ORDER BY answered_at, survey_id
  ) = 1
),

seasonal AS (
  SELECT
    village_id,
    CONCAT(
      CAST(EXTRACT(YEAR FROM DATE_ADD(stay_arrival, INTERVAL 2 MONTH)) - 1 AS STRING),
      '-',
      SUBSTR(CAST(EXTRACT(YEAR FROM DATE_ADD(stay_arrival, INTERVAL 2 MONTH)) AS STRING), 3, 2)
    ) AS season,
    overall_rating,
    food_rating,
    rooms_rating,
    activities_rating,
    staff_rating,
    kids_club_rating
  FROM responses
  WHERE overall_rating IS NOT NULL
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
  FROM seasonal
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
