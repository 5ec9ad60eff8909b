"""Persistence: SQLAlchemy Core tables, one SQL implementation for SQLite and PostgreSQL.

Store functions take an open `Connection` and never commit: services own the transaction
(`UnitOfWork`) and commit once at the use-case boundary.
"""
