-- bookings.bookings_live: the day's bookings by village and market, and the seven
-- days before for comparison.
--
-- "Today" is the UTC day of the latest event in booking_events, not the wall clock,
-- so that a build is reproducible (in production, with the stream flowing, the two
-- coincide). A booking counts on the day it was created, with its current party and
-- amount, and on the day it was cancelled, with the amount it had then (a
-- cancellation is final, so its current amount); village and market are the
-- booking's current ones (bookings.bookings, the state of its latest event).
--
-- A row depends only on the bookings of its village and market: the booking stream
-- refreshes the rows of the villages and markets a micro-batch touched, reading only
-- their bookings (domains/bookings/stream.py).
WITH reference_day AS (
  SELECT DATE(MAX(event_at)) AS today
  FROM bookings.booking_events
),

moves AS (
  -- one row per booking created, and per booking cancelled, in the window
  SELECT
    b.booking_date,
    b.village_id,
    b.market,
    'created' AS event_type,
    b.guests,
    b.amount_eur,
    b.last_event_at
  FROM bookings.bookings AS b
  UNION ALL
  SELECT
    DATE(b.cancelled_at) AS booking_date,
    b.village_id,
    b.market,
    'cancelled' AS event_type,
    b.guests,
    b.amount_eur,
    b.last_event_at
  FROM bookings.bookings AS b
  WHERE b.cancelled_at IS NOT NULL
)

SELECT
  m.booking_date,
  m.village_id,
  m.market,
  COUNTIF(m.event_type = 'created') AS bookings,
  COUNTIF(m.event_type = 'cancelled') AS cancellations,
  COUNTIF(m.event_type = 'created') - COUNTIF(m.event_type = 'cancelled') AS net_bookings,
  COALESCE(SUM(IF(m.event_type = 'created', m.guests, 0)), 0) AS guests,
  COALESCE(SUM(IF(m.event_type = 'created', m.amount_eur, 0)), 0) AS revenue_eur,
  COALESCE(SUM(IF(m.event_type = 'cancelled', m.amount_eur, 0)), 0) AS cancelled_revenue_eur,
  MAX(m.last_event_at) AS last_event_at
FROM moves AS m
CROSS JOIN reference_day AS r
WHERE m.booking_date BETWEEN DATE_SUB(r.today, INTERVAL 7 DAY) AND r.today
GROUP BY m.booking_date, m.village_id, m.market
