"""The catalogue: products, level prices (拿货价) with their history, price ranges (控价)."""
