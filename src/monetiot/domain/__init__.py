"""Pure domain model: frozen dataclasses and functions, standard library only.

No I/O, no framework imports, no clock reads: callers pass the time in.
"""
