"""Shipped workloads: pipeline spec files modelled on real jobs, each run on the generated data it is made for.

A workload is a spec file `<name>.yaml` in this package (format: docs/pipelines.md) and the `prepbench data
generate` profile it runs on (`catalog.py`); `prepbench workload run NAME` (`command.py`) generates that data once
per size and compares the engines on it exactly as `compare --spec` does.
"""
