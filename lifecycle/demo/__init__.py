"""The demo population (`lifecycle demo`): realistic holders walking every path of the rules."""
