-- customer_intelligence.rfm_segments: each household's RFM segment per season, from the
-- five seasons S-4 .. S of purchases.
--
-- * Lines of cancelled contracts are excluded; a line belongs to its season in
--   sales.sales_lines (the stay's arrival, or the sale date without stay) and to the
--   household of its payer (customers.customer_profile.household_id, a household of
--   customers.households).
-- * A household bought in a season when its net amount there is > 0; a season with a
--   net amount <= 0 (refunds only) is a season without purchase and adds nothing to M.
-- * "Today" is the latest sale date in sales.sales_lines (not the wall clock, so that
--   builds are reproducible). Seasons S run from the first season with a purchase to
--   today's season; bookings already taken for later seasons wait for their season.
--   The earliest seasons have windows reaching before the data, as the history does.
-- * The segment rules are the contract's, case by case on (R, F); the segment's rank is
--   the contract's ranking of the segments (RANK_OF).
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
    m.household_id,
    CAST(SUBSTR(l.season, 1, 4) AS INT64) AS season_year,
    SUM(l.amount_eur) AS amount
  FROM sales.sales_lines AS l
  INNER JOIN members AS m
    ON m.customer_id = l.payer_customer_id
  WHERE NOT l.is_cancelled
  GROUP BY m.household_id, season_year
  HAVING SUM(l.amount_eur) > 0
),

bounds AS (
  SELECT
    (SELECT MIN(season_year) FROM purchases) AS first_year,
    SEASON_START_YEAR(MAX(sale_date)) AS current_year
  FROM sales.sales_lines
),

seasons AS (
  SELECT season_year
  FROM bounds AS b
  CROSS JOIN UNNEST(GENERATE_ARRAY(b.first_year, b.current_year)) AS season_year
),

windows AS (
  SELECT
    p.household_id,
    s.season_year,
    COUNT(*) AS frequency_seasons,
    s.season_year - MAX(p.season_year) AS recency_seasons,
    SUM(p.amount) AS amount_eur,
    SUM(IF(p.season_year = s.season_year, p.amount, 0)) AS season_amount_eur
  FROM purchases AS p
  INNER JOIN seasons AS s
    ON p.season_year BETWEEN s.season_year - 4 AND s.season_year
  GROUP BY p.household_id, s.season_year
),

segmented AS (
  SELECT
    *,
    CASE
      WHEN frequency_seasons = 5 THEN 'ADDICTS'
      WHEN frequency_seasons IN (3, 4) AND recency_seasons <= 1 THEN 'FIDELES'
      WHEN frequency_seasons = 2 AND recency_seasons <= 1 THEN 'OCCASIONNELS'
      WHEN frequency_seasons = 1 AND recency_seasons = 0 THEN 'NOUVEAUX'
      WHEN frequency_seasons = 1 AND recency_seasons >= 1 THEN 'ONE TIMER'
      WHEN frequency_seasons IN (2, 3) AND recency_seasons >= 2 THEN 'INACTIFS'
    END AS segment
  FROM windows
)

SELECT
  household_id,
  SEASON_LABEL(season_year) AS season,
  SEASON_LABEL(season_year - 4) AS window_first_season,
  recency_seasons,
  frequency_seasons,
  ROUND(amount_eur, 2) AS amount_eur,
  ROUND(season_amount_eur, 2) AS season_amount_eur,
  SEASON_LABEL(season_year - recency_seasons) AS last_purchase_season,
  segment,
  RANK_OF(segment, 'segment') AS segment_rank
FROM segmented
