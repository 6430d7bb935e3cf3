-- Order lines priced with the stock domain's items.
WITH lines AS (
  SELECT order_id, LOWER(TRIM(email)) AS customer_email, item_id, quantity, order_date
  FROM landing_shop.order_lines
)
SELECT
  l.order_id,
  l.customer_email,
  l.item_id,
  l.quantity,
  ROUND(l.quantity * i.price_eur, 2) AS amount_eur,
  l.order_date
FROM lines AS l
JOIN stock.items AS i USING (item_id)
