"""Stage 2, parse: turn one physical log line into exactly one bucket (parsed event, ignored, unrecognized)."""
