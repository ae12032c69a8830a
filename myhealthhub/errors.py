"""The errors an action raises when it refuses a change, or a file it cannot read."""

from __future__ import annotations


class ActionRefused(Exception):
    """A change was refused; ``message`` is already translated for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Refused(ActionRefused):
    """A file that cannot be read at all (an import, an archive); nothing was written.

    ``reason`` says why in the person's language; ``where`` says where in the
    file (empty when it is about the whole file).
    """

    def __init__(self, reason: str, where: str = "") -> None:
        super().__init__(f"{reason} ({where})" if where else reason)
        self.reason = reason
        self.where = where


class StaleEdit(ActionRefused):
    """Someone saved the thing after this edit of it began; nothing was saved."""
