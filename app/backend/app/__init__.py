"""Fintech Tracker backend: a small market-data API on FastAPI, PostgreSQL and Redis."""
