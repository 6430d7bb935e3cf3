-- campaigns.campaign_sends: one row per message sent to one customer, with what the
-- customer did with it.
--
-- * The recipient is the CRM contact record of the send log, translated into the
--   resolved customer by customers.customer_identity_map (source system "crm"). Sends
--   to records erased since (absent from the map) cannot be attributed to anyone and
--   are left out (unknown_reference:customers.customer_identity_map); so is a send of
--   a campaign the campaign master does not list
--   (unknown_reference:landing_campaigns.campaigns).
-- * Opens and clicks are counted from the open and click event logs, so the counts,
--   the opener flag and the last event times agree by construction; SMS opens are not
--   tracked (0). A click without a recorded open stays possible (blocked images).
-- * Campaign attributes come from the campaign master; the subject is that of the
--   language version sent: the recipient's language when the campaign has that
--   version, else the English one (SMS and stay-cycle mails exist in French and
--   English only), else the master's first version. Labels are translated from the
--   router's French codes to the contract's values.
WITH
versions AS (
  SELECT
    campaign_id,
    LOWER(TRIM(language_code)) AS language_code,
    TRIM(subject) AS subject
  FROM landing_campaigns.campaigns
),

masters AS (
  SELECT
    campaign_id,
    LOWER(TRIM(language_code)) AS language_code,
    TRIM(template_name) AS template_name,
    TRIM(subject) AS subject,
    UPPER(TRIM(cycle_label)) AS cycle_code,
    UPPER(TRIM(register_label)) AS register_code,
    UPPER(TRIM(theme_label)) AS theme_label,
    UPPER(TRIM(main_highlight)) AS main_code,
    UPPER(TRIM(secondary_highlight)) AS secondary_code,
    UPPER(TRIM(subject_type)) AS subject_code
  FROM landing_campaigns.campaigns
  QUALIFY ROW_NUMBER() OVER (PARTITION BY campaign_id ORDER BY language_code) = 1
),

opens AS (
  SELECT
    send_id,
    COUNT(*) AS opens_count,
    MAX(opened_at) AS last_opened_at
  FROM landing_campaigns.opens
  GROUP BY send_id
),

clicks AS (
  SELECT
    send_id,
    COUNT(*) AS clicks_count,
    MAX(clicked_at) AS last_clicked_at
  FROM landing_campaigns.clicks
  GROUP BY send_id
),

crm_customers AS (
  SELECT
    source_customer_id,
    customer_id
  FROM customers.customer_identity_map
  WHERE source_system = 'crm'
),

sends AS (
  SELECT
    s.send_id,
    s.campaign_id,
    s.campaign_number,
    LOWER(TRIM(s.language_code)) AS language_code,
    s.sent_at,
    LOWER(TRIM(s.channel)) AS channel,
    s.unsubscribed_flag,
    c.customer_id,
    CASE
      WHEN c.source_customer_id IS NULL
        THEN 'unknown_reference:customers.customer_identity_map'
      WHEN m.campaign_id IS NULL THEN 'unknown_reference:landing_campaigns.campaigns'
    END AS _left_out,
    CAST(s.send_id AS STRING) AS _left_out_key
  FROM landing_campaigns.sends AS s
  LEFT JOIN crm_customers AS c
    ON c.source_customer_id = CAST(s.contact_id AS STRING)
  LEFT JOIN masters AS m
    ON m.campaign_id = s.campaign_id
)

SELECT
  s.send_id,
  s.campaign_id,
  s.customer_id,
  m.template_name,
  COALESCE(v.subject, en.subject, m.subject) AS subject,
  CASE m.subject_code
    WHEN 'EXCLAMMATIF' THEN 'EXCLAMATION'
    WHEN 'DESTINATION' THEN 'RESORT_NAME'
    WHEN 'TEMPS' THEN 'TIME'
    ELSE m.subject_code
  END AS subject_type,
  s.campaign_number,
  COALESCE(v.language_code, en.language_code, m.language_code) AS language_code,
  s.sent_at,
  s.channel,
  IF(s.channel = 'sms', 0, COALESCE(o.opens_count, 0)) AS opens_count,
  s.channel != 'sms' AND o.opens_count IS NOT NULL AS is_opener,
  IF(s.channel = 'sms', NULL, o.last_opened_at) AS last_opened_at,
  COALESCE(k.clicks_count, 0) AS clicks_count,
  k.last_clicked_at,
  COALESCE(s.unsubscribed_flag = 1, FALSE) AS is_unsubscribed,
  IF(m.main_code = 'EVENEMENT', 'EVENT', m.main_code) AS main_highlight,
  CASE m.secondary_code
    WHEN 'RS' THEN 'SOCIAL'
    WHEN 'PLAN' THEN 'MAP'
    WHEN 'METEO' THEN 'WEATHER'
    ELSE m.secondary_code
  END AS secondary_highlight,
  CASE m.cycle_code
    WHEN 'ANNUEL' THEN 'ANNUAL'
    WHEN 'SEJOUR' THEN 'STAY'
    ELSE m.cycle_code
  END AS cycle_label,
  CASE m.register_code
    WHEN 'PROMOTIONNEL' THEN 'PROMOTIONAL'
    WHEN 'INFORMATIONNEL' THEN 'INFORMATIONAL'
    WHEN 'RELATIONNEL' THEN 'RELATIONAL'
    ELSE m.register_code
  END AS register_label,
  m.theme_label
FROM sends AS s
INNER JOIN masters AS m
  ON m.campaign_id = s.campaign_id
LEFT JOIN versions AS v
  ON v.campaign_id = s.campaign_id AND v.language_code = s.language_code
LEFT JOIN versions AS en
  ON en.campaign_id = s.campaign_id AND en.language_code = 'en'
LEFT JOIN opens AS o
  ON o.send_id = s.send_id
LEFT JOIN clicks AS k
  ON k.send_id = s.send_id
