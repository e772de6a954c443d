"""The one exception adapters raise for an expected failure (a message key, never a traceback), and the one
sentence for a file-system failure, shared by the command line and the team store."""

from __future__ import annotations

import errno
import zipfile
import zlib

from addin.core.i18n import t


class KamError(Exception):
    """An expected failure (unreadable file, bad argument): one sentence for the user, exit status 2."""

    exit_code = 2

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def message(self, lang: str = "zh") -> str:
        """The sentence shown to the user (a library's exception among the params said in the user's words)."""
        return t(self.key, lang, **{k: reason(v, lang) for k, v in self.params.items()})

    def __str__(self) -> str:
        return self.message("en")


_ERRNO_ZH = {errno.ENOTDIR: "路径中有一段不是文件夹", errno.EISDIR: "这是一个文件夹", errno.EACCES: "没有权限",
             errno.EPERM: "没有权限", errno.ENOSPC: "磁盘空间不足", errno.ENAMETOOLONG: "文件名太长",
             errno.EROFS: "位于只读的磁盘上", errno.ENOENT: "不存在", errno.EEXIST: "已存在"}


_ERRNO_EN = {errno.ENOTDIR: "a part of the path is not a folder", errno.EISDIR: "it is a folder",
             errno.EACCES: "permission denied", errno.EPERM: "permission denied", errno.ENOSPC: "the disk is full",
             errno.ENAMETOOLONG: "the file name is too long", errno.EROFS: "it is on a read-only disk",
             errno.ENOENT: "it does not exist", errno.EEXIST: "it already exists"}
_KIND = {zipfile.BadZipFile: ("不是有效的 zip 压缩包", "not a valid zip archive"),
         zlib.error: ("压缩的数据已损坏", "its compressed data is damaged"),
         EOFError: ("文件在中途结束", "the file ends too early")}


def reason(value: object, lang: str) -> object:
    """A library's exception as a few words in `lang` (an OSError by its errno, a damaged zip by its kind); any
    other value unchanged. English library text never lands inside a Chinese sentence this way."""
    if isinstance(value, OSError) and value.errno in _ERRNO_ZH:
        return (_ERRNO_ZH if lang == "zh" else _ERRNO_EN)[value.errno]
    if isinstance(value, OSError) and lang == "zh":
        return f"系统错误 {value.errno}" if value.errno else "系统错误"
    if isinstance(value, KamError):
        return value.message(lang)
    for kind, words in _KIND.items():
        if isinstance(value, kind):
            return words[0] if lang == "zh" else words[1]
    return value


def os_sentence(exc: OSError, lang: str) -> str:
    """One sentence for a file-system failure, naming the path and the reason."""
    path = exc.filename or "?"
    if lang == "zh":
        return t("file.os_error", lang, path=path, reason=_ERRNO_ZH.get(exc.errno or 0, exc.strerror or str(exc)))
    return t("file.os_error", lang, path=path, reason=(exc.strerror or str(exc)).lower())
