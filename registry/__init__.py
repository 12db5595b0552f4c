"""The licence registry: licences, subscriptions, second contacts, import and export."""
