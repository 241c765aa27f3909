"""Applies the workload's faults on the run's clock: kill, pause, isolate a node... and `exec` commands.

The workload's faults (bench.workload.faults checked them) become steps: each fault, and its end `for:`
seconds later (kill -> restart, stop -> start, pause -> resume, isolate -> heal). A thread applies them in
time order, each at `zero + at` where `zero` is when the load starts (the first round's start), through the
managed target's `fault(node, action)`; an `exec` step runs the user's command (split like a shell, run
without one, stdin closed, at most `timeout` seconds; its exit status and the last 2 KiB of its output are
kept, URLs in it redacted). Every step is recorded as it ends (table `faults`: intended, started, ended, status, detail), so a
run that stops midway keeps what was applied. When the load ends, a fault still in effect is ended then (its
end's record says so) and the steps not reached are recorded `skipped`.

Steps run one after the other: one that takes long (an exec, a restart waiting for the node) delays the next,
and the recorded start says by how much. The thread lives until `stop()`: a node restarted from it dies with
it (`bench.lifeline` ties a child to the thread that started it), so stop it after the observed window only.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Sequence

from bench.clock import Clock
from bench.errors import ChainmarkError
from bench.results.store import RunStore
from bench.urls import redact_text
from bench.workload.faults import Step
from bench.workload.spec import FAULT_ENDS

OUTPUT_TAIL = 2048  # bytes of an exec's output kept
DONE, FAILED, TIMEOUT, SKIPPED = "done", "failed", "timeout", "skipped"

Apply = Callable[[int, str], str]  # (node, action) -> what was done; raises ChainmarkError if it could not


def run_command(argv: Sequence[str], timeout: float) -> tuple[str, str]:
    """Run an exec step's command; (status, detail: its exit status and the end of its output)."""
    try:
        done = subprocess.run(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        return TIMEOUT, f"killed after {timeout:g} s; output: {_tail(exc.stdout)}"
    except OSError as exc:
        return FAILED, f"cannot run {argv[0]}: {exc.strerror or exc}"
    status = DONE if done.returncode == 0 else FAILED
    return status, f"exit {done.returncode}; output: {_tail(done.stdout)}"


def _tail(output: bytes | str | None) -> str:
    if not output:
        return ""
    data = output.encode() if isinstance(output, str) else output
    return data[-OUTPUT_TAIL:].decode(errors="replace").strip()


class FaultScheduler:
    """Applies `steps` from `start(zero)` until `stop()`, recording each in `store`; `say` reports each step."""

    def __init__(
        self,
        steps: Sequence[Step],
        apply: Apply | None,
        clock: Clock,
        store: RunStore,
        say: Callable[[str], None],
        urls: tuple[str, ...] = (),
    ) -> None:
        self.steps, self.apply, self.clock, self.store, self.say = tuple(steps), apply, clock, store, say
        self.urls = urls  # the run's URLs: their secrets never reach a record from an exec's output
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next = 0  # the first step not yet taken
        self._lock = threading.Lock()
        self.zero = 0.0

    def start(self, zero: float) -> None:
        self.zero = zero
        self.store.set_meta(faults={"zero": zero, "steps": len(self.steps)})
        self._thread = threading.Thread(target=self._run, args=(zero,), name="faults", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the step under way. A fault in effect whose end was not reached is ended now (a node
        left paused or cut off would stall the checks after the window), recorded with when it really
        was; the other steps not reached are recorded as skipped."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            left, self._next = self.steps[self._next :], len(self.steps)
        applied = {
            s.fault for s in self.steps[: len(self.steps) - len(left)] if s.action not in FAULT_ENDS.values()
        }
        for step in left:
            if step.action in FAULT_ENDS.values() and step.fault in applied:
                self._apply_now(step, "at the load's end, before it was due: ")
            else:
                self._record(step, None, SKIPPED, "the load ended before it was due")

    def _run(self, zero: float) -> None:
        for step in self.steps:
            if self._stop.wait(max(0.0, zero + step.at - self.clock.now())):
                return
            with self._lock:
                self._next = step.index + 1
            self._apply_now(step)
        self._stop.wait()  # a node this thread restarted dies with it (bench.lifeline): live until stop()

    def _apply_now(self, step: Step, note: str = "") -> None:
        started = self.clock.now()
        status, detail = self._take(step)
        self._record(step, started, status, note + detail, ended=self.clock.now())
        when = started - self.zero
        self.say(f"fault: {step.action} node {step.node} at {when:.2f} s: {status} ({note}{detail})")

    def _take(self, step: Step) -> tuple[str, str]:
        try:
            if step.action == "exec":
                status, detail = run_command(step.command, step.timeout)
                return status, redact_text(detail, self.urls)
            if self.apply is None:  # the workload's checks refuse this: a process action needs a managed node
                return FAILED, "no managed node to act on"
            return DONE, self.apply(step.node, step.action)
        except (ChainmarkError, OSError) as exc:
            return FAILED, str(exc).splitlines()[0]
        except Exception as exc:
            return FAILED, f"{type(exc).__name__}: {exc}"

    def _record(
        self, step: Step, started: float | None, status: str, detail: str, ended: float | None = None
    ) -> None:
        due = self.zero + step.at
        self.store.add_fault_step(
            (step.index, step.fault, step.node, step.action, due, started, ended, status, detail)
        )
