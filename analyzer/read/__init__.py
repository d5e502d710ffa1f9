"""Stage 1, read: open inputs (files, .gz, stdin), decode bytes safely, and remove wrappers."""
