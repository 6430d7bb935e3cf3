-- telephony.call_conversion: daily volumes and conversion of calls per queue.
--
-- Days are calendar days in the contact centre's time zone (Europe/Paris). A
-- converted call is a sales call that ended with a booking; its revenue is the
-- amount of that booking in bookings.bookings. Rates are null without a denominator.
WITH calls AS (
  SELECT
    c.*,
    DATE(c.started_at, 'Europe/Paris') AS call_date,
    c.outcome <> 'abandoned' AS answered,
    c.call_type = 'sales' AND c.outcome = 'booked' AS converted
  FROM telephony.calls AS c
)

SELECT
  c.call_date,
  c.queue,
  COUNT(*) AS calls,
  COUNTIF(c.direction = 'inbound') AS inbound_calls,
  COUNTIF(c.answered) AS answered_calls,
  COUNTIF(c.direction = 'inbound' AND NOT c.answered) AS abandoned_calls,
  COUNTIF(c.call_type = 'sales') AS sales_calls,
  COUNTIF(c.call_type = 'information') AS information_calls,
  COUNTIF(c.converted) AS converted_calls,
  SAFE_DIVIDE(COUNTIF(c.converted), COUNTIF(c.call_type = 'sales')) AS conversion_rate,
  SAFE_DIVIDE(
    COUNTIF(c.direction = 'inbound' AND NOT c.answered), COUNTIF(c.direction = 'inbound')
  ) AS abandon_rate,
  AVG(c.wait_seconds) AS average_wait_seconds,
  COALESCE(AVG(IF(c.answered, c.duration_seconds, NULL)), 0) AS average_duration_seconds,
  COALESCE(SUM(IF(c.converted, b.amount_eur, 0)), 0) AS revenue_eur
FROM calls AS c
LEFT JOIN bookings.bookings AS b ON b.booking_id = c.booking_id
GROUP BY c.call_date, c.queue
