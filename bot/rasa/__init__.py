"""Code the Rasa server loads (named in config.yml, credentials.yml and endpoints.yml)."""
