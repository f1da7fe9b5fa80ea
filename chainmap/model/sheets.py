"""Compatibility name for :mod:`chainmap.readwrite.reader`, the one table reader."""

from chainmap.readwrite.reader import detect_encoding, detect_header_row, read_table, sheet_names

__all__ = ["detect_encoding", "detect_header_row", "read_table", "sheet_names"]
