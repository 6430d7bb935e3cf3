-- bookings.bookings: the current state of every booking contract.
--
-- booking_events holds the whole lifecycle of every booking (the stream, and for the
-- bookings created before it the history reconstructed from the contracts extract),
-- each event carrying the booking's full state after the change: the state is the
-- one of the booking's last event (highest sequence_number), the lifecycle
-- timestamps come from the events of each kind. A booking is cancelled once a
-- cancelled event exists, else confirmed once a confirmed event exists, else pending.
-- A booking without a created event cannot be described and is left out
-- (missing_value:created_at); booking_events makes every booking's first event its
-- creation, so this only happens when the stream breaks that rule.
WITH lifecycle AS (
  SELECT
    booking_id,
    MIN(IF(event_type = 'created', event_at, NULL)) AS created_at,
    MIN(IF(event_type = 'confirmed', event_at, NULL)) AS confirmed_at,
    MIN(IF(event_type = 'cancelled', event_at, NULL)) AS cancelled_at,
    MAX(event_at) AS last_event_at,
    COUNTIF(event_type = 'modified') AS modifications
  FROM bookings.booking_events
  GROUP BY booking_id
),

latest AS (
  SELECT *
  FROM bookings.booking_events
  WHERE TRUE
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY booking_id ORDER BY sequence_number DESC, event_at DESC
  ) = 1
),

current_state AS (
  SELECT
    s.booking_id,
    s.customer_id,
    s.village_id,
    s.market,
    s.channel,
    CASE
      WHEN l.cancelled_at IS NOT NULL THEN 'cancelled'
      WHEN l.confirmed_at IS NOT NULL THEN 'confirmed'
      ELSE 'pending'
    END AS status,
    l.created_at,
    DATE(l.created_at) AS booking_date,
    l.confirmed_at,
    l.cancelled_at,
    l.last_event_at,
    s.arrival_date,
    s.departure_date,
    s.adults,
    s.children,
    s.guests,
    s.amount_eur,
    l.modifications,
    IF(l.created_at IS NULL, 'missing_value:created_at', NULL) AS _left_out,
    s.booking_id AS _left_out_key
  FROM latest AS s
  INNER JOIN lifecycle AS l ON l.booking_id = s.booking_id
)

SELECT
  booking_id,
  customer_id,
  village_id,
  market,
  channel,
  status,
  created_at,
  booking_date,
  confirmed_at,
  cancelled_at,
  last_event_at,
  arrival_date,
  departure_date,
  DATE_DIFF(departure_date, arrival_date, DAY) AS nights,
  SEASON_OF(arrival_date) AS season,
  DATE_DIFF(arrival_date, booking_date, DAY) AS lead_time_days,
  adults,
  children,
  guests,
  amount_eur,
  modifications
FROM current_state
