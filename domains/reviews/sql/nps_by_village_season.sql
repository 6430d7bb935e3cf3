-- reviews.nps_by_village_season: Net Promoter Score of each village and season.
--
-- * The responses of reviews.survey_responses (one per stay, in the season of the
--   stay's arrival) that answered the likelihood to recommend (0..10).
-- * Promoters answer 9-10, passives 7-8, detractors 0-6; respondents = promoters +
--   passives + detractors; nps = 100 x (promoters - detractors) / respondents.
WITH counted AS (
  SELECT
    village_id,
    season,
    COUNT(*) AS respondents,
    COUNTIF(recommend_score >= 9) AS promoters,
    COUNTIF(recommend_score BETWEEN 7 AND 8) AS passives,
    COUNTIF(recommend_score <= 6) AS detractors,
    AVG(recommend_score) AS average_recommend_score
  FROM reviews.survey_responses
  WHERE recommend_score IS NOT NULL
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
