"""Which one of a product's WooCommerce categories becomes the hub's category.

The rule (product documents, seed 001):

1. a product filed under a branch at several nesting levels (``Clothing`` and
   ``Clothing > T-shirts``) takes the deepest one (``T-shirts``);
2. several categories at one level: the alphabetically first;
3. several categories at different levels: the most general one (closest to
   the root).

So: drop every category that is an ancestor of another category of the
product (rule 1), then among what is left take the shallowest (rule 3) and,
on a tie, the alphabetically first name (rule 2; case-insensitive).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class CategoryTree:
    """The store's category hierarchy: id -> (name, parent id; 0 is the root)."""

    names: dict[int, str] = field(default_factory=dict)
    parents: dict[int, int] = field(default_factory=dict)

    @classmethod
    def from_payloads(cls, payloads: Iterable[Mapping[str, Any]]) -> CategoryTree:
        """Build from ``GET /products/categories`` items (``id``, ``name``, ``parent``)."""
        tree = cls()
        for item in payloads:
            cid = int(item["id"])
            tree.names[cid] = str(item.get("name") or "")
            tree.parents[cid] = int(item.get("parent") or 0)
        return tree

    def ancestors(self, cid: int) -> list[int]:
        """Ids above ``cid``, nearest first (stops on unknown ids and on cycles)."""
        chain: list[int] = []
        parent = self.parents.get(cid, 0)
        while parent and parent not in chain and parent != cid:
            chain.append(parent)
            parent = self.parents.get(parent, 0)
        return chain

    def depth(self, cid: int) -> int:
        """0 for a top-level category."""
        return len(self.ancestors(cid))

    def path(self, cid: int) -> list[str]:
        """Names from the root down to ``cid``."""
        return [self.names.get(c, str(c)) for c in reversed(self.ancestors(cid))] + [
            self.names.get(cid, str(cid))]


def pick_category(categories: Iterable[Mapping[str, Any]], tree: CategoryTree | None) -> str | None:
    """The name of the one category the seed-001 rule picks, or ``None`` without categories.

    :param categories: the product's ``categories`` (``id``, ``name``).
    :param tree: the store's hierarchy; without it (or for ids it does not
        know) categories count as top level, so only the alphabetical rule applies.
    """
    assigned: dict[int, str] = {}
    for item in categories:
        try:
            cid = int(item["id"])
        except (KeyError, TypeError, ValueError):
            continue
        name = str(item.get("name") or (tree.names.get(cid) if tree else "") or "").strip()
        if name:
            assigned[cid] = name
    if not assigned:
        return None
    tree = tree or CategoryTree()
    covered = {a for cid in assigned for a in tree.ancestors(cid)}
    deepest = [cid for cid in assigned if cid not in covered]
    best = min(deepest, key=lambda cid: (tree.depth(cid), assigned[cid].casefold(),
                                         assigned[cid], cid))
    return assigned[best]
