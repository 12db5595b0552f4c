"""One module per capability. A handler takes a Context and returns replies; it never imports a channel."""
