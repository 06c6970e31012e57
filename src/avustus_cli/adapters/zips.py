"""Members of a zip package (a .docx) replaced without touching the others.

A filled Word template differs from the next letter's only in the parts the template fills. ``Package``
keeps a written package's members as they lie in the file (local header and compressed data) and
writes a new package where the given members are compressed anew and every other member is copied as
the same bytes: the result is what ``zipfile`` would have written for the whole package, byte for
byte, at a fraction of the cost.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

__all__ = ["Package"]

_LOCAL = b"PK\x03\x04"
_CENTRAL = b"PK\x01\x02"


@dataclass(frozen=True)
class _Member:
    name: str
    local: bytes  # local header, name, extra and the compressed data, as written
    central: bytes  # the central directory entry, as written
    deflated: bool


class Package:
    """A zip package read once; :meth:`with_members` gives it with some members' content replaced."""

    def __init__(self, data: bytes):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = sorted(z.infolist(), key=lambda i: i.header_offset)
            start_dir = z.start_dir  # set by ZipFile when reading
        members = []
        central_at = start_dir
        for n, info in enumerate(infos):
            off = info.header_offset
            if data[off:off + 4] != _LOCAL or info.flag_bits & 0x08 or info.file_size >= 0xFFFFFFFF:
                raise ValueError("a data descriptor or a zip64 member: not copied member by member")
            name_len, extra_len = struct.unpack_from("<HH", data, off + 26)
            end = off + 30 + name_len + extra_len + info.compress_size
            if end > (infos[n + 1].header_offset if n + 1 < len(infos) else start_dir):
                raise ValueError("overlapping members")
            if data[central_at:central_at + 4] != _CENTRAL:
                raise ValueError("the central directory is not in the members' order")
            c_name, c_extra, c_comment = struct.unpack_from("<HHH", data, central_at + 28)
            central_end = central_at + 46 + c_name + c_extra + c_comment
            members.append(_Member(info.filename, data[off:end], data[central_at:central_end],
                                   info.compress_type == zipfile.ZIP_DEFLATED))
            central_at = central_end
        if infos and infos[0].header_offset != 0:
            raise ValueError("data before the first member")
        self._members = members
        self._tail = data[central_at:]  # the end of central directory record (and its comment)
        if self._tail[:4] != b"PK\x05\x06" or len(self._tail) < 22:
            raise ValueError("no plain end of central directory")

    def names(self) -> list[str]:
        return [m.name for m in self._members]

    def with_members(self, contents: dict[str, bytes]) -> bytes:
        """The package with each member named in ``contents`` holding its new content (deflated as
        ``zipfile`` does); every other member is copied as it was."""
        unknown = set(contents) - {m.name for m in self._members}
        if unknown:
            raise KeyError(", ".join(sorted(unknown)))
        out = bytearray()
        central = bytearray()
        for m in self._members:
            offset = len(out)
            entry = bytearray(m.central)
            content = contents.get(m.name)
            if content is None:
                out += m.local
            else:
                if not m.deflated:
                    raise ValueError(f"{m.name} is not deflated")
                crc = zlib.crc32(content) & 0xFFFFFFFF
                c = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
                packed = c.compress(content) + c.flush()
                head = bytearray(m.local[:30 + sum(struct.unpack_from("<HH", m.local, 26))])
                struct.pack_into("<III", head, 14, crc, len(packed), len(content))
                out += head
                out += packed
                struct.pack_into("<III", entry, 16, crc, len(packed), len(content))
            struct.pack_into("<I", entry, 42, offset)
            central += entry
        start = len(out)
        out += central
        tail = bytearray(self._tail)
        struct.pack_into("<II", tail, 12, len(central), start)
        out += tail
        return bytes(out)
