-- bookings.bookings_live: the day's bookings by village and market, and the seven
-- days before for comparison.
--
-- "Today" is the UTC day of the latest event in booking_events, not the wall clock,
-- so that a build is reproducible (in production, with the stream flowing, the two
-- coincide). A booking counts on the day it was created, with its current party and
-- amount (its latest event), and on the day it was cancelled, with the amount it had
-- then; village and market are the booking's current ones.
WITH reference_day AS (
  SELECT DATE(MAX(event_at)) AS today
  FROM bookings.booking_events
),

current_state AS (
  SELECT booking_id, village_id, market, guests, amount_eur, event_at AS last_event_at
  FROM bookings.booking_events
  WHERE TRUE
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY booking_id ORDER BY sequence_number DESC, event_at DESC
  ) = 1
),

moves AS (
  -- one row per booking created or cancelled in the window
  SELECT
    e.event_date AS booking_date,
    s.village_id,
    s.market,
    e.event_type,
    s.guests,
    IF(e.event_type = 'created', s.amount_eur, e.amount_eur) AS amount_eur,
    GREATEST(e.event_at, s.last_event_at) AS last_event_at
  FROM bookings.booking_events AS e
  CROSS JOIN reference_day AS r
  INNER JOIN current_state AS s ON s.booking_id = e.booking_id
  WHERE e.event_type IN ('created', 'cancelled')
    AND e.event_date BETWEEN DATE_SUB(r.today, INTERVAL 7 DAY) AND r.today
)

SELECT
  booking_date,
  village_id,
  market,
  COUNTIF(event_type = 'created') AS bookings,
  COUNTIF(event_type = 'cancelled') AS cancellations,
  COUNTIF(event_type = 'created') - COUNTIF(event_type = 'cancelled') AS net_bookings,
  COALESCE(SUM(IF(event_type = 'created', guests, 0)), 0) AS guests,
  COALESCE(SUM(IF(event_type = 'created', amount_eur, 0)), 0) AS revenue_eur,
  COALESCE(SUM(IF(event_type = 'cancelled', amount_eur, 0)), 0) AS cancelled_revenue_eur,
  MAX(last_event_at) AS last_event_at
FROM moves
GROUP BY booking_date, village_id, market
