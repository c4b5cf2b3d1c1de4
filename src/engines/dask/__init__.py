"""The Dask engine: dask-ml's preprocessors and Dask DataFrame primitives on dask.distributed (see engine.py)."""
