"""The composition root: builds everything from settings. Nothing happens at import."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from monetiot.currency_table import install as install_currencies
from monetiot.domain.clock import Clock, SystemClock
from monetiot.settings import Settings
from monetiot.store.engine import UnitOfWork, make_engine
from monetiot.store.migrate import upgrade


@dataclass
class Platform:
    """What every entry point (API, CLI, workers) works with."""

    settings: Settings
    engine: Engine
    clock: Clock = field(default_factory=SystemClock)

    def uow(self, *, readonly: bool = False) -> UnitOfWork:
        return UnitOfWork(self.engine, readonly=readonly)

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(
    settings: Settings | None = None, *, clock: Clock | None = None, migrate: bool = True
) -> Platform:
    install_currencies()
    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    return Platform(settings=settings, engine=engine, clock=clock or SystemClock())
