"""Dialogue components for the Rasa server (policies)."""
