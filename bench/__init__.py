"""Career Coach benchmarks: NLU quality, reply speed under load, and a stock Rasa reference."""
