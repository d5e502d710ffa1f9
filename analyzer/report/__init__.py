"""Stage 7, report: render an analysis as text tables, JSON, HTML or PNG (never by re-parsing)."""
