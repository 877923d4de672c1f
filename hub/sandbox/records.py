"""A sandbox's records (orders) that know when they changed, so listings can be cached.

A real store answers a listing page from its database's indexes in about the same
time whatever its size. A sandbox that filters and sorts every record for every page
request gets slower with each order it holds (at 100,000 orders, half a second a
page), and a benchmark of the hub then measures the sandbox. :class:`Records` keeps
a :attr:`~Records.version` that every change which can move a record in a listing
bumps, and caches what was computed from it (sorted indexes, a query's filtered
and sorted result) until the version moves on. A page of an unchanged listing is
then a slice of a cached list.

Nothing stale is served: the store may change between two page requests (drift,
an update through the API, a test editing ``sandbox.orders`` directly), and the
next page is computed from the changed data exactly as an uncached listing would.

* Records added through :class:`Records` (its constructor, :meth:`Records.track`,
  or assigning a :class:`Record`) tell it when one of its ``watched`` fields is
  written (``order["status"] = ...``), or when any field is removed or bulk-updated.
* A plain ``dict`` assigned into it (``sandbox.orders[9] = {...}``, as a test may do)
  keeps its identity; its watched fields are compared with their last seen
  values whenever the version is read (a cost of the plain records only).
* Adding, replacing and removing records bumps the version.

Watched fields must hold immutable values (strings, numbers, None): a change inside
a nested value is not seen. Copies (``copy.deepcopy``, pickling) are plain dicts.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, Self, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
CACHED_QUERIES = 16
"""Query results kept per :class:`Records` (a scan and a few concurrent other listings)."""


class Record(dict[str, Any]):
    """One record (an order's fields) that tells its :class:`Records` when it changes."""

    __slots__ = ("_owner",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._owner: Records[Any] | None = None

    def _changed(self, field: object = None) -> None:
        owner = self._owner
        if owner is not None and (field is None or field in owner.watched):
            owner.changed()

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self._changed(key)

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._changed()

    def pop(self, *args: Any) -> Any:
        value = super().pop(*args)
        self._changed()
        return value

    def popitem(self) -> tuple[str, Any]:
        item = super().popitem()
        self._changed()
        return item

    def clear(self) -> None:
        super().clear()
        self._changed()

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._changed()

    def setdefault(self, key: str, default: Any = None) -> Any:
        value = super().setdefault(key, default)
        self._changed(key)
        return value

    def __ior__(self, other: Any) -> Self:  # type: ignore[override,misc]
        super().update(other)
        self._changed()
        return self

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        """Copies and pickles are plain dicts: they belong to no store."""
        return (dict, (dict(self),))


class Records(dict[K, dict[str, Any]]):
    """Records by id, with a :attr:`version` that moves whenever a listing could change.

    :param watched: the fields listings filter or sort on (e.g. status and dates).
    :param records: the initial records, stored as by :meth:`track`.
    """

    def __init__(self, watched: Iterable[str], records: Mapping[K, Mapping[str, Any]] | None = None
                 ) -> None:
        super().__init__()
        self.watched = frozenset(watched)
        self._fields = tuple(sorted(self.watched))
        self._version = 0
        self._loose: dict[K, tuple[Any, ...]] = {}  # plain dicts: last seen watched values
        self._indexes: dict[Hashable, tuple[int, Any]] = {}
        self._queries: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
        for key, record in (records or {}).items():
            self.track(key, record)

    # --- change tracking ---------------------------------------------------------------
    def changed(self) -> None:
        """Say that something a listing depends on changed (records call it themselves)."""
        self._version += 1

    @property
    def version(self) -> int:
        """A number that differs from any earlier one once a listing could have changed."""
        for key, seen in list(self._loose.items()):
            now = self._signature(super().__getitem__(key))
            if now != seen:
                self._loose[key] = now
                self._version += 1
        return self._version

    def _signature(self, record: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(record.get(name) for name in self._fields)

    def track(self, key: K, record: Mapping[str, Any]) -> Record:
        """Store ``record`` under ``key`` as a :class:`Record` (itself when it is one no
        store holds yet, else a copy); return the stored record."""
        tracked = record if isinstance(record, Record) and record._owner is None else Record(record)
        self[key] = tracked
        return tracked

    def __setitem__(self, key: K, value: dict[str, Any]) -> None:
        self._forget(key)
        super().__setitem__(key, value)
        if isinstance(value, Record) and value._owner in (None, self):
            value._owner = self
        else:
            self._loose[key] = self._signature(value)
        self.changed()

    def _forget(self, key: K) -> None:
        self._loose.pop(key, None)

    def __delitem__(self, key: K) -> None:
        super().__delitem__(key)
        self._forget(key)
        self.changed()

    def pop(self, key: K, *default: Any) -> Any:
        value = super().pop(key, *default)
        self._forget(key)
        self.changed()
        return value

    def popitem(self) -> tuple[K, dict[str, Any]]:
        key, value = super().popitem()
        self._forget(key)
        self.changed()
        return key, value

    def clear(self) -> None:
        super().clear()
        self._loose.clear()
        self.changed()

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key: K, default: dict[str, Any] | None = None) -> dict[str, Any]:
        if key not in self:
            self[key] = default if default is not None else {}
        return self[key]

    def __ior__(self, other: Any) -> Self:  # type: ignore[override,misc]
        self.update(other)
        return self

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        """Copies and pickles are plain dicts of plain dicts."""
        return (dict, ({key: dict(value) for key, value in self.items()},))

    # --- what listings cache -----------------------------------------------------------
    def index(self, name: Hashable, build: Callable[[list[dict[str, Any]]], T]) -> T:
        """``build(records)`` (e.g. the records sorted one way), rebuilt once they changed."""
        version = self.version  # read before building: a change meanwhile invalidates it
        cached = self._indexes.get(name)
        if cached is not None and cached[0] == version:
            return cached[1]  # type: ignore[no-any-return]
        built = build(list(self.values()))
        self._indexes[name] = (version, built)
        return built

    def query(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` (a listing's filtered, sorted records), kept until the records change.

        ``key`` names everything the result depends on besides the records (the filters,
        the order). Callers must not modify the result.
        """
        version = self.version
        cached = self._queries.get(key)
        if cached is not None and cached[0] == version:
            self._queries.move_to_end(key)
            return cached[1]  # type: ignore[no-any-return]
        result = compute()
        self._queries[key] = (version, result)
        self._queries.move_to_end(key)
        while len(self._queries) > CACHED_QUERIES:
            self._queries.popitem(last=False)
        return result
