"""Duplicates and similar shots: fingerprints, grouping of three kinds, a suggested keeper.
No Qt, no SQL: the catalog stores the fingerprints, the engine feeds the records in."""

from clipdesk.duplicates.fingerprint import content_hash, from_signed64, perceptual_hash, to_signed64
from clipdesk.duplicates.grouping import DuplicateFinder
from clipdesk.duplicates.keeper import KeeperChoice, suggest_keeper
from clipdesk.duplicates.records import (
    EXACT,
    KINDS,
    SAME,
    SIMILAR,
    DuplicateSettings,
    Group,
    PhotoRecord,
    PhotoTable,
    strictness_to_cosine,
)
from clipdesk.duplicates.sweep import find_groups

__all__ = [
    "EXACT",
    "KINDS",
    "SAME",
    "SIMILAR",
    "DuplicateFinder",
    "DuplicateSettings",
    "Group",
    "KeeperChoice",
    "PhotoRecord",
    "PhotoTable",
    "content_hash",
    "find_groups",
    "from_signed64",
    "perceptual_hash",
    "strictness_to_cosine",
    "suggest_keeper",
    "to_signed64",
]
