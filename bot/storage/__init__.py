"""Storage: SQLModel tables, the database handle and migrations."""
