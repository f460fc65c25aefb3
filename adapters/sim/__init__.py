"""Local simulators of the national registries: Flask apps on their own SQLite databases."""
