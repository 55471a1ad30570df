"""The animation clock of a run: a timer on the GUI thread, paced by the wall clock.

Both animations (the explorer's gradient descent, the dataset workspace's training) play a
run at a pace in steps per second. The timer ticks a little faster than the pace (whole
milliseconds, rounded down) and :class:`~ce_desktop.model.descent_run.FramePacer` says, from
a ``QElapsedTimer`` reading, which ticks are frames: a "60 steps/s" run plays at 60, not at
the 58.8 a 17 ms timer would give. Time is an input of the pacer, so tests take frames
themselves (:meth:`FrameClock.hold`) and never wait.
"""

from __future__ import annotations

from PySide6 import QtCore

from ce_desktop.model.descent_run import FramePacer


def interval_ms(steps_per_second: float) -> int:
    """The timer's interval for a pace: whole milliseconds, rounded down (at least 1)."""
    return max(1, int(1000.0 / float(steps_per_second)))


class FrameClock(QtCore.QObject):
    """Emits :attr:`frame` when a frame is due, while :attr:`active`.

    Signals
    -------
    frame()
        A frame is due (the pace says so, not just the timer).
    """

    frame = QtCore.Signal()

    def __init__(self, steps_per_second: float, parent=None):
        super().__init__(parent)
        self._timer = QtCore.QTimer(self)
        self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._on_tick)
        self._clock = QtCore.QElapsedTimer()
        self._pacer = FramePacer(float(steps_per_second))
        self._timer.setInterval(interval_ms(steps_per_second))
        self._held = False

    @property
    def active(self) -> bool:
        """Whether the animation is playing (its timer runs)."""
        return self._timer.isActive()

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    @property
    def steps_per_second(self) -> float:
        return self._pacer.steps_per_second

    def set_pace(self, steps_per_second: float) -> None:
        """A new pace; a playing clock counts from now."""
        sps = float(steps_per_second)
        if sps == self._pacer.steps_per_second:
            return
        self._pacer.steps_per_second = sps
        self._timer.setInterval(interval_ms(sps))
        if self.active:
            self.restart()

    def start(self) -> None:
        """Play from now: frame 0 is due at once."""
        self.restart()
        self._timer.start()

    def restart(self) -> None:
        """Count the frames from now (the clock and the pacer start again)."""
        self._clock.start()
        self._pacer.restart()

    def stop(self) -> None:
        self._timer.stop()

    def due(self, elapsed_ms: float) -> bool:
        """Whether a frame is due ``elapsed_ms`` after :meth:`start`; counts it if so."""
        return self._pacer.due(elapsed_ms)

    def hold(self) -> None:
        """From now on the caller takes the frames (tests, benchmarks): a tick takes none, so
        what they see does not depend on how fast the machine is. :attr:`active` still says
        whether it plays."""
        self._held = True

    @QtCore.Slot()
    def _on_tick(self) -> None:
        if not self._held and self.due(self._clock.elapsed()):
            self.frame.emit()


__all__ = ["FrameClock", "interval_ms"]
