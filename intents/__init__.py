"""Chat features, one module per capability: a handler takes a Context and returns replies."""
