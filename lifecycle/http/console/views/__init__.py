"""One module per console page (or group of forms), each with its own router."""
