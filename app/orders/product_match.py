"""Matching the products a chat message names against the catalogue the caller gives.

Exact names and aliases are found anywhere in the text (longest first); a piece
of text left over is matched loosely: a part of a name (精华液 → 玫瑰精华液), the
name's characters in order (玫瑰霜 → 玫瑰焕颜面霜), or most of its character pairs.
"""
import functools
from dataclasses import dataclass

from app.orders.chat_text import ascii_lower, normalize

MIN_KEY_CHARS = 2
MAX_NAME_CHARS = 100
SIMILAR_PAIRS = 0.5


@dataclass(frozen=True)
class ProductKey:
    """One way to write a product: its name or one of its aliases, normalised."""

    product_id: object
    text: str
    name: str
    is_alias: bool

    @property
    def pairs(self):
        return _pairs(self.text)


@dataclass(frozen=True)
class LooseMatch:
    """The product a piece of text most resembles, how closely, and any product that resembles it as well."""

    key: ProductKey
    strength: int
    reason: str
    rivals: tuple


class Catalogue:
    """The caller's products, indexed for matching."""

    def __init__(self, products):
        self.keys = []
        for product_id, name, aliases in products:
            name = str(name or "")
            for text, is_alias in [(name, False), *((alias, True) for alias in aliases or ())]:
                key = ascii_lower(normalize(str(text or ""), MAX_NAME_CHARS).strip())
                for spelling in {key, "".join(key.split())}:
                    if len(spelling) >= MIN_KEY_CHARS:
                        self.keys.append(ProductKey(product_id, spelling, name, is_alias))
        self.keys.sort(key=lambda key: len(key.text), reverse=True)
        self.keys_with_char = {}
        for key in self.keys:
            for char in set(key.text):
                self.keys_with_char.setdefault(char, []).append(key)

    def exact_spans(self, view):
        """Non-overlapping (start, end, key) of names and aliases written in full, longest first."""
        taken, spans = [False] * len(view), []
        for key in self.keys:
            start = view.find(key.text)
            while start != -1:
                end = start + len(key.text)
                if not any(taken[start:end]):
                    taken[start:end] = [True] * (end - start)
                    spans.append((start, end, key))
                start = view.find(key.text, end)
        return sorted(spans, key=lambda span: span[0])

    def loose_match(self, fragment):
        """The product fragment most resembles, or None when none is close enough."""
        fragment = ascii_lower(fragment)
        if len(fragment) < MIN_KEY_CHARS:
            return None
        candidates = {id(key): key for char in set(fragment) for key in self.keys_with_char.get(char, ())}
        best = {}
        for key in candidates.values():
            strength, reason = _resemblance(fragment, key)
            if strength and strength > best.get(key.product_id, (0,))[0]:
                best[key.product_id] = (strength, reason, key)
        if not best:
            return None
        ranked = sorted(best.values(), key=lambda found: found[0], reverse=True)
        strength, reason, key = ranked[0]
        rivals = tuple(other.name for other_strength, _, other in ranked[1:] if other_strength == strength)
        return LooseMatch(key, strength, reason, rivals)


def _resemblance(fragment, key):
    """3 when fragment is part of the key, 2 when the key has its characters in order, 1 when most pairs agree."""
    if fragment in key.text:
        return 3, "商品名的一部分"
    if len(fragment) * 2 >= len(key.text) and _in_order(fragment, key.text):
        return 2, "与商品名字序相符"
    if _dice(_pairs(fragment), key.pairs) >= SIMILAR_PAIRS:
        return 1, "与商品名相近"
    return 0, ""


def _in_order(fragment, name):
    remaining = iter(name)
    return all(char in remaining for char in fragment)


@functools.lru_cache(maxsize=4096)
def _pairs(text):
    return frozenset(text[i:i + 2] for i in range(len(text) - 1))


def _dice(first, second):
    """Dice coefficient of two sets of character pairs."""
    if not first or not second:
        return 0.0
    return 2 * len(first & second) / (len(first) + len(second))
