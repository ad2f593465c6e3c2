"""Storage: SQLModel tables, engines, queries and Alembic migrations (SQLite by default, PostgreSQL to scale)."""
