"""The command line (`lifecycle`): one module per command group, the root group in `root`."""

from lifecycle.cli.root import main

__all__ = ["main"]
