-- telephony.calls: one row per call of the contact centre, classified as a sales call
-- or an information request.
--
-- Classifier (deterministic rules on the call record, in this order):
--   1. sales when the call was routed to a reservations queue (RESA_FR, RESA_INTL:
--      voice-menu choice 1, "book a stay");
--   2. sales when the agent closed it as a sale (VENTE), a quote (DEVIS) or a change
--      of a stay (MODIFICATION): buying or changing a stay, whatever the queue
--      (e.g. a travel agent booking for a client);
--   3. information otherwise: questions (INFO, INFO_SEJOUR), cancellations,
--      complaints, transfers and callbacks outside the reservations queues, and
--      calls abandoned outside them.
-- Outcome from the agent's closing code: VENTE booked, DEVIS quote_sent, RAPPEL
-- callback_scheduled, TRANSFERT transferred, the others information_given; a call
-- no agent answered (abandoned in the queue, or an outbound call nobody picked up)
-- is abandoned, with no agent and no talk time.
-- The caller is the CRM contact the number matched (customers.customer_identity_map,
-- source system `crm`), else the holder of the booking the agent typed when it is a
-- known booking. Typed booking references (`bk000123456`, `123456`, stray spaces)
-- are normalised to BK + 9 digits; booking_id is kept for booked calls only. A call
-- whose typed booking bookings.bookings does not know is kept, without booking_id.
-- A call record delivered twice (same call_id) is kept once, the earliest start; the
-- copies are left out as duplicate.
WITH records AS (
  SELECT
    r.*,
    UPPER(TRIM(r.queue_name)) AS queue_code,
    UPPER(TRIM(r.wrap_up_code)) AS wrap_up,
    UPPER(TRIM(r.call_status)) = 'ANSWERED' AND r.agent_id IS NOT NULL AS answered,
    IF(
      REGEXP_CONTAINS(UPPER(r.booking_reference), r'^\s*(BK)?[0-9]{1,9}\s*$'),
      CONCAT('BK', LPAD(REGEXP_REPLACE(r.booking_reference, r'[^0-9]', ''), 9, '0')),
      NULL
    ) AS typed_booking_id,
    IF(
      ROW_NUMBER() OVER (PARTITION BY r.call_id ORDER BY r.call_start) > 1, 'duplicate', NULL
    ) AS _left_out,
    CAST(r.call_id AS STRING) AS _left_out_key
  FROM landing_telephony.call_records AS r
),

classified AS (
  SELECT
    r.*,
    CASE
      WHEN NOT r.answered THEN 'abandoned'
      WHEN r.wrap_up = 'VENTE' THEN 'booked'
      WHEN r.wrap_up = 'DEVIS' THEN 'quote_sent'
      WHEN r.wrap_up = 'RAPPEL' THEN 'callback_scheduled'
      WHEN r.wrap_up = 'TRANSFERT' THEN 'transferred'
      ELSE 'information_given'
    END AS outcome,
    CASE
      WHEN r.queue_code IN ('RESA_FR', 'RESA_INTL') THEN 'sales'
      WHEN r.answered AND r.wrap_up IN ('VENTE', 'DEVIS', 'MODIFICATION') THEN 'sales'
      ELSE 'information'
    END AS call_type
  FROM records AS r
),

identities AS (
  SELECT source_customer_id, customer_id
  FROM customers.customer_identity_map
  WHERE source_system = 'crm'
)

SELECT
  c.call_id,
  COALESCE(i.customer_id, b.customer_id) AS customer_id,
  c.call_start AS started_at,
  IF(UPPER(TRIM(c.direction)) = 'OUT', 'outbound', 'inbound') AS direction,
  CASE c.queue_code
    WHEN 'RESA_FR' THEN 'reservations'
    WHEN 'RESA_INTL' THEN 'reservations'
    WHEN 'SERVICE_CLIENT' THEN 'customer_service'
    WHEN 'AVANT_DEPART' THEN 'pre_departure'
    WHEN 'APRES_VENTE' THEN 'after_sales'
    WHEN 'AGENCES' THEN 'travel_agents'
  END AS queue,
  c.call_type,
  GREATEST(COALESCE(c.wait_seconds, 0), 0) AS wait_seconds,
  IF(c.answered, GREATEST(COALESCE(c.talk_seconds, 0), 0), 0) AS duration_seconds,
  IF(c.answered, UPPER(TRIM(c.agent_id)), NULL) AS agent_id,
  NULLIF(UPPER(TRIM(c.village_code)), '') AS village_id,
  c.outcome,
  IF(c.outcome = 'booked', b.booking_id, NULL) AS booking_id
FROM classified AS c
LEFT JOIN identities AS i ON i.source_customer_id = CAST(c.crm_contact_id AS STRING)
LEFT JOIN bookings.bookings AS b ON b.booking_id = c.typed_booking_id
