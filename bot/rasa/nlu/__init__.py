"""Custom NLU components for Rasa: offline sentence embeddings from a packaged MiniLM model."""
