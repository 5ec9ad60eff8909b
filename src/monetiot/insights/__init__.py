"""Insights sold on top of telemetry: streaming anomaly detection and remaining useful life.

Modules (imported by callers lazily; `rul` needs numpy and LightGBM, the `insights` extra):
`anomaly` (the streaming detector and its per-series state), `nab` (NAB's scoring rules),
`series_files` (timestamp,value CSVs and NAB window files), `nab_evaluation` (the detector run
over a directory and scored), `cmapss` (C-MAPSS run-to-failure files), `rul` (features, model,
intervals), `rul_evaluation` (the C-MAPSS protocol). Nothing here does I/O except reading the
files a caller names, and nothing reads a clock or the network.
"""
