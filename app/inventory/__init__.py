"""Stock: warehouses, the stock ledger, reservations, transfers, stock-takes, alerts, allocation."""
