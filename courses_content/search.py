"""Chinese text for a word-based search index.

Neither SQLite's FTS5 nor PostgreSQL's ``simple`` configuration splits Chinese
into words, so "淘宝" would never match "淘宝天猫基础实操". We index every run of
Han characters as overlapping two-character pieces (bigrams) and search with
the same pieces; a one-character query is kept as it is. Latin words pass
through unchanged. Pure functions, tested exhaustively.
"""

import re

HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def han_bigrams(run):
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def to_index_text(text):
    """``"淘宝开店 for beginners"`` -> ``"淘宝 宝开 开店 for beginners"``."""
    text = text or ""
    pieces = []
    position = 0
    for match in HAN_RUN.finditer(text):
        pieces.append(text[position : match.start()])
        pieces.append(" " + " ".join(han_bigrams(match.group())) + " ")
        position = match.end()
    pieces.append(text[position:])
    return re.sub(r"\s+", " ", "".join(pieces)).strip()


def to_query(text):
    """The query in the same pieces as the index; empty when nothing searchable is left."""
    return to_index_text((text or "").strip()[:100])
