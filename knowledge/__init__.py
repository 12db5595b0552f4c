"""Curated content (FAQ entries, aliases, checklist rules) and the code that loads and searches it."""
