"""Copy zip members as their stored (compressed) bytes: the parts kam does not change stay identical."""

from __future__ import annotations

import copy
import struct
import zipfile


def raw_member(src: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The compressed bytes of a member, exactly as stored."""
    assert src.fp is not None
    src.fp.seek(info.header_offset)
    header = src.fp.read(30)
    if header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    src.fp.seek(info.header_offset + 30 + name_len + extra_len)
    return src.fp.read(info.compress_size)


def copy_raw(src: zipfile.ZipFile, dst: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes | None = None) -> None:
    """Append a member to `dst` without decompressing it (`data`: its raw bytes, if already read)."""
    write_raw(dst, info, raw_member(src, info) if data is None else data)


def write_raw(dst: zipfile.ZipFile, info: zipfile.ZipInfo, raw: bytes) -> None:
    """Append a member whose stored (compressed) bytes are `raw`; `info` carries its CRC and sizes."""
    out = copy.copy(info)
    out.flag_bits &= ~0x08  # sizes go in the local header, no data descriptor
    out.extra = b""
    assert dst.fp is not None
    out.header_offset = dst.fp.tell()
    dst.fp.write(out.FileHeader(zip64=False))
    dst.fp.write(raw)
    dst.filelist.append(out)
    dst.NameToInfo[out.filename] = out
    dst.start_dir = dst.fp.tell()
