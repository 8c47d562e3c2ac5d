"""Rasa input/output channels: guarded REST (and later web chat and Telegram)."""
