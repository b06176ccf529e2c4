"""Molecule Space exporter: official checkpoints -> ONNX model packs the app loads (docs/EXPORT.md)."""

__version__ = "0.2.0"
