"""Adapters around the domain: commands (write side), projections (read side), notifier."""
