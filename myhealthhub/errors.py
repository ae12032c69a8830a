"""The error an action raises when it refuses a change."""

from __future__ import annotations


class ActionRefused(Exception):
    """A change was refused; ``message`` is already translated for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
