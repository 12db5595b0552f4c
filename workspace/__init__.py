"""The consultants' workspace: web pages under /console for the inbox, the licence pipeline, the
knowledge base and the figures. Served by the same web app (and port) as the channel webhooks."""
