-- reviews.nps_by_village_season: Net Promoter Score of each village and season.
--
-- * The responses of reviews.survey_responses (one per stay, in the season of the
--   stay's arrival) that answered the likelihood to recommend (0..10). A response
--   without a score is left out: invalid_value:recommend_score when the survey gave
--   a score that survey_responses nulled (outside 0..10), else
--   missing_value:recommend_score (no answer, the tool's 99 included).
-- * Promoters answer 9-10, passives 7-8, detractors 0-6; respondents = promoters +
--   passives + detractors; nps = 100 x (promoters - detractors) / respondents.
WITH given AS (
  -- whether the survey as delivered gave a recommend score (99: the tool's "no answer")
  SELECT
    survey_id,
    LOGICAL_OR(recommend_score IS NOT NULL AND recommend_score != 99) AS gave_recommend_score
  FROM landing_reviews.surveys
  GROUP BY survey_id
),

responses AS (
  SELECT
    r.*,
    CASE
      WHEN r.recommend_score IS NOT NULL THEN NULL
      WHEN g.gave_recommend_score THEN 'invalid_value:recommend_score'
      ELSE 'missing_value:recommend_score'
    END AS _left_out,
    CAST(r.survey_id AS STRING) AS _left_out_key
  FROM reviews.survey_responses AS r
  LEFT JOIN given AS g ON g.survey_id = r.survey_id
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
  FROM responses
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
