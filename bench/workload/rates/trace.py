"""`trace`, open loop: replays (time offset, tps) points from a file, interpolated or stepped, scaled."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from bench.workload.limits import MAX_TPS, MAX_TRACE_SCALE
from bench.workload.rates.base import OPEN_LOOP, Keys, Length, Loop, Pacing, TxCount, scheduled
from bench.workload.rates.trace_file import read_trace
from bench.workload.reader import Reader

if TYPE_CHECKING:
    import numpy as np

    from bench.workload.spec import Round

MODES = ("interpolate", "step")
FILE = {
    "type": "string",
    "description": "CSV (t_s,tps) or YAML ([[t_s, tps], ...]), relative to the workload",
}


@dataclass(frozen=True, slots=True)
class Trace:
    """Open loop: replay (time offset s, tps) points from a file, interpolated or stepped, scaled."""

    points: tuple[tuple[float, float], ...]
    mode: str = "interpolate"  # or "step"
    file: str = ""
    kind: str = "trace"

    keys: ClassVar[Keys] = Keys(
        required={"file": FILE},
        optional={
            "mode": {"enum": list(MODES)},
            "scale": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_TRACE_SCALE},
        },
    )
    loop: ClassVar[Loop] = OPEN_LOOP

    @classmethod
    def read(cls, fields: dict[str, Reader]) -> Trace:
        """The file's points times `scale`; the file is read here, at the YAML edge, beside the workload."""
        mode = fields["mode"].string() if "mode" in fields else "interpolate"
        if mode not in MODES:
            raise fields["mode"].fail("expected interpolate or step")
        scale = fields["scale"].positive(MAX_TRACE_SCALE) if "scale" in fields else 1.0
        name = fields["file"].string()
        points = read_trace(fields["file"], Path(fields["file"].path).parent / name)
        peak = max(tps for _, tps in points) * scale
        if peak > MAX_TPS:
            raise fields["scale"].fail(
                f"the scaled trace peaks at {peak:g} tps, over the limit of {MAX_TPS:g}"
            )
        return cls(points=tuple((t, tps * scale) for t, tps in points), mode=mode, file=name)

    def length(self) -> Length:
        return Length(own=self.points[-1][0])

    def count(self, rnd: Round) -> TxCount:
        """The integral of the trace over the round: trapezoids (interpolate) or rectangles (step), the last
        rate held past the last point."""
        assert rnd.duration is not None
        duration, total = rnd.duration, 0.0
        points = [*self.points, (max(duration, self.points[-1][0]), self.points[-1][1])]
        for (t0, r0), (t1, r1) in itertools.pairwise(points):
            if t0 >= duration:
                break
            end = min(t1, duration)
            r_end = r0 + (r1 - r0) * (end - t0) / (t1 - t0) if self.mode == "interpolate" and t1 > t0 else r0
            total += (end - t0) * ((r0 + r_end) / 2)
        return TxCount(math.ceil(total), fixed=False)

    def offsets(self, rnd: Round, seed: int) -> np.ndarray:
        from bench.workload.rates.piecewise import piecewise_offsets  # numpy: only when planning

        assert rnd.duration is not None
        times, rates = zip(*self.points, strict=True)
        return piecewise_offsets(list(times), list(rates), self.mode, rnd.duration)

    def pacing(self, rnd: Round, count: int) -> Pacing:
        return scheduled(rnd, count)

    def describe(self) -> dict[str, Any]:
        """Its fields, with the number of its points instead of the points (a trace can be long)."""
        return {"trace_points": len(self.points), "mode": self.mode, "file": self.file}
