"""Helpers more than one process uses: settings, secrets, bearer tokens, conversation ids, erasure."""
