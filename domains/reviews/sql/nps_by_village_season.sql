-- reviews.nps_by_village_season: Net Promoter Score of each village and season.
--
-- * One response per stay: a survey submitted twice keeps its first submission
--   (earliest answered_at, then lowest survey_id) per booking.
-- * The likelihood to recommend is answered on 0..10; 99 (the survey tool's "no
--   answer") and any value outside 0..10 are no answer and leave the response out.
-- * Promoters answer 9-10, passives 7-8, detractors 0-6; respondents = promoters +
--   passives + detractors; nps = 100 x (promoters - detractors) / respondents.
-- * The season is the one of the stay's arrival (November to October).
WITH responses AS (
  SELECT
    UPPER(TRIM(village_code)) AS village_id,
    stay_arrival,
    recommend_score
  FROM landing_reviews.surveys
  WHERE village_code IS NOT NULL AND stay_arrival IS NOT NULL
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY COALESCE(booking_id, CAST(survey_id AS STRING))
    ORDER BY answered_at, survey_id
  ) = 1
),

answers AS (
  SELECT
    village_id,
    CONCAT(
      CAST(EXTRACT(YEAR FROM DATE_ADD(stay_arrival, INTERVAL 2 MONTH)) - 1 AS STRING),
      '-',
      SUBSTR(CAST(EXTRACT(YEAR FROM DATE_ADD(stay_arrival, INTERVAL 2 MONTH)) AS STRING), 3, 2)
    ) AS season,
    recommend_score
  FROM responses
  WHERE recommend_score BETWEEN 0 AND 10
),

counted AS (
  SELECT
    village_id,
    season,
    COUNT(*) AS respondents,
    COUNTIF(recommend_score >= 9) AS promoters,
    COUNTIF(recommend_score BETWEEN 7 AND 8) AS passives,
    COUNTIF(recommend_score <= 6) AS detractors,
    AVG(recommend_score) AS average_recommend_score
  FROM answers
  GROUP BY village_id, season
)

SELECT
  village_id,
  season,
  respondents,
  promoters,
  passives,
  detractors,
  promoters / respondents AS promoter_share,
  detractors / respondents AS detractor_share,
  100 * (promoters - detractors) / respondents AS nps,
  average_recommend_score
FROM counted
