"""Use cases: the only layer that combines the domain and storage.

A use case takes a unit of work (and a clock or `now_ms` where time matters) and commits once.
"""
