"""The web chat widget's Rasa input channel: sessions, history and CORS."""
