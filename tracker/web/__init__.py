"""Blueprints, one per role, plus the shared access guard."""
