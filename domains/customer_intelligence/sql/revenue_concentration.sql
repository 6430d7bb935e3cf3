-- customer_intelligence.revenue_concentration: cumulative revenue by household rank over
-- each five-season window (the "3% of households make 33% of revenue" curve).
--
-- * Same households and amounts as customer_intelligence.rfm_segments: revenue is the
--   window amount M of each segmented household.
-- * Households are ranked by revenue, highest first, ties broken by household_id; the
--   cumulative shares run down that order (capped at 1 against rounding).
WITH
ranked AS (
  SELECT
    household_id,
    season,
    window_first_season,
    segment,
    amount_eur AS revenue_eur,
    ROW_NUMBER() OVER (PARTITION BY season ORDER BY amount_eur DESC, household_id) AS revenue_rank,
    COUNT(*) OVER (PARTITION BY season) AS window_households,
    SUM(amount_eur) OVER (PARTITION BY season) AS window_revenue,
    SUM(amount_eur) OVER (
      PARTITION BY season
      ORDER BY amount_eur DESC, household_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS cumulative_revenue
  FROM customer_intelligence.rfm_segments
)

SELECT
  household_id,
  season,
  window_first_season,
  segment,
  revenue_eur,
  revenue_rank,
  LEAST(revenue_eur / window_revenue, 1.0) AS revenue_share,
  revenue_rank / window_households AS cumulative_households_share,
  LEAST(cumulative_revenue / window_revenue, 1.0) AS cumulative_revenue_share
FROM ranked
