-- resorts.village_occupancy: beds on sale and beds occupied, per village and night.
--
-- * Nights: every night of the capacity calendar with beds on sale (> 0), for the
--   villages of resorts.villages (a village the referential does not know is left
--   out, unknown_reference:resorts.villages), up to the end of the season after the
--   reference day.
-- * A booking of bookings.bookings stays on night D when arrival_date <= D <
--   departure_date and it is not cancelled; its guests occupy beds that night.
--   Arrivals and departures count the guests of the (not cancelled) bookings
--   arriving / leaving that day.
-- * The reference day ("today") is the UTC day of the latest booking change in
--   bookings.bookings: the latest date in the data, not the wall clock, so that
--   builds are reproducible. Nights after it are on the books (may still grow).
-- * The season of a night is the one of its day (SEASON_OF, the mesh's calendar).
WITH reference AS (
  SELECT DATE(MAX(last_event_at)) AS reference_day
  FROM bookings.bookings
),

horizon AS (
  -- nights kept: up to the last night of the season after the reference day's
  SELECT
    reference_day,
    SEASON_FIRST_DAY(SEASON_START_YEAR(reference_day) + 2) AS first_night_after
  FROM reference
),

calendar AS (
  SELECT
    UPPER(TRIM(c.village_code)) AS village_id,
    c.capacity_date AS stay_date,
    MAX(c.beds_available) AS beds_available
  FROM landing_resorts.capacity AS c
  WHERE c.is_open AND c.beds_available > 0
  GROUP BY 1, 2
),

known_calendar AS (
  SELECT
    c.*,
    IF(v.village_id IS NULL, 'unknown_reference:resorts.villages', NULL) AS _left_out,
    CONCAT(c.village_id, ':', CAST(c.stay_date AS STRING)) AS _left_out_key
  FROM calendar AS c
  LEFT JOIN resorts.villages AS v ON v.village_id = c.village_id
),

live_bookings AS (
  SELECT booking_id, village_id, arrival_date, departure_date, guests
  FROM bookings.bookings
  WHERE status != 'cancelled' AND departure_date > arrival_date
),

nights_staying AS (
  SELECT
    b.village_id,
    night AS stay_date,
    SUM(b.guests) AS beds_occupied,
    COUNT(*) AS bookings_staying
  FROM live_bookings AS b
  CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(b.arrival_date, DATE_SUB(b.departure_date, INTERVAL 1 DAY))) AS night
  GROUP BY 1, 2
),

arrivals AS (
  SELECT village_id, arrival_date AS stay_date, SUM(guests) AS arrivals
  FROM live_bookings
  GROUP BY 1, 2
),

departures AS (
  SELECT village_id, departure_date AS stay_date, SUM(guests) AS departures
  FROM live_bookings
  GROUP BY 1, 2
)

SELECT
  c.village_id,
  c.stay_date,
  SEASON_OF(c.stay_date) AS season,
  c.beds_available,
  COALESCE(s.beds_occupied, 0) AS beds_occupied,
  SAFE_DIVIDE(COALESCE(s.beds_occupied, 0), c.beds_available) AS occupancy_rate,
  COALESCE(s.bookings_staying, 0) AS bookings_staying,
  COALESCE(a.arrivals, 0) AS arrivals,
  COALESCE(d.departures, 0) AS departures,
  c.stay_date > h.reference_day AS is_on_the_books
FROM known_calendar AS c
CROSS JOIN horizon AS h
LEFT JOIN nights_staying AS s ON s.village_id = c.village_id AND s.stay_date = c.stay_date
LEFT JOIN arrivals AS a ON a.village_id = c.village_id AND a.stay_date = c.stay_date
LEFT JOIN departures AS d ON d.village_id = c.village_id AND d.stay_date = c.stay_date
WHERE c.stay_date < h.first_night_after
