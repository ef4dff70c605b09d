"""A one-line progress bar on stderr (plain stdlib), for long commands (rebuild-stats, bench/bigdb.py)."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total: int, label: str, width: int = 30) -> None:
        self.total, self.label, self.width = max(total, 1), label, width
        self.done = 0
        self.t0 = time.perf_counter()
        self.tty = sys.stderr.isatty()
        self._shown = -1

    def update(self, n: int = 1, note: str = "") -> None:
        self.done = min(self.total, self.done + n)
        share = self.done / self.total
        pct = int(share * 100)
        if pct == self._shown and self.done < self.total and not note:
            return
        if not self.tty and pct // 10 == self._shown // 10 and self.done < self.total and not note:
            return
        self._shown = pct
        filled = int(share * self.width)
        line = (f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {pct:3d}% "
                f"{time.perf_counter() - self.t0:6.1f} s {note}")
        sys.stderr.write(("\r" + line.ljust(100)) if self.tty else line + "\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self.tty:
            sys.stderr.write("\n")
            sys.stderr.flush()
