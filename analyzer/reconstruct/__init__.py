"""Stage 4, reconstruct: rebuild scheduling attempts from parsed events."""
