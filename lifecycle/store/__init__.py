"""Store code: what reads and writes the event store beyond the library's own recorders."""
