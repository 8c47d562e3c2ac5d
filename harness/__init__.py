"""Local servers and fixture data shared by tests and benchmarks."""
