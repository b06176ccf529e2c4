"""Molecule Space exporter: official checkpoints -> ONNX model packs the app loads (docs/EXPORT.md)."""

__version__ = "0.1.0"
