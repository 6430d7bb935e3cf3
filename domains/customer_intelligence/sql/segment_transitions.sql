-- customer_intelligence.segment_transitions: the season-to-season transition matrix
-- between RFM segments.
--
-- * For each pair of consecutive seasons of customer_intelligence.rfm_segments, the
--   households segmented in either season are matched on household_id; a household
--   without a row in a season is OUT there (no purchase in its five-season window).
--   Households OUT in both seasons never appear.
-- * move compares segment ranks: UP, DOWN, STABLE; ENTRY from OUT, EXIT to OUT.
-- * share_of_segment_from is the row share of the matrix; season_to_amount_eur is what
--   the households bought in season_to alone (0 for an exit).
WITH
segments AS (
  SELECT
    household_id,
    CAST(SUBSTR(season, 1, 4) AS INT64) AS season_year,
    segment,
    segment_rank,
    season_amount_eur
  FROM customer_intelligence.rfm_segments
),

years AS (
  SELECT DISTINCT season_year
  FROM segments
),

season_pairs AS (
  SELECT y.season_year AS year_from
  FROM years AS y
  INNER JOIN years AS n
    ON n.season_year = y.season_year + 1
),

segments_from AS (
  SELECT s.*
  FROM segments AS s
  INNER JOIN season_pairs AS p
    ON p.year_from = s.season_year
),

segments_to AS (
  SELECT s.*
  FROM segments AS s
  INNER JOIN season_pairs AS p
    ON p.year_from + 1 = s.season_year
),

moves AS (
  SELECT
    COALESCE(f.season_year, t.season_year - 1) AS year_from,
    COALESCE(f.segment, 'OUT') AS segment_from,
    COALESCE(t.segment, 'OUT') AS segment_to,
    CASE
      WHEN f.segment IS NULL THEN 'ENTRY'
      WHEN t.segment IS NULL THEN 'EXIT'
      WHEN t.segment_rank > f.segment_rank THEN 'UP'
      WHEN t.segment_rank < f.segment_rank THEN 'DOWN'
      ELSE 'STABLE'
    END AS move,
    COALESCE(t.season_amount_eur, 0) AS season_to_amount_eur
  FROM segments_from AS f
  FULL OUTER JOIN segments_to AS t
    ON t.household_id = f.household_id AND t.season_year = f.season_year + 1
),

cells AS (
  SELECT
    year_from,
    segment_from,
    segment_to,
    move,
    COUNT(*) AS households,
    SUM(season_to_amount_eur) AS season_to_amount_eur
  FROM moves
  GROUP BY year_from, segment_from, segment_to, move
)

SELECT
  SEASON_LABEL(year_from) AS season_from,
  SEASON_LABEL(year_from + 1) AS season_to,
  segment_from,
  segment_to,
  move,
  households,
  households / SUM(households) OVER (PARTITION BY year_from, segment_from)
    AS share_of_segment_from,
  ROUND(season_to_amount_eur, 2) AS season_to_amount_eur
FROM cells
