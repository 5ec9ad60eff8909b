"""A prepared table as integer arrays, and equivalence classes rolled up from node to node.

Each quasi-identifier's values are numbered per level (codes), and `steps[i][a][b]` maps attribute
i's codes at level a to level b. A record's codes are bit fields of 64-bit words: the sensitive
value's code lowest, then the quasi-identifiers in order, each field as wide as its level-0
cardinality needs (a level never has more values than level 0, so a generalised code fits in the
same field). Generalising an attribute rewrites its field in place.

A `State` is a node's table of distinct (quasi-identifiers, sensitive value) entries with their
record counts, sorted so that the entries of one equivalence class are adjacent and, within a
class, in sensitive-value order. `rollup` derives a generalisation's state from any
specialisation's (classes only merge). When every field fits in one word with the count below
them, the state is that one packed array (fields << count bits | count) and is sorted by value,
numpy's fastest sort; otherwise the words and a separate count array are sorted with `lexsort`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from monetiot.domain.privacy import Node, PreparedTable

Array = npt.NDArray[np.int64]
WORD_BITS = 62  # fields of one word stay below bit 62: the sign bit is never touched


@dataclass(frozen=True)
class Layout:
    word_of: tuple[int, ...]  # per quasi-identifier: its word
    shift_of: tuple[int, ...]  # per quasi-identifier: its field's lowest bit in the word
    bits_of: tuple[int, ...]  # per quasi-identifier: its field's width
    sensitive_shift: int  # the sensitive field is the lowest field of word 0
    sensitive_bits: int  # 0 without a sensitive attribute
    words: int
    count_bits: int  # > 0: one packed word with the count in its low bits; 0: lexsort


@dataclass(frozen=True)
class State:
    words: tuple[Array, ...]  # sorted entries; word 0 the least significant
    separate_counts: Array | None = None  # the counts when they are not packed into word 0


@dataclass(frozen=True)
class Encoding:
    layout: Layout
    steps: tuple[tuple[tuple[Array | None, ...], ...], ...]  # steps[i][a][b]: level a -> b
    bottom: State
    reference: npt.NDArray[np.float64]  # the whole table's sensitive distribution
    reference_counts: tuple[int, ...]
    sensitive_values: int  # 1 without a sensitive attribute


def encode(prepared: PreparedTable, word_bits: int = WORD_BITS) -> Encoding:
    rows = prepared.table.rows
    codes: list[Array] = []
    steps = []
    cards = []
    for column, hierarchy in zip(prepared.qi_columns, prepared.hierarchies, strict=True):
        values = sorted({row[column] for row in rows})
        index = {value: i for i, value in enumerate(values)}
        codes.append(np.fromiter((index[row[column]] for row in rows), np.int64, len(rows)))
        cards.append(len(values))
        steps.append(_steps([hierarchy.paths[v] for v in values], hierarchy.height))
    sensitive = np.zeros(len(rows), np.int64)
    reference_counts: tuple[int, ...] = (len(rows),)
    if prepared.reference is not None and prepared.sensitive_column is not None:
        position = prepared.reference.position()
        column = prepared.sensitive_column
        sensitive = np.fromiter((position[row[column]] for row in rows), np.int64, len(rows))
        reference_counts = prepared.reference.counts
    layout = _layout(cards, len(reference_counts), len(rows), word_bits)
    words = [np.zeros(len(rows), np.int64) for _ in range(layout.words)]
    words[0] |= sensitive << layout.sensitive_shift
    for i, code in enumerate(codes):
        words[layout.word_of[i]] |= code << layout.shift_of[i]
    ones = np.ones(len(rows), np.int64)
    if layout.count_bits:
        words[0] |= ones
        bottom = group(layout, State(tuple(words)))
    else:
        bottom = group(layout, State(tuple(words), ones))
    reference = np.array(reference_counts, np.float64) / len(rows)
    return Encoding(layout, tuple(steps), bottom, reference, reference_counts,
                    len(reference_counts))


def _steps(paths: list[tuple[str, ...]], height: int) -> tuple[tuple[Array | None, ...], ...]:
    """For values in level-0 code order: maps from each level's codes to every higher level's."""
    level_codes = []
    for level in range(height + 1):
        names = sorted({path[level] for path in paths})
        index = {name: i for i, name in enumerate(names)}
        level_codes.append(np.array([index[path[level]] for path in paths], np.int64))
    table: list[tuple[Array | None, ...]] = []
    for a in range(height + 1):
        row: list[Array | None] = []
        for b in range(height + 1):
            if b <= a:
                row.append(None)
                continue
            mapping = np.zeros(int(level_codes[a].max()) + 1, np.int64)
            mapping[level_codes[a]] = level_codes[b]  # consistent hierarchy: one target each
            row.append(mapping)
        table.append(tuple(row))
    return tuple(table)


def _width(values: int) -> int:
    return max(values - 1, 0).bit_length()


def _layout(cards: list[int], sensitive: int, rows: int, word_bits: int) -> Layout:
    widths = [_width(c) for c in cards]
    sensitive_bits = _width(sensitive)
    count_bits = max(rows.bit_length(), 1)
    if count_bits + sensitive_bits + sum(widths) <= word_bits:
        shifts, shift = [], count_bits + sensitive_bits
        for width in widths:
            shifts.append(shift)
            shift += width
        return Layout((0,) * len(cards), tuple(shifts), tuple(widths), count_bits,
                      sensitive_bits, 1, count_bits)
    word_of, shift_of = [], []
    word, used = 0, sensitive_bits
    for width in widths:
        if used + width > word_bits and used > 0:
            word, used = word + 1, 0
        word_of.append(word)
        shift_of.append(used)
        used += width
    return Layout(tuple(word_of), tuple(shift_of), tuple(widths), 0, sensitive_bits, word + 1,
                  0)


def counts_of(layout: Layout, state: State) -> Array:
    if state.separate_counts is not None:
        return state.separate_counts
    return state.words[0] & ((1 << layout.count_bits) - 1)


def group(layout: Layout, state: State) -> State:
    """Entries with equal keys merged (counts added), sorted by key."""
    if layout.count_bits:
        bits = layout.count_bits
        packed = np.sort(state.words[0])
        keys = packed >> bits
        change = keys[1:] != keys[:-1]
        if change.all():
            return State((packed,))
        starts = np.flatnonzero(np.concatenate(([True], change)))
        counts = np.add.reduceat(packed & ((1 << bits) - 1), starts)
        return State(((keys[starts] << bits) | counts,))
    assert state.separate_counts is not None
    order = np.lexsort(state.words)  # the last word is the primary key
    ordered = tuple(w[order] for w in state.words)
    counts = state.separate_counts[order]
    change = np.zeros(max(len(counts) - 1, 0), bool)
    for w in ordered:
        change |= w[1:] != w[:-1]
    starts = np.flatnonzero(np.concatenate(([True], change)))
    return State(tuple(w[starts] for w in ordered), np.add.reduceat(counts, starts))


def rollup(encoding: Encoding, state: State, source: Node, target: Node) -> State:
    """The state of `target` from the state of `source`, a specialisation of it."""
    layout = encoding.layout
    words = list(state.words)
    for i, (a, b) in enumerate(zip(source, target, strict=True)):
        if a == b:
            continue
        mapping = encoding.steps[i][a][b]
        assert mapping is not None, "roll-up goes from a node to one of its generalisations"
        w, shift = layout.word_of[i], layout.shift_of[i]
        digit = (words[w] >> shift) & ((1 << layout.bits_of[i]) - 1)
        words[w] = words[w] + ((mapping[digit] - digit) << shift)
    return group(layout, State(tuple(words), state.separate_counts))


def class_starts(encoding: Encoding, state: State) -> Array:
    """Index of the first entry of each equivalence class."""
    layout = encoding.layout
    entries = len(state.words[0])
    if encoding.sensitive_values == 1:
        return np.arange(entries, dtype=np.int64)  # entries are the classes
    head = state.words[0] >> (layout.sensitive_shift + layout.sensitive_bits)
    change = head[1:] != head[:-1]
    for w in state.words[1:]:
        change |= w[1:] != w[:-1]
    return np.flatnonzero(np.concatenate(([True], change))).astype(np.int64)


def sensitive_codes(encoding: Encoding, state: State) -> Array:
    layout = encoding.layout
    return (state.words[0] >> layout.sensitive_shift) & ((1 << layout.sensitive_bits) - 1)
