"""A progress bar for the import and export commands, drawn only on a terminal."""

from __future__ import annotations

from django.core.management.base import OutputWrapper


class ProgressBar:
    """``Reading file.json  [#####     ]  50%``; silent when the output is not a terminal."""

    WIDTH = 30

    def __init__(self, stream: OutputWrapper, doing: str, label: str) -> None:
        # ``doing`` is the translated verb: "Reading", "Writing".
        self.stream = stream
        self.doing = doing
        self.label = label[:40]
        self.shown = -1
        self.on_terminal = stream.isatty()

    def __call__(self, fraction: float) -> None:
        percent = int(max(0.0, min(fraction, 1.0)) * 100)
        if not self.on_terminal or percent == self.shown:
            return
        self.shown = percent
        filled = self.WIDTH * percent // 100
        bar = "#" * filled + " " * (self.WIDTH - filled)
        end = "\n" if percent == 100 else ""
        self.stream.write(f"\r{self.doing} {self.label}  [{bar}] {percent:3d}%", ending=end)
        self.stream.flush()
