-- customers.customer_identity_map: which resolved customer each source record became.
--
-- Source records: every record of the two client master extracts, the CRM contact
-- base (source_system "crm", source_customer_id = the contact id) and the
-- reservation system's accounts ("reservations", the account code), as extracted.
-- Their customer and match rule come from customers.identity_resolution, the
-- domain's internal product that normalises and resolves them (its description and
-- SQL give the rules), the same that builds customers.customer_profile. The map is
-- built after the profile and takes each record's customer from it: a record whose
-- customer the profile does not hold (the extracts changed in between) breaks the
-- contract's not-null and reference rules instead of pointing nowhere.
SELECT
  r.source_system,
  r.source_customer_id,
  p.customer_id,
  r.match_rule,
  r.record_created_date
FROM customers.identity_resolution AS r
LEFT JOIN customers.customer_profile AS p ON p.customer_id = r.customer_id
