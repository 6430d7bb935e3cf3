-- reviews.village_ratings: guest ratings of each village and season (1 to 5 stars).
--
-- * The responses of reviews.survey_responses (one per stay, in the season of the
--   stay's arrival, ratings outside 1..5 already null); a response counts in
--   ``reviews`` when it has an overall rating. Each theme's rating is the mean of the
--   responses that rated it (null when none did).
-- * rank_in_season: RANK() by average_rating among the season's villages with at
--   least 10 reviews (contracts.reviews.MIN_REVIEWS_FOR_RANK); ties share the
--   better rank; null below 10 reviews.
WITH rated AS (
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
  FROM reviews.survey_responses
  WHERE overall_rating IS NOT NULL
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
