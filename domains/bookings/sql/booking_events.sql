-- bookings.booking_events: the booking event stream, cleaned.
--
-- 1. The stream as delivered (at least once): the extract of the stream
--    (landing_bookings.booking_events) and the events the stream's consumer accepted
--    (landing_bookings.booking_events_stream, landed as they came, so that a build
--    republishes the streamed events instead of wiping them). The producer's test events (village
--    TST, account TEST-...) are left out (test_record), and so is an event naming no
--    village (missing_value:village_code); Pub/Sub redeliveries (same
--    message_id) and producer retries (same event_id, new message) collapse into one
--    event, the first delivery, whose publish_time is when the platform received the
--    event (the other deliveries are left out as duplicate).
-- 2. A booking whose creation is missing from the stream (a message lost before the
--    subscription, a booking older than the history replayed at the stream's
--    go-live) has its lifecycle before its first streamed event reconstructed from
--    the booking contracts extract: creation, confirmation, last modification and
--    cancellation timestamps (in that order on ties), carrying the extract's state,
--    received at the extract's extraction time. So every booking's first event is
--    `created`. The extract's older versions of a booking are left out (duplicate).
-- 3. The customer is the booking's holder (the event's, else the extract's), or the
--    payer when no holder is known, translated through
--    customers.customer_identity_map (source system `reservations`); events whose
--    account the identity map does not know yet (opened today) wait for the next
--    build (unknown_reference:customers.customer_identity_map). Villages are checked
--    against resorts.villages (unknown_reference:resorts.villages).
--
-- The query returns every event; the platform keeps the partitions (event_date)
-- being built.
WITH channels AS (
  -- the reservation system's sales channel codes, and the channel each one is
  SELECT 'INT' AS code, 'web' AS channel
  UNION ALL SELECT 'TEL', 'call_centre'
  UNION ALL SELECT 'AGE', 'agency'
  UNION ALL SELECT 'VIL', 'village'
),

arrived AS (
  SELECT
    e.message_id, e.publish_time, e.event_id, e.booking_id, e.event_type,
    e.sequence_number, e.event_time, e.payer_account_code, e.holder_account_code,
    e.village_code, e.market_code, e.sales_channel_code, e.arrival_date,
    e.departure_date, e.nb_adults, e.nb_children, e.total_amount
  FROM landing_bookings.booking_events AS e
  UNION ALL
  SELECT
    s.message_id, CAST(s.published_at AS DATETIME), s.event_id, s.booking_id,
    s.event_type, s.sequence_number, CAST(s.event_time AS DATETIME),
    CAST(NULL AS STRING), s.customer_account, s.village_id, s.market, ch.code,
    s.arrival_date, s.departure_date, s.adults, s.children, s.amount_eur
  FROM landing_bookings.booking_events_stream AS s
  LEFT JOIN channels AS ch ON ch.channel = s.channel
),

delivered AS (
  SELECT
    UPPER(TRIM(e.event_id)) AS source_event_id,
    UPPER(TRIM(e.booking_id)) AS booking_id,
    REPLACE(LOWER(TRIM(e.event_type)), 'booking.', '') AS event_type,
    e.sequence_number,
    e.event_time AS event_at,
    e.publish_time AS received_at,
    TRIM(e.payer_account_code) AS payer_account_code,
    TRIM(e.holder_account_code) AS holder_account_code,
    UPPER(TRIM(e.village_code)) AS village_code,
    UPPER(TRIM(e.market_code)) AS market,
    UPPER(TRIM(e.sales_channel_code)) AS channel_code,
    e.arrival_date,
    e.departure_date,
    e.nb_adults AS adults,
    e.nb_children AS children,
    e.total_amount AS amount_eur,
    CASE
      WHEN e.village_code IS NULL THEN 'missing_value:village_code'
      WHEN NOT COALESCE(
        UPPER(TRIM(e.village_code)) != 'TST'
        AND NOT COALESCE(STARTS_WITH(UPPER(TRIM(e.payer_account_code)), 'TEST'), FALSE),
        FALSE
      ) THEN 'test_record'
      WHEN ROW_NUMBER() OVER (
        PARTITION BY
          UPPER(TRIM(e.event_id)),
          COALESCE(
            UPPER(TRIM(e.village_code)) != 'TST'
            AND NOT COALESCE(STARTS_WITH(UPPER(TRIM(e.payer_account_code)), 'TEST'), FALSE),
            FALSE
          )
        ORDER BY e.publish_time, e.message_id
      ) > 1 THEN 'duplicate'
    END AS _left_out,
    COALESCE(UPPER(TRIM(e.event_id)), CAST(e.message_id AS STRING)) AS _left_out_key
  FROM arrived AS e
),

contracts AS (
  SELECT
    UPPER(TRIM(c.booking_id)) AS booking_id,
    TRIM(c.payer_account_code) AS payer_account_code,
    TRIM(c.holder_account_code) AS holder_account_code,
    UPPER(TRIM(c.village_code)) AS village_code,
    UPPER(TRIM(c.market_code)) AS market,
    UPPER(TRIM(c.sales_channel_code)) AS channel_code,
    c.created_at,
    c.confirmed_at,
    c.modified_at,
    c.cancelled_at,
    c.arrival_date,
    c.departure_date,
    c.nb_adults AS adults,
    c.nb_children AS children,
    c.total_amount AS amount_eur,
    c.extracted_at,
    IF(
      ROW_NUMBER() OVER (PARTITION BY UPPER(TRIM(c.booking_id)) ORDER BY c.extracted_at DESC)
      > 1,
      'duplicate',
      NULL
    ) AS _left_out,
    UPPER(TRIM(c.booking_id)) AS _left_out_key
  FROM landing_bookings.booking_contracts AS c
),

streamed AS (
  SELECT
    booking_id,
    MIN(event_at) AS first_event_at,
    LOGICAL_OR(event_type = 'created') AS has_created
  FROM delivered
  GROUP BY booking_id
),

-- bookings of the extract whose creation is missing from the stream, with the time
-- their streamed history starts (null when nothing of them was streamed)
unstreamed AS (
  SELECT
    c.*,
    s.first_event_at
  FROM contracts AS c
  LEFT JOIN streamed AS s ON s.booking_id = c.booking_id
  WHERE s.has_created IS NULL OR NOT s.has_created
),

lifecycle AS (
  SELECT u.*, 'created' AS event_type, 1 AS kind_order, u.created_at AS event_at
  FROM unstreamed AS u
  UNION ALL
  SELECT u.*, 'confirmed' AS event_type, 2 AS kind_order, u.confirmed_at AS event_at
  FROM unstreamed AS u
  UNION ALL
  SELECT u.*, 'modified' AS event_type, 3 AS kind_order, u.modified_at AS event_at
  FROM unstreamed AS u
  UNION ALL
  SELECT u.*, 'cancelled' AS event_type, 4 AS kind_order, u.cancelled_at AS event_at
  FROM unstreamed AS u
),

reconstructed AS (
  SELECT
    l.booking_id,
    l.event_type,
    ROW_NUMBER() OVER (
      PARTITION BY l.booking_id ORDER BY l.event_at, l.kind_order
    ) AS sequence_number,
    l.event_at,
    l.extracted_at AS received_at,
    l.payer_account_code,
    l.holder_account_code,
    l.village_code,
    l.market,
    l.channel_code,
    l.arrival_date,
    l.departure_date,
    l.adults,
    l.children,
    l.amount_eur
  FROM lifecycle AS l
  WHERE l.event_at IS NOT NULL
    AND (l.first_event_at IS NULL OR l.event_at < l.first_event_at)
),

all_events AS (
  SELECT
    source_event_id, booking_id, event_type, sequence_number, event_at, received_at,
    payer_account_code, holder_account_code, village_code, market, channel_code,
    arrival_date, departure_date, adults, children, amount_eur
  FROM delivered
  UNION ALL
  SELECT
    CONCAT(
      'EV', SUBSTR(booking_id, 3), LPAD(CAST(sequence_number AS STRING), 3, '0')
    ) AS source_event_id,
    booking_id, event_type, sequence_number, event_at, received_at,
    payer_account_code, holder_account_code, village_code, market, channel_code,
    arrival_date, departure_date, adults, children, amount_eur
  FROM reconstructed
),

identities AS (
  SELECT source_customer_id, customer_id
  FROM customers.customer_identity_map
  WHERE source_system = 'reservations'
),

resolved AS (
  SELECT
    e.*,
    i.customer_id,
    v.village_id,
    CASE
      WHEN i.source_customer_id IS NULL
        THEN 'unknown_reference:customers.customer_identity_map'
      WHEN v.village_id IS NULL THEN 'unknown_reference:resorts.villages'
    END AS _left_out,
    e.source_event_id AS _left_out_key
  FROM all_events AS e
  LEFT JOIN contracts AS c ON c.booking_id = e.booking_id
  LEFT JOIN identities AS i
    ON i.source_customer_id
      = COALESCE(e.holder_account_code, c.holder_account_code, e.payer_account_code)
  LEFT JOIN resorts.villages AS v ON v.village_id = e.village_code
)

SELECT
  e.source_event_id AS event_id,
  e.booking_id,
  e.event_type,
  e.sequence_number,
  e.event_at,
  DATE(e.event_at) AS event_date,
  e.received_at,
  e.customer_id,
  e.village_id,
  e.market,
  ch.channel,
  e.arrival_date,
  e.departure_date,
  e.adults,
  e.children,
  e.adults + e.children AS guests,
  e.amount_eur
FROM resolved AS e
LEFT JOIN channels AS ch ON ch.code = e.channel_code
