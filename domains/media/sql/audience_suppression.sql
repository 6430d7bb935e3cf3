-- media.audience_suppression: customers to leave out of, or move into, advertising
-- audiences, and until when.
--
-- "Today" is the UTC day of the latest booking change in bookings.bookings, not the
-- wall clock, so that a build is reproducible (in production the two coincide).
--
-- already_booked: every confirmed booking (not cancelled) whose stay has not ended
--   (departure_date >= today) covers booking_date .. departure_date. A customer's
--   overlapping periods are merged (gaps and islands: a period starting on or before
--   the latest end of the earlier ones joins their island); an island names the
--   booking with the latest departure (ties: the latest booked, then the highest id)
--   and its village. Each island suppresses booking_ads and, when the customer's
--   advertising consent is valid (customers.customer_consent, channel advertising,
--   is_contactable), enters in_resort_offers.
-- no_consent: a customer whose advertising consent is not valid (no opt-in, an
--   opt-out, or no usable e-mail or mobile to match on) is suppressed from both
--   audiences, open-ended, from the day of the opt-out decision, or, without an
--   opt-out on record, from the creation of the customer's first record
--   (customers.customer_identity_map).
WITH reference_day AS (
  SELECT DATE(MAX(last_event_at)) AS today
  FROM bookings.bookings
),

advertising AS (
  SELECT customer_id, is_contactable, opted_in, consent_date
  FROM customers.customer_consent
  WHERE channel = 'advertising'
),

stays AS (
  SELECT
    b.customer_id,
    b.booking_id,
    b.village_id,
    b.booking_date AS valid_from,
    b.departure_date AS valid_to
  FROM bookings.bookings AS b
  CROSS JOIN reference_day AS r
  WHERE b.status = 'confirmed' AND b.departure_date >= r.today
),

ordered AS (
  SELECT
    s.*,
    MAX(s.valid_to) OVER (
      PARTITION BY s.customer_id
      ORDER BY s.valid_from, s.valid_to, s.booking_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ) AS previous_end
  FROM stays AS s
),

islands AS (
  SELECT
    o.*,
    SUM(IF(o.previous_end IS NULL OR o.valid_from > o.previous_end, 1, 0)) OVER (
      PARTITION BY o.customer_id
      ORDER BY o.valid_from, o.valid_to, o.booking_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS island
  FROM ordered AS o
),

merged AS (
  SELECT
    customer_id,
    island,
    MIN(valid_from) AS valid_from,
    MAX(valid_to) AS valid_to,
    ARRAY_AGG(booking_id ORDER BY valid_to DESC, valid_from DESC, booking_id DESC)[OFFSET(0)]
      AS booking_id,
    ARRAY_AGG(village_id ORDER BY valid_to DESC, valid_from DESC, booking_id DESC)[OFFSET(0)]
      AS village_id
  FROM islands
  GROUP BY customer_id, island
),

customer_since AS (
  SELECT customer_id, MIN(record_created_date) AS created_date
  FROM customers.customer_identity_map
  GROUP BY customer_id
),

without_consent AS (
  SELECT
    a.customer_id,
    IF(NOT a.opted_in AND a.consent_date IS NOT NULL, a.consent_date, c.created_date)
      AS valid_from
  FROM advertising AS a
  LEFT JOIN customer_since AS c ON c.customer_id = a.customer_id
  WHERE NOT a.is_contactable
)

SELECT
  m.customer_id,
  'booking_ads' AS audience,
  m.valid_from,
  m.valid_to,
  'suppress' AS action,
  'already_booked' AS reason,
  m.booking_id,
  m.village_id
FROM merged AS m
UNION ALL
SELECT
  m.customer_id,
  'in_resort_offers' AS audience,
  m.valid_from,
  m.valid_to,
  'in_resort_offer' AS action,
  'already_booked' AS reason,
  m.booking_id,
  m.village_id
FROM merged AS m
INNER JOIN advertising AS a ON a.customer_id = m.customer_id
WHERE a.is_contactable
UNION ALL
SELECT
  w.customer_id,
  audience,
  w.valid_from,
  CAST(NULL AS DATE) AS valid_to,
  'suppress' AS action,
  'no_consent' AS reason,
  CAST(NULL AS STRING) AS booking_id,
  CAST(NULL AS STRING) AS village_id
FROM without_consent AS w
CROSS JOIN UNNEST(['booking_ads', 'in_resort_offers']) AS audience
