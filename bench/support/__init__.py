"""Helper apps the benchmarks serve (not benchmarks themselves)."""
