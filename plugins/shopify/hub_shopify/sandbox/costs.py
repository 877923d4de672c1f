"""Shopify's query cost, computed the way the Admin API does, from the parsed query.

Requested cost (before running; what the bucket must hold): scalars and enums
0, an object 1 plus its selection, a connection 2 plus ``first``/``last``
times one node's cost, a list field taking ``first`` that many objects,
``nodes(ids:)`` one object per id, inline fragments on different types the
most expensive one, a mutation field 10. Actual cost (after running; the
difference is refunded) counts the objects really returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    value_from_ast_untyped,
)

MUTATION_COST = 10


class CostCalculator:
    """Requested and actual cost of one operation against ``schema``."""

    def __init__(self, schema: GraphQLSchema, operation: OperationDefinitionNode,
                 variables: Mapping[str, Any]) -> None:
        self.schema = schema
        self.operation = operation
        self.variables = dict(variables)

    @property
    def is_mutation(self) -> bool:
        return self.operation.operation == OperationType.MUTATION

    def _root(self) -> GraphQLObjectType:
        root = self.schema.mutation_type if self.is_mutation else self.schema.query_type
        assert root is not None
        return root

    def _fields(self) -> int:
        return sum(1 for s in self.operation.selection_set.selections if isinstance(s, FieldNode))

    # --- requested --------------------------------------------------------------------
    def requested(self) -> int:
        if self.is_mutation:
            return MUTATION_COST * self._fields()
        return self._selection(self.operation.selection_set, self._root())

    def _selection(self, selection: SelectionSetNode, parent: Any) -> int:
        fields, fragments = 0, []
        for node in selection.selections:
            if isinstance(node, FieldNode):
                fields += self._field(node, parent)
            elif isinstance(node, InlineFragmentNode):
                kind = self.schema.get_type(node.type_condition.name.value) \
                    if node.type_condition else parent
                fragments.append(self._selection(node.selection_set, kind))
        return fields + max(fragments, default=0)

    def _args(self, node: FieldNode, parent: Any) -> dict[str, Any]:
        return {arg.name.value: value_from_ast_untyped(arg.value, self.variables)
                for arg in node.arguments or ()}

    def _field(self, node: FieldNode, parent: Any) -> int:
        if node.selection_set is None or node.name.value == "__typename":
            return 0
        kind = get_named_type(parent.fields[node.name.value].type)
        args = self._args(node, parent)
        if node.name.value == "nodes" and "ids" in args:
            return len(args["ids"]) * (1 + self._selection(node.selection_set, kind))
        size = args.get("first") if args.get("first") is not None else args.get("last")
        if kind.name.endswith("Connection"):
            return 2 + int(size or 0) * self._node_cost(node, kind)
        if size is not None:
            return int(size) * (1 + self._selection(node.selection_set, kind))
        return 1 + self._selection(node.selection_set, kind)

    def _node_cost(self, node: FieldNode, connection: Any) -> int:
        node_type = get_named_type(connection.fields["nodes"].type)
        costs = []
        for child in node.selection_set.selections if node.selection_set else ():
            if not isinstance(child, FieldNode) or child.selection_set is None:
                continue
            if child.name.value == "nodes":
                costs.append(1 + self._selection(child.selection_set, node_type))
            elif child.name.value == "edges":
                for grandchild in child.selection_set.selections:
                    if isinstance(grandchild, FieldNode) and grandchild.name.value == "node" \
                            and grandchild.selection_set is not None:
                        costs.append(1 + self._selection(grandchild.selection_set, node_type))
        return max(costs, default=0)

    # --- actual -----------------------------------------------------------------------
    def actual(self, data: Mapping[str, Any] | None) -> int:
        if self.is_mutation:
            return MUTATION_COST * self._fields()
        if data is None:
            return 0
        return self._selection_actual(self.operation.selection_set, self._root(), data)

    def _selection_actual(self, selection: SelectionSetNode, parent: Any,
                          value: Mapping[str, Any]) -> int:
        total, fragments = 0, []
        for node in selection.selections:
            if isinstance(node, FieldNode):
                key = node.alias.value if node.alias else node.name.value
                total += self._field_actual(node, parent, value.get(key))
            elif isinstance(node, InlineFragmentNode):
                kind = self.schema.get_type(node.type_condition.name.value) \
                    if node.type_condition else parent
                fragments.append(self._selection_actual(node.selection_set, kind, value))
        return total + max(fragments, default=0)

    def _field_actual(self, node: FieldNode, parent: Any, value: Any) -> int:
        if node.selection_set is None or value is None:
            return 0
        kind = get_named_type(parent.fields[node.name.value].type)
        if kind.name.endswith("Connection") and isinstance(value, Mapping):
            node_type = get_named_type(kind.fields["nodes"].type)
            best = 0
            for child in node.selection_set.selections:
                if not isinstance(child, FieldNode) or child.selection_set is None:
                    continue
                key = child.alias.value if child.alias else child.name.value
                if child.name.value == "nodes":
                    best = max(best, sum(1 + self._selection_actual(child.selection_set,
                                                                     node_type, n)
                                         for n in value.get(key) or [] if n))
                elif child.name.value == "edges":
                    for grandchild in child.selection_set.selections:
                        if isinstance(grandchild, FieldNode) and grandchild.selection_set:
                            best = max(best, sum(
                                1 + self._selection_actual(grandchild.selection_set, node_type,
                                                           e.get("node") or {})
                                for e in value.get(key) or [] if e))
            return 2 + best
        if isinstance(value, list):
            return sum(1 + self._selection_actual(node.selection_set, kind, v)
                       for v in value if v)
        return 1 + self._selection_actual(node.selection_set, kind, value)
