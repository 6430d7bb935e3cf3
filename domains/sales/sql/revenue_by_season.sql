-- sales.revenue_by_season: revenue by season, village and market.
--
-- Lines of cancelled contracts are left out; refunds count as negative amounts.
-- revenue_eur is net of discounts and refunds, refunds_eur the amount refunded
-- (positive). The query returns every season; the platform keeps the partition
-- (season) being built.
SELECT
  season,
  village_id,
  market,
  SUM(amount_eur) AS revenue_eur,
  SUM(discount_eur) AS discount_eur,
  -SUM(IF(amount_eur < 0, amount_eur, 0)) AS refunds_eur,
  COUNT(*) AS lines,
  COUNT(DISTINCT booking_id) AS bookings,
  COUNT(DISTINCT payer_customer_id) AS customers,
  SUM(amount_eur) / COUNT(DISTINCT payer_customer_id) AS revenue_per_customer_eur
FROM sales.sales_lines
WHERE NOT is_cancelled
GROUP BY season, village_id, market
