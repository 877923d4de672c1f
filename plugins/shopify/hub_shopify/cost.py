"""Shopify's requested query cost, computed for the plugin's own queries before sending them.

Shopify refuses a query whose *requested* cost exceeds 1,000 points
(``MAX_COST_EXCEEDED``) and takes the requested cost from the shop's bucket
before running it. The rules (shopify.dev "GraphQL Admin API rate limits"):
scalars and enums cost 0, an object 1 plus its fields, a connection 2 plus
``first`` (or ``last``) times the cost of one node, so nested connections
multiply; a list field taking ``first`` costs ``first`` objects; ``nodes(ids:)``
costs one object per id; each mutation field costs 10.

This module parses the small GraphQL subset the plugin writes (operations,
variables, aliases, arguments, directives, inline fragments; no named
fragments) so the cost is computed from the query text itself and page sizes
can be chosen to stay under the limit (:func:`largest_first`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MUTATION_COST = 10
CONNECTION_COST = 2
_TOKEN = re.compile(r"""
    (?P<skip>[\s,]+|\#[^\n]*)
  | (?P<spread>\.\.\.)
  | (?P<punct>[!$():=@\[\]{}|])
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
""", re.VERBOSE)


@dataclass
class Field:
    """One selected field: its name, literal or ``$variable`` arguments and sub-selections."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)
    children: list[Field | Fragment] = field(default_factory=list)


@dataclass
class Fragment:
    """An inline fragment ``... on Type { ... }``."""

    type_condition: str | None
    children: list[Field | Fragment] = field(default_factory=list)


@dataclass
class Variable:
    name: str


@dataclass
class Operation:
    kind: str  # "query" or "mutation"
    selections: list[Field | Fragment]


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if match is None:
                raise ValueError(f"cannot parse GraphQL near {text[pos:pos + 20]!r}")
            pos = match.end()
            kind = match.lastgroup or ""
            if kind != "skip":
                self.tokens.append((kind, match.group()))
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.i >= len(self.tokens):
            raise ValueError("unexpected end of GraphQL document")
        token = self.tokens[self.i]
        if expected is not None and token[1] != expected:
            raise ValueError(f"expected {expected!r}, found {token[1]!r}")
        self.i += 1
        return token

    def operation(self) -> Operation:
        kind = "query"
        if self.peek() in ("query", "mutation"):
            kind = self.take()[1]
            if self.peek() not in ("(", "{"):
                self.take()  # operation name
            if self.peek() == "(":
                self._variable_definitions()
        self._directives()
        return Operation(kind, self.selection_set())

    def _variable_definitions(self) -> None:
        depth = 0
        while True:
            token = self.take()[1]
            depth += token == "("
            depth -= token == ")"
            if depth == 0:
                return

    def _directives(self) -> None:
        while self.peek() == "@":
            self.take("@")
            self.take()
            if self.peek() == "(":
                self.arguments()

    def selection_set(self) -> list[Field | Fragment]:
        self.take("{")
        out: list[Field | Fragment] = []
        while self.peek() != "}":
            if self.peek() == "...":
                self.take("...")
                condition = None
                if self.peek() == "on":
                    self.take("on")
                    condition = self.take()[1]
                self._directives()
                out.append(Fragment(condition, self.selection_set()))
                continue
            name = self.take()[1]
            if self.peek() == ":":  # alias
                self.take(":")
                name = self.take()[1]
            args = self.arguments() if self.peek() == "(" else {}
            self._directives()
            children = self.selection_set() if self.peek() == "{" else []
            out.append(Field(name, args, children))
        self.take("}")
        return out

    def arguments(self) -> dict[str, Any]:
        self.take("(")
        args: dict[str, Any] = {}
        while self.peek() != ")":
            name = self.take()[1]
            self.take(":")
            args[name] = self.value()
        self.take(")")
        return args

    def value(self) -> Any:
        kind, text = self.take()
        if text == "$":
            return Variable(self.take()[1])
        if text == "[":
            items = []
            while self.peek() != "]":
                items.append(self.value())
            self.take("]")
            return items
        if text == "{":
            obj = {}
            while self.peek() != "}":
                key = self.take()[1]
                self.take(":")
                obj[key] = self.value()
            self.take("}")
            return obj
        if kind == "number":
            return float(text) if any(c in text for c in ".eE") else int(text)
        if kind == "string":
            return text[1:-1]
        return {"true": True, "false": False, "null": None}.get(text, text)


def parse(query: str) -> Operation:
    """Parse one operation of the supported subset; ValueError when it is not."""
    parser = _Parser(query)
    operation = parser.operation()
    if parser.peek() is not None:
        raise ValueError("only one operation per document is supported")
    return operation


def _resolve(value: Any, variables: Mapping[str, Any]) -> Any:
    if isinstance(value, Variable):
        return variables.get(value.name)
    if isinstance(value, list):
        return [_resolve(v, variables) for v in value]
    return value


def _selection_cost(children: list[Field | Fragment], variables: Mapping[str, Any]) -> int:
    fields = sum(_field_cost(c, variables) for c in children if isinstance(c, Field))
    fragments = [_selection_cost(c.children, variables) for c in children
                 if isinstance(c, Fragment)]
    return fields + max(fragments, default=0)


def _node_cost(connection: Field, variables: Mapping[str, Any]) -> int:
    costs = []
    for child in connection.children:
        if isinstance(child, Field) and child.name == "nodes":
            costs.append(1 + _selection_cost(child.children, variables))
        elif isinstance(child, Field) and child.name == "edges":
            for grandchild in child.children:
                if isinstance(grandchild, Field) and grandchild.name == "node":
                    costs.append(1 + _selection_cost(grandchild.children, variables))
    return max(costs, default=0)


def _field_cost(node: Field, variables: Mapping[str, Any]) -> int:
    if not node.children:
        return 0
    if node.name == "nodes" and "ids" in node.args:
        ids = _resolve(node.args["ids"], variables) or []
        return len(ids) * (1 + _selection_cost(node.children, variables))
    size = _resolve(node.args.get("first", node.args.get("last")), variables)
    is_connection = any(isinstance(c, Field) and c.name in ("nodes", "edges")
                        for c in node.children)
    if size is None:
        if is_connection:
            raise ValueError(f"connection '{node.name}' needs a first or last argument")
        return 1 + _selection_cost(node.children, variables)
    if is_connection:
        return CONNECTION_COST + int(size) * _node_cost(node, variables)
    return int(size) * (1 + _selection_cost(node.children, variables))


def requested_cost(query: str, variables: Mapping[str, Any] | None = None) -> int:
    """The cost Shopify requests from the bucket for ``query`` with ``variables``."""
    operation = parse(query)
    variables = variables or {}
    if operation.kind == "mutation":
        return MUTATION_COST * sum(1 for c in operation.selections if isinstance(c, Field))
    return _selection_cost(operation.selections, variables)


def largest_first(query: str, variables: Mapping[str, Any], name: str = "first", *,
                  limit: int, cap: int = 250) -> int:
    """The largest value of variable ``name`` (at most ``cap``) keeping the query within ``limit``.

    The cost is linear in one page size, so two evaluations give it exactly.
    :raises ValueError: not even a page of one fits.
    """
    base = requested_cost(query, {**variables, name: 0})
    step = requested_cost(query, {**variables, name: 1}) - base
    if base + step > limit:
        raise ValueError(f"the query costs {base + step} points for one item, over {limit}")
    if step <= 0:
        return cap
    return max(1, min(cap, (limit - base) // step))
