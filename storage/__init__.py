"""Storage: SQLModel tables, engines, queries, Alembic migrations; SQLite by default, PostgreSQL to scale."""
