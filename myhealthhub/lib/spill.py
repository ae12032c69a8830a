"""Lists that move their older items to a private temporary file as they grow.

A large import holds a hundred thousand parsed resources and mapped entries
at once, which would take gigabytes as Python objects. ``SpillList`` keeps
a list's items in memory up to ``in_memory`` of them, then writes the older
ones to an anonymous temporary file (gone when the process ends, however it
ends) in pickled chunks, and reads them back when iterated: memory no longer
grows with the file. Small lists never touch the disk.

``Shelf`` keeps JSON objects on such a file instead, each read back when
asked for by where it was written, with the last few read kept at hand.

Both are for data the process made itself moments before: pickle is read
back only from the file this process wrote and nobody else can open.
"""

from __future__ import annotations

import pickle
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, Generic, TypeVar, overload

import orjson

T = TypeVar("T")

# Items kept in memory before the older ones are written out, and how many
# of the newest always stay: a caller may still change what it just added.
IN_MEMORY = 5000
NEWEST_KEPT = 256


class Codec(Generic[T]):
    """How a chunk of items is written out and read back: as plain tuples, say.

    Pickle asks each object how to take it apart, a Python call apiece; a
    chunk of millions of small records goes many times faster as tuples of
    numbers and text, which pickle handles in C.
    """

    def __init__(
        self, pack: Callable[[list[T]], Any], unpack: Callable[[Any], Iterable[T]]
    ) -> None:
        self.pack = pack
        self.unpack = unpack


_AS_THEY_ARE: Codec[Any] = Codec(lambda items: items, lambda items: items)


class SpillList(Generic[T]):
    """Append, extend, iterate, count; items are pickled copies once written out.

    An item written out is a copy when read back: change items only while
    they are among the newest (``tail``), or collect the changed ones into
    another list.
    """

    def __init__(
        self,
        items: Iterable[T] = (),
        *,
        in_memory: int | None = None,
        codec: Codec[T] | None = None,
    ) -> None:
        self._in_memory = max(in_memory or IN_MEMORY, NEWEST_KEPT + 1)
        self._codec: Codec[T] = codec or _AS_THEY_ARE
        self._file: IO[bytes] | None = None
        self._chunks: list[tuple[int, int, int]] = []  # offset, length, count
        self._written = 0
        self._items: list[T] = []
        self.extend(items)

    def append(self, item: T) -> None:
        self._items.append(item)
        if len(self._items) >= self._in_memory:
            self._write_out()

    def extend(self, items: Iterable[T]) -> None:
        for item in items:
            self.append(item)

    def tail(self, start: int) -> list[T]:
        """The items from position ``start`` on, which must still be in memory."""
        if start < self._written:
            raise IndexError("those items were written out")
        return self._items[start - self._written :]

    def __len__(self) -> int:
        return self._written + len(self._items)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Iterator[T]:
        for offset, length, _count in list(self._chunks):
            assert self._file is not None
            self._file.seek(offset)
            packed = pickle.loads(self._file.read(length))  # noqa: S301 (our own file)
            yield from self._codec.unpack(packed)
        yield from list(self._items)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        """Items still in memory, by their position in the whole list."""
        if isinstance(index, slice):
            if index.step not in (None, 1) or index.stop is not None:
                raise TypeError("only a tail, list[start:], is taken")
            return self.tail(index.start or 0)
        position = index if index >= 0 else len(self) + index
        if not self._written <= position < len(self):
            raise IndexError("not among the items in memory")
        return self._items[position - self._written]

    def _write_out(self) -> None:
        older, self._items = self._items[:-NEWEST_KEPT], self._items[-NEWEST_KEPT:]
        if self._file is None:
            self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed with the list)
        data = pickle.dumps(self._codec.pack(older), protocol=pickle.HIGHEST_PROTOCOL)
        offset = self._file.seek(0, 2)
        self._file.write(data)
        self._chunks.append((offset, len(data), len(older)))
        self._written += len(older)


class Shelf:
    """JSON objects kept on a temporary file, each read back by its place."""

    def __init__(self, kept_at_hand: int = 512) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed with the shelf)
        self._end = 0
        self._at_hand: OrderedDict[int, Any] = OrderedDict()
        self._kept_at_hand = kept_at_hand

    def put(self, value: Any) -> tuple[int, int]:
        """Where ``value`` was written: its place and length."""
        data = orjson.dumps(value)
        place = self._end
        self._file.seek(place)
        self._file.write(data)
        self._end += len(data)
        return place, len(data)

    def get(self, place: int, length: int) -> Any:
        """The value written at ``place``; the same object while it is among the last read."""
        value = self._at_hand.get(place)
        if value is not None:
            self._at_hand.move_to_end(place)
            return value
        self._file.seek(place)
        value = orjson.loads(self._file.read(length))
        self._at_hand[place] = value
        if len(self._at_hand) > self._kept_at_hand:
            self._at_hand.popitem(last=False)
        return value
