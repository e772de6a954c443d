"""The one exception adapters raise for an expected failure (a message key, never a traceback), and the one
sentence for a file-system failure, shared by the command line and the team store."""

from __future__ import annotations

import errno

from addin.core.i18n import t


class KamError(Exception):
    """An expected failure (unreadable file, bad argument): one sentence for the user, exit status 2."""

    exit_code = 2

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def message(self, lang: str = "zh") -> str:
        """The sentence shown to the user."""
        return t(self.key, lang, **self.params)

    def __str__(self) -> str:
        return self.message("en")


_ERRNO_ZH = {errno.ENOTDIR: "路径中有一段不是文件夹", errno.EISDIR: "这是一个文件夹", errno.EACCES: "没有权限",
             errno.EPERM: "没有权限", errno.ENOSPC: "磁盘空间不足", errno.ENAMETOOLONG: "文件名太长",
             errno.EROFS: "位于只读的磁盘上", errno.ENOENT: "不存在", errno.EEXIST: "已存在"}


def os_sentence(exc: OSError, lang: str) -> str:
    """One sentence for a file-system failure, naming the path and the reason."""
    path = exc.filename or "?"
    if lang == "zh":
        return t("file.os_error", lang, path=path, reason=_ERRNO_ZH.get(exc.errno or 0, exc.strerror or str(exc)))
    return t("file.os_error", lang, path=path, reason=(exc.strerror or str(exc)).lower())
