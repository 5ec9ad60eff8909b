"""The sharing tables match their migration (0007) on both dialects, and PostgreSQL has the
exclusion constraint that refuses double bookings."""

from __future__ import annotations

from sqlalchemy import text

from monetiot.bootstrap import Platform


def test_the_sharing_tables_match_their_migration(platform: Platform) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from monetiot.store.schema import metadata

    with platform.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diff if "sharing_" in repr(d)] == []
    if platform.engine.dialect.name == "postgresql":
        with platform.engine.connect() as conn:
            found = conn.execute(text(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conname = 'ex_sharing_bookings_slot'")).scalar_one()
        assert "EXCLUDE USING gist" in found and "<> 'cancelled'" in found
