"""The consultants' web console: pages under /console for inbox, licences, cases, knowledge, figures.

Served by the same web app (and port) as the channel webhooks."""
