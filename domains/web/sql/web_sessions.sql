-- web.web_sessions: one row per visit of the website or the apps.
--
-- * customer_id: the CRM contact of a logged-in or recognised visitor, translated
--   through customers.customer_identity_map (source system `crm`); null for
--   anonymous visits and for contacts the identity map does not know.
-- * device: `app` for the mobile applications, else the device category.
-- * traffic_source from the utm medium: CRM e-mails and SMS are `email`, cpc is paid
--   search, organic is organic search, no medium is direct.
-- * landing_page_category: the type of the first page viewed (booking steps and
--   confirmation are `booking`).
-- * village_id: the village whose pages were viewed most (ties: the first viewed).
-- * searched_*: the last dated search of the session.
WITH views AS (
  SELECT
    p.session_id,
    p.hit_number,
    LOWER(TRIM(p.page_type)) AS page_type,
    NULLIF(UPPER(TRIM(p.village_code)), '') AS village_id,
    p.search_arrival_date,
    p.search_adults,
    p.search_children
  FROM landing_web.page_views AS p
),

landing_pages AS (
  SELECT session_id, page_type
  FROM views
  WHERE TRUE
  QUALIFY ROW_NUMBER() OVER (PARTITION BY session_id ORDER BY hit_number) = 1
),

village_views AS (
  SELECT session_id, village_id, COUNT(*) AS viewed, MIN(hit_number) AS first_hit
  FROM views
  WHERE village_id IS NOT NULL
  GROUP BY session_id, village_id
),

top_villages AS (
  SELECT session_id, village_id
  FROM village_views
  WHERE TRUE
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY session_id ORDER BY viewed DESC, first_hit, village_id
  ) = 1
),

searches AS (
  SELECT session_id, search_arrival_date, search_adults, search_children
  FROM views
  WHERE search_arrival_date IS NOT NULL
  QUALIFY ROW_NUMBER() OVER (PARTITION BY session_id ORDER BY hit_number DESC) = 1
),

identities AS (
  SELECT source_customer_id, customer_id
  FROM customers.customer_identity_map
  WHERE source_system = 'crm'
)

SELECT
  s.session_id,
  i.customer_id,
  s.started_at,
  CASE
    WHEN LOWER(TRIM(s.platform)) IN ('ios_app', 'android_app') THEN 'app'
    WHEN LOWER(TRIM(s.device_category)) IN ('desktop', 'mobile', 'tablet')
      THEN LOWER(TRIM(s.device_category))
    ELSE 'desktop'
  END AS device,
  CASE LOWER(TRIM(s.medium))
    WHEN 'email' THEN 'email'
    WHEN 'sms' THEN 'email'
    WHEN 'organic' THEN 'organic_search'
    WHEN 'cpc' THEN 'paid_search'
    WHEN 'paid_social' THEN 'paid_social'
    WHEN 'display' THEN 'display'
    WHEN 'referral' THEN 'referral'
    ELSE 'direct'
  END AS traffic_source,
  IF(UPPER(TRIM(s.geo_country)) IN ('', 'ZZ'), NULL, UPPER(TRIM(s.geo_country)))
    AS country_code,
  CASE l.page_type
    WHEN 'village' THEN 'village'
    WHEN 'offer' THEN 'offer'
    WHEN 'search' THEN 'search'
    WHEN 'booking_step' THEN 'booking'
    WHEN 'booking_confirmation' THEN 'booking'
    WHEN 'content' THEN 'content'
    WHEN 'account' THEN 'account'
    ELSE 'home'
  END AS landing_page_category,
  GREATEST(COALESCE(s.page_views, 1), 1) AS pages_viewed,
  GREATEST(TIMESTAMP_DIFF(COALESCE(s.ended_at, s.started_at), s.started_at, SECOND), 0)
    AS duration_seconds,
  t.village_id,
  q.search_arrival_date AS searched_arrival_date,
  IF(q.search_adults BETWEEN 1 AND 20, q.search_adults, NULL) AS searched_adults,
  IF(q.search_children BETWEEN 0 AND 20, q.search_children, NULL) AS searched_children,
  NULLIF(UPPER(TRIM(s.booking_id)), '') IS NOT NULL AS converted,
  NULLIF(UPPER(TRIM(s.booking_id)), '') AS booking_id
FROM landing_web.sessions AS s
LEFT JOIN identities AS i ON i.source_customer_id = CAST(s.contact_id AS STRING)
LEFT JOIN landing_pages AS l ON l.session_id = s.session_id
LEFT JOIN top_villages AS t ON t.session_id = s.session_id
LEFT JOIN searches AS q ON q.session_id = s.session_id
