"""The web process on :8000: demo careers page, the embeddable widget and the adviser console."""
