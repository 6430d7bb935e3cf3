-- campaigns.return_rate_animated: year-on-year return rate of households reached by CRM
-- campaigns ("animated") versus not.
--
-- * The seasons in which a household bought come from customer_intelligence.rfm_segments:
--   a household bought in season S exactly when its row for S has recency_seasons = 0
--   (net amount of its members' lines > 0, lines of cancelled contracts excluded; the
--   households of customers.households, grouped by customers.customer_profile).
-- * A household that bought in S-1 is in the base of season S when S is a season of
--   rfm_segments (they run up to "today's" season, the one of the latest sale date, so
--   bookings already taken for later seasons are not returns yet); it returned when it
--   bought in S too.
-- * Animated in S-1: a member received at least one send (e-mail or SMS) whose UTC
--   send day falls in S-1.
WITH
members AS (
  SELECT
    p.customer_id,
    p.household_id
  FROM customers.customer_profile AS p
  INNER JOIN customers.households AS h
    ON h.household_id = p.household_id
),

purchases AS (
  SELECT
    household_id,
    season,
    CAST(SUBSTR(season, 1, 4) AS INT64) AS season_year
  FROM customer_intelligence.rfm_segments
  WHERE recency_seasons = 0
),

household_sends AS (
  SELECT
    m.household_id,
    SEASON_OF(s.sent_at) AS season,
    COUNT(*) AS sends
  FROM campaigns.campaign_sends AS s
  INNER JOIN members AS m
    ON m.customer_id = s.customer_id
  GROUP BY m.household_id, season
),

base AS (
  SELECT
    n.season,
    p.season AS previous_season,
    COALESCE(hs.sends, 0) AS sends,
    n.recency_seasons = 0 AS returned
  FROM purchases AS p
  INNER JOIN customer_intelligence.rfm_segments AS n
    ON n.household_id = p.household_id AND n.season = SEASON_LABEL(p.season_year + 1)
  LEFT JOIN household_sends AS hs
    ON hs.household_id = p.household_id AND hs.season = p.season
)

SELECT
  season,
  previous_season,
  sends > 0 AS animated,
  COUNT(*) AS households,
  COUNTIF(returned) AS returning_households,
  SAFE_DIVIDE(COUNTIF(returned), COUNT(*)) AS return_rate,
  AVG(sends) AS sends_per_household
FROM base
GROUP BY season, previous_season, animated
