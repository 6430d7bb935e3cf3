-- web.customer_affinities: what each customer is drawn to, on three axes.
--
-- Evidence: every booking of the customer (bookings.bookings, at its creation) and
-- every identified web session (web.web_sessions, at its start). Weights: a booking
-- 5; a session with a dated search 2; a session with a village viewed but no dated
-- search 1; another session 0 (it counts as a session, not as a signal). Each weight
-- is halved every 180 days of age, age counted up to as_of.
-- as_of, "today", is the day of the latest signal in the data (not the wall clock),
-- so that a build is reproducible.
-- Axes:
--   sea/mountain: the village of the booking or the session's most viewed village,
--     typed by resorts.villages (countryside villages give no signal);
--   summer/winter: the season of the stay's arrival or of the searched arrival
--     (winter: the first half of the season, SEASON_HALF: November to April);
--   family/couple: children in the booking's party or in the searched party
--     (a session without a search gives no family signal).
-- score = (w_first + 0.5) / (w_first + w_second + 1); the label is the first pole when
-- the score is at least 0.5. favourite_village_id: the village with the highest
-- weight (ties: smallest village id).
WITH raw_signals AS (
  SELECT
    b.customer_id,
    'booking' AS kind,
    b.created_at AS signal_at,
    5.0 AS base_weight,
    b.village_id,
    b.arrival_date AS stay_date,
    b.children > 0 AS with_children
  FROM bookings.bookings AS b
  UNION ALL
  SELECT
    w.customer_id,
    'session' AS kind,
    w.started_at AS signal_at,
    CASE
      WHEN w.searched_arrival_date IS NOT NULL THEN 2.0
      WHEN w.village_id IS NOT NULL THEN 1.0
      ELSE 0.0
    END AS base_weight,
    w.village_id,
    w.searched_arrival_date AS stay_date,
    IF(w.searched_arrival_date IS NOT NULL, w.searched_children > 0, NULL) AS with_children
  FROM web.web_sessions AS w
  WHERE w.customer_id IS NOT NULL
),

as_of AS (
  SELECT DATE(MAX(signal_at)) AS as_of
  FROM raw_signals
),

signals AS (
  SELECT
    s.customer_id,
    s.kind,
    s.signal_at,
    s.village_id,
    a.as_of,
    s.base_weight * POW(0.5, DATE_DIFF(a.as_of, DATE(s.signal_at), DAY) / 180.0) AS weight,
    v.village_type,
    SEASON_HALF(s.stay_date) AS stay_season,
    s.with_children
  FROM raw_signals AS s
  CROSS JOIN as_of AS a
  LEFT JOIN resorts.villages AS v ON v.village_id = s.village_id
),

per_customer AS (
  SELECT
    customer_id,
    MAX(as_of) AS as_of,
    COALESCE(SUM(IF(village_type = 'sea', weight, 0)), 0) AS w_sea,
    COALESCE(SUM(IF(village_type = 'mountain', weight, 0)), 0) AS w_mountain,
    COALESCE(SUM(IF(stay_season = 'summer', weight, 0)), 0) AS w_summer,
    COALESCE(SUM(IF(stay_season = 'winter', weight, 0)), 0) AS w_winter,
    COALESCE(SUM(IF(with_children, weight, 0)), 0) AS w_family,
    COALESCE(SUM(IF(NOT with_children, weight, 0)), 0) AS w_couple,
    COUNTIF(kind = 'session') AS sessions,
    COUNTIF(kind = 'booking') AS bookings,
    MAX(signal_at) AS last_signal_at
  FROM signals
  GROUP BY customer_id
),

favourites AS (
  SELECT customer_id, village_id
  FROM (
    SELECT customer_id, village_id, SUM(weight) AS weight
    FROM signals
    WHERE village_id IS NOT NULL AND weight > 0
    GROUP BY customer_id, village_id
  )
  WHERE TRUE
  QUALIFY ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY weight DESC, village_id) = 1
),

scores AS (
  SELECT
    p.*,
    (p.w_sea + 0.5) / (p.w_sea + p.w_mountain + 1) AS sea_score,
    (p.w_summer + 0.5) / (p.w_summer + p.w_winter + 1) AS summer_score,
    (p.w_family + 0.5) / (p.w_family + p.w_couple + 1) AS family_score
  FROM per_customer AS p
)

SELECT
  s.customer_id,
  s.sea_score,
  IF(s.sea_score >= 0.5, 'sea', 'mountain') AS sea_mountain_label,
  s.summer_score,
  IF(s.summer_score >= 0.5, 'summer', 'winter') AS summer_winter_label,
  s.family_score,
  IF(s.family_score >= 0.5, 'family', 'couple') AS family_couple_label,
  f.village_id AS favourite_village_id,
  s.sessions,
  s.bookings,
  s.last_signal_at,
  s.as_of
FROM scores AS s
LEFT JOIN favourites AS f ON f.customer_id = s.customer_id
