"""The one exception adapters raise for an expected failure: it carries a message key, never a traceback."""

from __future__ import annotations

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
