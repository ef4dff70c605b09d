"""Pure domain logic: working days and pace, revision quality, ratings. No I/O here."""
