"""Alembic migrations of the engine's schema (run through ``engine.migrate``, never imported)."""
