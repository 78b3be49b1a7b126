"""Engine and session factories, the declarative Base, and the column types every table shares."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import enum
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Annotated, Any, cast

from sqlalchemy import (
    Connection,
    CursorResult,
    DateTime,
    Engine,
    Enum,
    Index,
    MetaData,
    Numeric,
    TypeDecorator,
    Update,
    create_engine,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


_clock: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("clock", default=None)


def utcnow() -> dt.datetime:
    """The one clock every operation and default reads: now, or the moment `as_of` set."""
    return _clock.get() or dt.datetime.now(dt.UTC)


@contextlib.contextmanager
def as_of(moment: dt.datetime) -> Iterator[None]:
    """Runs the block as if it were `moment` (timezone-aware): what the demo uses to tell a
    history through the operations themselves, filed and decided on the days of its story."""
    if moment.tzinfo is None:
        raise ValueError("as_of() takes a timezone-aware moment")
    token = _clock.set(moment.astimezone(dt.UTC))
    try:
        yield
    finally:
        _clock.reset(token)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store timezone-aware UTC")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: object
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


Money = Annotated[Decimal, mapped_column(Numeric(12, 2))]
Timestamp = Annotated[dt.datetime, mapped_column(UTCDateTime())]
CreatedAt = Annotated[dt.datetime, mapped_column(UTCDateTime(), default=utcnow)]


def str_enum(cls: type[enum.StrEnum], name: str) -> Enum:
    """A StrEnum stored as its value in a VARCHAR with a CHECK constraint (portable, readable)."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [m.value for m in members],
    )


def trigram_index(table: str, column: str) -> Index:
    """A PostgreSQL trigram index, so that "contains" (ILIKE '%…%', core.pagination.contains)
    reads the index instead of every row. SQLite has none and scans, which at its sizes is
    fast: the migrations create these on PostgreSQL only, and `info` tells Alembic's
    comparison (models.registry.in_schema_of)."""
    return Index(
        f"ix_{table}_{column}_trgm",
        column,
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops"},
        info={"dialect": "postgresql"},
    ).ddl_if(dialect="postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str, **kwargs: object) -> Engine:
    """An engine for `url`; SQLite gets foreign keys, WAL and real transactions (SAVEPOINTs)."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 15})
    else:
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _make_sqlite_transactional(engine)
    return engine


def _make_sqlite_transactional(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy's documented recipe.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.isolation_level = None
        # SQLite's lower() folds only A-Z; ILIKE must find "Žilinská" as PostgreSQL does.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A transaction that will write takes the write lock up front (IMMEDIATE): one that
        # reads first and writes later fails at once, not after the busy timeout, when
        # another connection wrote in between (WAL snapshots cannot be upgraded).
        mode = connection.get_execution_options().get(SQLITE_BEGIN, "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def changed_rows(session: Session, statement: Update) -> int:
    """Runs a conditional UPDATE (the object in the session is left as it is) and returns how
    many rows it changed: 0 means another transaction got there first."""
    result = session.execute(statement, execution_options={"synchronize_session": False})
    return cast(CursorResult[Any], result).rowcount


SQLITE_BEGIN = "sqlite_begin"
REMEMBERED = "remembered_writes"
OUTBOX = "outbox_ids"


def begin_writing(session: Session) -> None:
    """Starts the session's next transaction as one that writes. On SQLite it ends the one in
    progress (which must hold no changes) and begins with BEGIN IMMEDIATE, so the write lock
    is waited for at the start; other databases need nothing."""
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_writing() with unflushed changes in the session")
        session.commit()
    session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})


def remember(session: Session, write: Callable[[Session], object]) -> None:
    """Schedules `write` for the end of the unit of work, in a transaction of its own that
    commits whether the unit of work commits or rolls back: the one path for a refusal that
    must be remembered although the request fails (a failed sign-in, a denial)."""
    session.info.setdefault(REMEMBERED, []).append(write)


def end_unit_of_work(session: Session, *, success: bool) -> list[int]:
    """Commits the unit of work when it succeeded, rolls it back otherwise (or when the commit
    fails, re-raising); then runs the remembered writes and commits them. Returns the ids of
    the outbox messages that are now committed, for delivery."""
    remembered = session.info.pop(REMEMBERED, [])
    committed: list[int] = []
    try:
        if success:
            queued = session.info.pop(OUTBOX, [])
            session.commit()
            committed.extend(queued)
    finally:
        if session.in_transaction() or not success:
            session.rollback()
        session.info.pop(OUTBOX, None)
        if remembered:
            begin_writing(session)
            for write in remembered:
                write(session)
            committed.extend(session.info.pop(OUTBOX, []))
            session.commit()
    return committed
