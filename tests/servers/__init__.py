"""Real servers for tests and benchmarks (standard library only; usable without pytest)."""
