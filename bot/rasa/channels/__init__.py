"""Rasa input channels: guarded REST, the web chat widget, Telegram and the adviser channel."""
