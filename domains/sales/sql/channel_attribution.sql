-- sales.channel_attribution: which channels took part in each booking (not cancelled),
-- and the revenue each one earns under linear attribution.
--
-- Touches of a booking:
--   * its creation, on the booking's channel, at created_at;
--   * every web session of the booking's customer started in the 30 days up to
--     created_at (web);
--   * every call of the customer started in the 30 days up to created_at
--     (call_centre);
--   * every sale transaction of the booking (one selling system's transaction
--     number) sold on another channel than the booking's, at midnight UTC of its
--     first sale date (options added at an agency, extras bought at the village).
-- attribution_share = the channel's touches / the booking's touches (the shares of a
-- booking sum to 1); attributed_revenue_eur = share x the booking's amount. The
-- first and last touch channels break ties in the order web, call_centre, agency,
-- village.
WITH booked AS (
  SELECT
    booking_id, customer_id, village_id, booking_date, season, channel, created_at,
    amount_eur
  FROM bookings.bookings
  WHERE status <> 'cancelled'
),

touches AS (
  SELECT b.booking_id, b.channel, b.created_at AS touch_at
  FROM booked AS b
  UNION ALL
  SELECT b.booking_id, 'web' AS channel, w.started_at AS touch_at
  FROM booked AS b
  INNER JOIN web.web_sessions AS w
    ON w.customer_id = b.customer_id
    AND w.started_at BETWEEN TIMESTAMP_SUB(b.created_at, INTERVAL 30 DAY) AND b.created_at
  UNION ALL
  SELECT b.booking_id, 'call_centre' AS channel, c.started_at AS touch_at
  FROM booked AS b
  INNER JOIN telephony.calls AS c
    ON c.customer_id = b.customer_id
    AND c.started_at BETWEEN TIMESTAMP_SUB(b.created_at, INTERVAL 30 DAY) AND b.created_at
  UNION ALL
  SELECT t.booking_id, t.channel, TIMESTAMP(t.sale_date) AS touch_at
  FROM (
    SELECT
      l.booking_id,
      l.sales_channel AS channel,
      MIN(l.sale_date) AS sale_date
    FROM sales.sales_lines AS l
    INNER JOIN booked AS b ON b.booking_id = l.booking_id
    WHERE l.sales_channel <> b.channel
    GROUP BY l.booking_id, l.source_system, l.transaction_number, l.sales_channel
  ) AS t
),

ranked AS (
  SELECT
    t.booking_id,
    t.channel,
    t.touch_at,
    CASE t.channel
      WHEN 'web' THEN 1
      WHEN 'call_centre' THEN 2
      WHEN 'agency' THEN 3
      ELSE 4
    END AS channel_rank
  FROM touches AS t
),

ends AS (
  SELECT
    booking_id,
    COUNT(*) AS booking_touches,
    COUNT(DISTINCT channel) AS channels_count,
    -- the channel of the earliest touch, then of the latest one (ties: the lower rank);
    -- each channel has its own rank, so the key orders a booking's channels totally.
    -- MIN_BY and MAX_BY keep one value a booking, where an ordered ARRAY_AGG holds
    -- every touch in memory (DuckDB cannot spill it: the large world needed gigabytes)
    MIN_BY(channel, UNIX_MICROS(touch_at) * 10 + channel_rank) AS first_channel,
    MAX_BY(channel, UNIX_MICROS(touch_at) * 10 + (9 - channel_rank)) AS last_channel
  FROM ranked
  GROUP BY booking_id
),

per_channel AS (
  SELECT
    booking_id,
    channel,
    COUNT(*) AS touches,
    MIN(touch_at) AS first_touch_at,
    MAX(touch_at) AS last_touch_at
  FROM ranked
  GROUP BY booking_id, channel
)

SELECT
  p.booking_id,
  p.channel,
  b.customer_id,
  b.village_id,
  b.booking_date,
  b.season,
  p.channel = b.channel AS is_booking_channel,
  p.touches,
  p.first_touch_at,
  p.last_touch_at,
  p.channel = e.first_channel AS is_first_touch,
  p.channel = e.last_channel AS is_last_touch,
  e.channels_count,
  p.touches / e.booking_touches AS attribution_share,
  p.touches / e.booking_touches * b.amount_eur AS attributed_revenue_eur
FROM per_channel AS p
INNER JOIN ends AS e ON e.booking_id = p.booking_id
INNER JOIN booked AS b ON b.booking_id = p.booking_id
