"""Contracts with the outside: commands, views and reference-data files (pydantic v2)."""
