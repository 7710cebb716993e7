"""Pure pricing rules over Decimal yen: tariff, seat units, clusters, quotes, contract terms (no database, no UI)."""
