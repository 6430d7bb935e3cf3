-- media.media_spend: daily spend and results of every paid media campaign, per market.
--
-- * Rows the platforms reported twice (same day, campaign and country) are kept once
--   (the one with the highest cost, then the most impressions); the others are left
--   out as duplicate.
-- * Costs and conversion values arrive in millionths of the advertiser account's
--   currency; they are converted to euros at the day's reference rate
--   (landing_media.exchange_rates, euros per unit; 1 for EUR).
-- * The platforms report fractional (modelled) conversions; they are kept as reported
--   (rounding each row would lose a third of them).
-- * Campaign attributes from the platform's codes: the objective gives the target
--   (prospects for prospecting and brand campaigns, known customers otherwise) and the
--   content (a stay to book, an in-resort offer, or the brand).
-- * ctr and cost_per_conversion_eur are null when their denominator is 0.
WITH reports AS (
  SELECT
    s.report_date,
    UPPER(TRIM(s.media_campaign_id)) AS media_campaign_id,
    TRIM(s.campaign_name) AS campaign_name,
    UPPER(TRIM(s.platform)) AS platform_code,
    UPPER(TRIM(s.channel)) AS channel_code,
    UPPER(TRIM(s.objective)) AS objective,
    UPPER(TRIM(s.country_code)) AS country_code,
    UPPER(TRIM(s.currency_code)) AS currency_code,
    s.impressions,
    s.clicks,
    s.cost_micros,
    s.conversions,
    s.conversion_value_micros,
    IF(
      ROW_NUMBER() OVER (
        PARTITION BY s.report_date, UPPER(TRIM(s.media_campaign_id)), UPPER(TRIM(s.country_code))
        ORDER BY s.cost_micros DESC, s.impressions DESC
      ) > 1,
      'duplicate',
      NULL
    ) AS _left_out,
    CONCAT(
      CAST(s.report_date AS STRING), ':', UPPER(TRIM(s.media_campaign_id)), ':',
      UPPER(TRIM(s.country_code))
    ) AS _left_out_key
  FROM landing_media.spend AS s
),

rates AS (
  SELECT rate_date, UPPER(TRIM(currency_code)) AS currency_code, eur_per_unit
  FROM landing_media.exchange_rates
),

converted AS (
  SELECT
    r.*,
    IF(r.currency_code = 'EUR', 1.0, x.eur_per_unit) AS eur_per_unit,
    COALESCE(r.conversions, 0) AS conversions_count
  FROM reports AS r
  LEFT JOIN rates AS x ON x.rate_date = r.report_date AND x.currency_code = r.currency_code
)

SELECT
  report_date AS spend_date,
  media_campaign_id,
  campaign_name,
  CASE platform_code
    WHEN 'GOOGLE_ADS' THEN 'google_ads'
    WHEN 'DV360' THEN 'display_video_360'
    WHEN 'META' THEN 'meta'
    WHEN 'TIKTOK' THEN 'tiktok'
  END AS platform,
  CASE channel_code
    WHEN 'SEARCH' THEN 'paid_search'
    WHEN 'DISPLAY' THEN 'display'
    WHEN 'SOCIAL' THEN 'paid_social'
    WHEN 'VIDEO' THEN 'video'
  END AS channel,
  IF(objective IN ('PROSPECTING_BOOKING', 'BRAND'), 'prospect', 'customer') AS target,
  CASE objective
    WHEN 'CUSTOMER_IN_RESORT' THEN 'in_resort_offer'
    WHEN 'BRAND' THEN 'brand'
    ELSE 'booking'
  END AS content,
  country_code,
  cost_micros / 1000000 * eur_per_unit AS spend_eur,
  impressions,
  clicks,
  conversions_count AS conversions,
  COALESCE(conversion_value_micros, 0) / 1000000 * eur_per_unit AS conversion_value_eur,
  SAFE_DIVIDE(clicks, impressions) AS ctr,
  SAFE_DIVIDE(cost_micros / 1000000 * eur_per_unit, conversions_count)
    AS cost_per_conversion_eur
FROM converted
