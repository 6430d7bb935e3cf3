-- customers.customer_consent: whether each customer may be contacted on each channel.
--
-- * Decisions: the central opt-in flags of the CRM records (O = opt-in, N = opt-out;
--   an unknown flag is no decision), with the day and origin of each decision, for the
--   e-mail, the mobile (sms), the two landlines, the postal address and the
--   advertising preference. Records are given their customer by
--   customers.customer_identity_map (a record the map does not know is left out:
--   unknown_reference:customers.customer_identity_map); the reservation system's
--   accounts carry no consent.
-- * Per customer and contact point, the latest decision wins: latest decision day,
--   then latest record update (a decision without a day counts at its record's update).
-- * Channels: email, sms (the mobile's decision), postal (the address's), advertising
--   (the preference centre's); phone is opted in when the latest decision on the
--   mobile or on a landline is an opt-in, and then reports that opt-in (the most
--   recent one), else the most recent of their decisions.
-- * is_valid comes from the quality flags of customers.customer_profile: the e-mail;
--   the mobile for sms; the mobile or a landline for phone; the address for postal; the
--   e-mail or the mobile for advertising (the keys of customer-match audiences).
-- * is_contactable = opted_in AND is_valid; no decision means not opted in.
-- * Origins: WEB web, CALL_CENTER call_centre, AGENCE agency, VILLAGE village,
--   LIEN_DESINSCRIPTION unsubscribe_link; MIGRATION, or a decision without a known
--   origin, migration.
WITH crm AS (
  SELECT
    m.customer_id,
    CAST(c.contact_id AS STRING) AS source_customer_id,
    c.updated_at,
    c.email_opt_in,
    c.email_opt_in_changed_on,
    c.email_opt_in_source,
    c.mobile_opt_in,
    c.mobile_opt_in_changed_on,
    c.mobile_opt_in_source,
    c.landline_1_opt_in,
    c.landline_1_opt_in_changed_on,
    c.landline_1_opt_in_source,
    c.landline_2_opt_in,
    c.landline_2_opt_in_changed_on,
    c.landline_2_opt_in_source,
    c.address_opt_in,
    c.address_opt_in_changed_on,
    c.address_opt_in_source,
    c.advertising_opt_in,
    c.advertising_opt_in_changed_on,
    c.advertising_opt_in_source,
    IF(
      m.source_customer_id IS NULL, 'unknown_reference:customers.customer_identity_map', NULL
    ) AS _left_out,
    CAST(c.contact_id AS STRING) AS _left_out_key
  FROM landing_customers.client_extract_crm AS c
  LEFT JOIN customers.customer_identity_map AS m
    ON m.source_system = 'crm' AND m.source_customer_id = CAST(c.contact_id AS STRING)
),

typed_decisions AS (
  SELECT customer_id, source_customer_id, updated_at, 'email' AS contact_point,
    email_opt_in AS flag, email_opt_in_changed_on AS decided_on, email_opt_in_source AS origin
  FROM crm
  UNION ALL
  SELECT customer_id, source_customer_id, updated_at, 'mobile',
    mobile_opt_in, mobile_opt_in_changed_on, mobile_opt_in_source
  FROM crm
  UNION ALL
  SELECT customer_id, source_customer_id, updated_at, 'landline_1',
    landline_1_opt_in, landline_1_opt_in_changed_on, landline_1_opt_in_source
  FROM crm
  UNION ALL
  SELECT customer_id, source_customer_id, updated_at, 'landline_2',
    landline_2_opt_in, landline_2_opt_in_changed_on, landline_2_opt_in_source
  FROM crm
  UNION ALL
  SELECT customer_id, source_customer_id, updated_at, 'address',
    address_opt_in, address_opt_in_changed_on, address_opt_in_source
  FROM crm
  UNION ALL
  SELECT customer_id, source_customer_id, updated_at, 'advertising',
    advertising_opt_in, advertising_opt_in_changed_on, advertising_opt_in_source
  FROM crm
),

decisions AS (
  SELECT
    customer_id,
    source_customer_id,
    updated_at,
    contact_point,
    CASE
      WHEN UPPER(TRIM(flag)) IN ('O', 'OUI', 'Y', 'YES', '1', 'TRUE') THEN TRUE
      WHEN UPPER(TRIM(flag)) IN ('N', 'NON', 'NO', '0', 'FALSE') THEN FALSE
    END AS opted_in,
    decided_on,
    CASE UPPER(TRIM(origin))
      WHEN 'WEB' THEN 'web'
      WHEN 'CALL_CENTER' THEN 'call_centre'
      WHEN 'CALL_CENTRE' THEN 'call_centre'
      WHEN 'AGENCE' THEN 'agency'
      WHEN 'AGENCY' THEN 'agency'
      WHEN 'VILLAGE' THEN 'village'
      WHEN 'LIEN_DESINSCRIPTION' THEN 'unsubscribe_link'
      WHEN 'UNSUBSCRIBE_LINK' THEN 'unsubscribe_link'
      ELSE 'migration'
    END AS source
  FROM typed_decisions
),

latest AS (
  -- each customer's latest decision on each contact point
  SELECT *
  FROM decisions
  WHERE opted_in IS NOT NULL
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY customer_id, contact_point
    ORDER BY COALESCE(decided_on, DATE(updated_at)) DESC, updated_at DESC, source_customer_id DESC
  ) = 1
),

by_channel AS (
  SELECT
    customer_id,
    CASE contact_point
      WHEN 'email' THEN 'email'
      WHEN 'address' THEN 'postal'
      WHEN 'advertising' THEN 'advertising'
    END AS channel,
    opted_in,
    decided_on,
    source
  FROM latest
  WHERE contact_point IN ('email', 'address', 'advertising')
  UNION ALL
  SELECT customer_id, 'sms', opted_in, decided_on, source
  FROM latest
  WHERE contact_point = 'mobile'
  UNION ALL
  SELECT customer_id, 'phone', opted_in, decided_on, source
  FROM latest
  WHERE contact_point IN ('mobile', 'landline_1', 'landline_2')
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY customer_id
    ORDER BY opted_in DESC, COALESCE(decided_on, DATE(updated_at)) DESC, updated_at DESC,
      contact_point
  ) = 1
),

channels AS (
  SELECT
    p.customer_id,
    channel,
    CASE channel
      WHEN 'email' THEN p.email_quality = 'valid'
      WHEN 'sms' THEN p.mobile_phone_quality = 'valid'
      WHEN 'phone' THEN p.mobile_phone_quality = 'valid' OR p.landline_phone_1_quality = 'valid'
        OR p.landline_phone_2_quality = 'valid'
      WHEN 'postal' THEN p.address_quality = 'valid'
      WHEN 'advertising' THEN p.email_quality = 'valid' OR p.mobile_phone_quality = 'valid'
    END AS is_valid
  FROM customers.customer_profile AS p
  CROSS JOIN UNNEST(['email', 'sms', 'phone', 'postal', 'advertising']) AS channel
)

SELECT
  c.customer_id,
  c.channel,
  COALESCE(d.opted_in, FALSE) AS opted_in,
  c.is_valid,
  COALESCE(d.opted_in, FALSE) AND c.is_valid AS is_contactable,
  d.decided_on AS consent_date,
  d.source
FROM channels AS c
LEFT JOIN by_channel AS d ON d.customer_id = c.customer_id AND d.channel = c.channel
