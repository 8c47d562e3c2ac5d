"""Tracker and lock stores configured by environment (endpoints.yml)."""
