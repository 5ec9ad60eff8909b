"""monetiot: turn a fleet of connected devices into lasting revenue."""

__version__ = "0.1.0"
