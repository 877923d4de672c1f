"""Storage: SQLModel tables, the database handle, migrations and leases."""
