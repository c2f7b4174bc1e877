"""Progress of the month: a rich progress bar per phase, or nothing (tests)."""
from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

Advance = Callable[[], None]


class Quiet:
    """No bar; a phase is a no-op."""

    def phase(self, name: str, total: int) -> Advance:
        return lambda: None

    def note(self, text: str) -> None:
        pass


class Bars(AbstractContextManager):
    """One bar per phase, kept on screen when done, with notes printed above them."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console()
        self.progress = Progress(SpinnerColumn(finished_text="[green]✓"), TextColumn("{task.description:<44}"),
                                 BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=self.console)
        self._current = None

    def __enter__(self) -> "Bars":
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._finish()
        self.progress.stop()

    def _finish(self) -> None:
        if self._current is not None:
            task = self.progress.tasks[self._current]
            self.progress.update(self._current, completed=task.total)

    def phase(self, name: str, total: int) -> Advance:
        self._finish()
        task = self._current = self.progress.add_task(name, total=max(total, 1))
        if total == 0:
            self.progress.update(task, completed=1)
        return lambda: self.progress.advance(task)

    def note(self, text: str) -> None:
        self.progress.console.print(text)
