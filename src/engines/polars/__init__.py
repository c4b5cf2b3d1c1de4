"""The Polars engine: every operator built from Polars' lazy expressions (see engine.py)."""
