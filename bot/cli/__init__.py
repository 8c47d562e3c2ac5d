"""The `coach` operator command line and the terminal chat."""
