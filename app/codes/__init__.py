"""Authenticity codes (防伪码) and price control (控价)."""
