"""Custom actions of the career coach, one module per capability (rasa_sdk discovers them)."""
