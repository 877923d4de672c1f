"""Sync services: order import, catalogue matching, stock, prices, outbox pushes, run history."""
