-- campaigns.return_rate_animated: year-on-year return rate of households reached by CRM
-- campaigns ("animated") versus not.
--
-- * Customers are grouped into the households of customers.households by
--   customers.customer_profile.household_id.
-- * A household bought in a season when its net amount there (lines of cancelled
--   contracts excluded, the line's season from sales.sales_lines) is > 0, as in
--   customer_intelligence.rfm_segments.
-- * Animated in S-1: a member received at least one send (e-mail or SMS) whose UTC
--   send day falls in S-1 (November to October).
-- * "Today" is the latest sale date in sales.sales_lines (not the wall clock, so that
--   builds are reproducible): seasons of return S run up to today's season; bookings
--   already taken for later seasons are not returns yet.
WITH
members AS (
  SELECT
    p.customer_id,
    p.household_id
  FROM customers.customer_profile AS p
  INNER JOIN customers.households AS h
    ON h.household_id = p.household_id
),

today AS (
  SELECT
    EXTRACT(YEAR FROM MAX(sale_date)) - IF(EXTRACT(MONTH FROM MAX(sale_date)) < 11, 1, 0)
      AS current_year
  FROM sales.sales_lines
),

purchases AS (
  SELECT
    m.household_id,
    CAST(SUBSTR(l.season, 1, 4) AS INT64) AS season_year
  FROM sales.sales_lines AS l
  INNER JOIN members AS m
    ON m.customer_id = l.payer_customer_id
  WHERE NOT l.is_cancelled
  GROUP BY m.household_id, season_year
  HAVING SUM(l.amount_eur) > 0
),

household_sends AS (
  SELECT
    m.household_id,
    EXTRACT(YEAR FROM s.sent_at) - IF(EXTRACT(MONTH FROM s.sent_at) < 11, 1, 0) AS season_year,
    COUNT(*) AS sends
  FROM campaigns.campaign_sends AS s
  INNER JOIN members AS m
    ON m.customer_id = s.customer_id
  GROUP BY m.household_id, season_year
),

base AS (
  SELECT
    p.season_year + 1 AS return_year,
    COALESCE(hs.sends, 0) AS sends,
    r.household_id IS NOT NULL AS returned
  FROM purchases AS p
  CROSS JOIN today AS t
  LEFT JOIN household_sends AS hs
    ON hs.household_id = p.household_id AND hs.season_year = p.season_year
  LEFT JOIN purchases AS r
    ON r.household_id = p.household_id AND r.season_year = p.season_year + 1
  WHERE p.season_year + 1 <= t.current_year
)

SELECT
  CONCAT(CAST(return_year AS STRING), '-', SUBSTR(CAST(return_year + 1 AS STRING), 3, 2))
    AS season,
  CONCAT(CAST(return_year - 1 AS STRING), '-', SUBSTR(CAST(return_year AS STRING), 3, 2))
    AS previous_season,
  sends > 0 AS animated,
  COUNT(*) AS households,
  COUNTIF(returned) AS returning_households,
  SAFE_DIVIDE(COUNTIF(returned), COUNT(*)) AS return_rate,
  AVG(sends) AS sends_per_household
FROM base
GROUP BY return_year, animated
