"""A hash chain over append-only rows, as used by the audit trail.

Each row's hash covers its own canonical content and the previous row's hash, so altering,
removing or re-ordering any row breaks every link after it. Pure functions, no Django.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

GENESIS = "0" * 64


def canonical(content: Mapping[str, object]) -> bytes:
    """Stable bytes for a row: sorted keys, no whitespace, every value as a string or null."""
    normalised = {key: (None if value is None else str(value)) for key, value in content.items()}
    return json.dumps(normalised, sort_keys=True, separators=(",", ":")).encode()


def link_hash(previous_hash: str, content: Mapping[str, object]) -> str:
    return hashlib.sha256(previous_hash.encode() + b"\n" + canonical(content)).hexdigest()


@dataclass(frozen=True)
class ChainRow:
    row_id: int
    previous_hash: str
    own_hash: str
    content: Mapping[str, object]


@dataclass(frozen=True)
class BrokenLink:
    row_id: int
    reason: str


def first_broken_link(rows: Iterable[ChainRow]) -> BrokenLink | None:
    """Walk rows in id order and return the first one that does not follow from its predecessor."""
    expected_previous = GENESIS
    for row in rows:
        if row.previous_hash != expected_previous:
            return BrokenLink(
                row.row_id,
                "its previous-hash does not match the row before it "
                "(a row was removed, inserted or re-ordered)",
            )
        if link_hash(row.previous_hash, row.content) != row.own_hash:
            return BrokenLink(row.row_id, "its content no longer matches its hash (it was altered)")
        expected_previous = row.own_hash
    return None
