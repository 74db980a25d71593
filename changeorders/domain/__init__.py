"""The pure core: catalogue, agreements, accounts, change orders, rules and pricing.

Nothing here does I/O or knows about HTTP, databases or brokers.
"""
