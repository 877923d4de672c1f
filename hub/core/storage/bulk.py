"""Bulk inserts for the import's hot path: one driver ``executemany`` per table and page.

The ORM's bulk insert (and even Core's) rebuilds and type-processes a parameter
dictionary per row through the compiler, which costs more than the database's
own work on a page of orders. :func:`insert_rows` converts each value once with
the column type's own bind processor for the dialect (the same conversion
SQLAlchemy applies: exact decimal strings, UTC datetimes, JSON documents, so
what is stored is identical) and hands plain tuples to the driver's
``executemany`` inside the session's transaction (on PostgreSQL, to one
``COPY ... FROM STDIN``).

Columns the rows leave out get their Python-side default (a scalar, or a
callable called once per statement), as a Core insert would give them, so a
column added later with a default needs no change here; server defaults are the
database's. Pending ORM objects of the session are not flushed first: callers
flush what the rows refer to (the import's matchers do).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import ARRAY, Boolean, Table, any_, bindparam
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlmodel import Session

Processor = Callable[[Any], Any] | None
T = TypeVar("T")


class _Plan:
    """The statement and converters for one (dialect, table, given columns)."""

    __slots__ = ("copy", "defaults", "get", "processors", "sql")

    def __init__(self, table: Table, keys: tuple[str, ...], dialect: Dialect) -> None:
        given = [table.c[key] for key in keys]
        self.defaults = [(column, column.default) for column in table.columns
                         if column.key not in keys and not column.primary_key
                         and column.default is not None]
        for column, default in self.defaults:
            if not (default.is_scalar or default.is_callable):
                raise TypeError(f"{table.name}.{column.key}: only scalar and callable defaults "
                                "can be filled in; give the column a value")
        columns = given + [column for column, _ in self.defaults]
        quote = dialect.identifier_preparer
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        self.sql = (f"INSERT INTO {quote.format_table(table)} "
                    f"({', '.join(quote.format_column(c) for c in columns)}) "
                    f"VALUES ({', '.join([mark] * len(columns))})")
        # PostgreSQL (psycopg): COPY takes the same converted values in one stream, at half
        # the client's CPU of a pipelined executemany and without a round of results per row
        self.copy = (f"COPY {quote.format_table(table)} "
                     f"({', '.join(quote.format_column(c) for c in columns)}) FROM STDIN"
                     if dialect.name == "postgresql" and dialect.driver == "psycopg" else None)
        self.processors: list[Processor] = [c.type.dialect_impl(dialect).bind_processor(dialect)
                                            for c in columns]
        getter = itemgetter(*keys)
        self.get: Callable[[Mapping[str, Any]], tuple[Any, ...]] = (
            getter if len(keys) > 1 else lambda row: (getter(row),))

    def params(self, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """The rows as tuples, converted column by column (one ``map`` per column)."""
        columns: list[Sequence[Any]] = list(zip(*map(self.get, rows), strict=True))
        columns += [(default.arg if default.is_scalar  # type: ignore[attr-defined]
                     else default.arg(None),) * len(rows)  # type: ignore[attr-defined]
                    for _, default in self.defaults]
        return list(zip(*(values if proc is None else _converted(values, proc)
                          for values, proc in zip(columns, self.processors, strict=True)),
                        strict=True))


def _converted(values: Sequence[Any], proc: Callable[[Any], Any]) -> list[Any]:
    """``proc`` applied to each value, once per distinct object when objects repeat.

    A page's rows share objects (the one timestamp of the page on every row, the
    same run id): each is converted once. Processors are pure functions of the
    value, so the converted values are the ones a call per row gives.
    """
    ids = list(map(id, values))
    distinct = dict(zip(ids, values, strict=True))
    if len(distinct) * 2 > len(ids):
        return list(map(proc, values))
    done = {key: proc(value) for key, value in distinct.items()}
    return list(map(done.__getitem__, ids))


_plans: dict[tuple[str, str, tuple[str, ...]], _Plan] = {}


def insert_rows(session: Session, model: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys, in the same order) into ``model``'s table."""
    if not rows:
        return
    table: Table = model.__table__
    conn = session.connection()
    keys = tuple(rows[0])
    plan_key = (conn.dialect.name, table.fullname, keys)
    plan = _plans.get(plan_key)
    if plan is None:
        plan = _plans[plan_key] = _Plan(table, keys, conn.dialect)
    if plan.copy is not None:
        _copy(conn, plan.copy, plan.params(rows))
    else:
        conn.exec_driver_sql(plan.sql, plan.params(rows))


def _copy(conn: Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """``COPY ... FROM STDIN`` of ``rows`` on the connection's transaction; a database error
    is raised as SQLAlchemy raises it for a statement (``IntegrityError``...)."""
    import psycopg

    driver = conn.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except psycopg.Error as exc:
        raise DBAPIError.instance(sql, None, exc, psycopg.Error) from exc


def among(column: Any, values: Iterable[Any]) -> Any:
    """``column IN (values)`` with the values in one expanding parameter.

    The statement stays the same whatever the values (compiled once, cached), and
    no expression object is built per value, which costs more than the query on a
    page of orders. An empty list matches nothing (and is never sent as ``IN ()``).
    """
    return column.in_(bindparam(None, list(values), expanding=True))


class _OneOf(ColumnElement[bool]):
    """``column IN (:name)``; on PostgreSQL ``column = ANY(:name)``, the values in one array.

    A page's lookups bind up to a hundred values. Spelled ``IN (...)`` on
    PostgreSQL, each execution rendered one placeholder and cast per value, then
    psycopg rewrote and parsed that text anew (a statement of another length each
    time, so none of it cached) and the server parsed and planned it again: a
    third of the hub's own CPU on PostgreSQL beyond SQLite's (issue 17). With
    one array the statement's text never changes: compiled once, prepared by
    psycopg after a few runs, and planned on the same index (``= ANY`` is an
    index condition like ``IN``; see ``tests/sync/test_import_plans.py``).
    """

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a comparison: no "= 1" after it where booleans are integers
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("name", InternalTraversal.dp_string)]

    def __init__(self, column: Any, name: str) -> None:
        self.column = column
        self.name = name


@compiles(_OneOf)
def _one_of_listed(element: _OneOf, compiler: Any, **kw: Any) -> str:
    text: str = compiler.process(element.column.in_(bindparam(element.name, expanding=True)), **kw)
    return text


@compiles(_OneOf, "postgresql")
def _one_of_array(element: _OneOf, compiler: Any, **kw: Any) -> str:
    array = bindparam(element.name, type_=ARRAY(element.column.type))
    text: str = compiler.process(element.column == any_(array), **kw)
    return text


def one_of(column: Any, name: str) -> Any:
    """``column IN (:name)``, the values (a list) given when the statement runs (see
    :func:`prepared`); one array parameter on PostgreSQL (see :class:`_OneOf`)."""
    return _OneOf(column, name)


def prepared(build: Callable[..., T]) -> Callable[..., T]:
    """A statement built once per process, its values bound by name when it runs.

    The import runs the same queries on every page: building the expression and
    its cache key again each time cost more than running them on SQLite. The
    statement is the same one :func:`among` would give, so is its SQL. Arguments
    of ``build`` (hashable) choose among variants of one query.
    """
    return cache(build)
