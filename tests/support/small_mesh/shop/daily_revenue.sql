SELECT order_date, COUNT(*) AS orders, ROUND(SUM(amount_eur), 2) AS revenue_eur
FROM shop.orders
GROUP BY order_date
