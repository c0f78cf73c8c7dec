"""Mail ingestion: sources (IMAP, files) -> pipeline (store, dedupe, parse, file) -> schedules."""
