"""Careers knowledge base: sourced facts as YAML, loaded into SQL, read through typed queries."""
