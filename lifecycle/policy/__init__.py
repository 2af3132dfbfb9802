"""Policy files: the shipped default, reading and checking a file, the live policy's log,
and what-if replays of the holders' history under a proposal."""
