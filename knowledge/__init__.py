"""Content and search: FAQ entries, aliases, rule files (YAML), and the code that loads and searches them."""
