-- campaigns.campaign_engagement: engagement and attributed bookings of each campaign.
--
-- * Rates are per send. click_to_open_rate counts the openers who clicked, so that it
--   stays a rate: a click without a recorded open (blocked images) has no open to be
--   a share of.
-- * Attribution is last touch: a booking that is not cancelled goes to the most recent
--   send its customer received in the seven days before the booking was created
--   (ties on the send time broken by send_id), so a booking counts for one campaign
--   at most.
-- * season is the season of the campaign's first send.
WITH
per_campaign AS (
  SELECT
    campaign_id,
    MIN(campaign_number) AS campaign_number,
    MIN(template_name) AS template_name,
    MIN(channel) AS channel,
    MIN(cycle_label) AS cycle_label,
    MIN(register_label) AS register_label,
    MIN(theme_label) AS theme_label,
    MIN(sent_at) AS first_sent_at,
    MAX(sent_at) AS last_sent_at,
    COUNT(*) AS sends,
    COUNT(DISTINCT customer_id) AS recipients,
    COUNTIF(is_opener) AS openers,
    SUM(opens_count) AS opens,
    COUNTIF(clicks_count > 0) AS clickers,
    COUNTIF(is_opener AND clicks_count > 0) AS clicking_openers,
    SUM(clicks_count) AS clicks,
    COUNTIF(is_unsubscribed) AS unsubscribes
  FROM campaigns.campaign_sends
  GROUP BY campaign_id
),

attributed AS (
  SELECT
    b.booking_id,
    b.amount_eur,
    s.campaign_id
  FROM bookings.bookings AS b
  INNER JOIN campaigns.campaign_sends AS s
    ON
      s.customer_id = b.customer_id
      AND s.sent_at <= b.created_at
      AND s.sent_at >= TIMESTAMP_SUB(b.created_at, INTERVAL 7 DAY)
  WHERE b.status != 'cancelled'
  QUALIFY ROW_NUMBER() OVER (PARTITION BY b.booking_id ORDER BY s.sent_at DESC, s.send_id DESC) = 1
),

per_campaign_bookings AS (
  SELECT
    campaign_id,
    COUNT(*) AS bookings_attributed,
    SUM(amount_eur) AS revenue_attributed_eur
  FROM attributed
  GROUP BY campaign_id
)

SELECT
  c.campaign_id,
  c.campaign_number,
  c.template_name,
  c.channel,
  c.cycle_label,
  c.register_label,
  c.theme_label,
  SEASON_OF(c.first_sent_at) AS season,
  c.first_sent_at,
  c.last_sent_at,
  c.sends,
  c.recipients,
  c.openers,
  c.opens,
  c.clickers,
  c.clicks,
  c.unsubscribes,
  IF(c.channel = 'sms', NULL, SAFE_DIVIDE(c.openers, c.sends)) AS open_rate,
  SAFE_DIVIDE(c.clickers, c.sends) AS click_rate,
  SAFE_DIVIDE(c.clicking_openers, c.openers) AS click_to_open_rate,
  SAFE_DIVIDE(c.unsubscribes, c.sends) AS unsubscribe_rate,
  COALESCE(b.bookings_attributed, 0) AS bookings_attributed,
  ROUND(COALESCE(b.revenue_attributed_eur, 0), 2) AS revenue_attributed_eur
FROM per_campaign AS c
LEFT JOIN per_campaign_bookings AS b
  ON b.campaign_id = c.campaign_id
