SELECT TRIM(code) AS item_id, TRIM(name) AS label, price AS price_eur
FROM landing_stock.items
