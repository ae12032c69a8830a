"""The figures of bench/load.py: percentiles by route, the steps of a ramp, and their tables."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import harness
from load_client import BASELINE, ROUTES, Driver, Sample
from load_machine import MACHINE, ROLES, CpuMeter, difference, load_average

GOAL_MS = 200


@dataclass(frozen=True)
class Figures:
    count: int
    errors: int
    p50: float
    p95: float
    p99: float

    @classmethod
    def of(cls, samples: list[Sample]) -> Figures:
        times = [sample.ms for sample in samples] or [0.0]
        return cls(
            count=len(samples),
            errors=sum(1 for sample in samples if sample.error),
            p50=harness.percentile(times, 50),
            p95=harness.percentile(times, 95),
            p99=harness.percentile(times, 99),
        )

    def cells(self) -> str:
        return (
            f"{self.count:,} | {self.errors:,} | {self.p50:.0f} | {self.p95:.0f} | {self.p99:.0f}"
        )


def within(samples: list[Sample], start: float, end: float) -> list[Sample]:
    return [sample for sample in samples if start <= sample.due <= end]


def answered_rate(samples: list[Sample], start: float) -> float:
    """Answers (errors included) a second, from the first arrival to the last answer."""
    if not samples:
        return 0.0
    end = max(sample.due + sample.ms / 1000 for sample in samples)
    return len(samples) / (end - start)


def error_lines(samples: list[Sample]) -> list[str]:
    counted = Counter((sample.route, sample.error) for sample in samples if sample.error)
    return [f"- {count}× {route}: {error}" for (route, error), count in counted.most_common(10)]


@dataclass(frozen=True)
class Step:
    rate: float
    start: float
    seconds: float  # from the first arrival to the end of the step
    samples: list[Sample]
    cpu: dict[str, float]
    load_before: str
    load_after: str


def step(
    driver: Driver,
    meter: CpuMeter,
    rate: float,
    seconds: float,
    keep_going: Callable[[], bool] | None = None,
) -> Step:
    before, load_before, start = meter.totals(), load_average(), time.monotonic()
    samples = driver.run(rate, seconds, keep_going)
    cpu = difference(meter.totals(), before)
    return Step(rate, start, time.monotonic() - start, samples, cpu, load_before, load_average())


def route_table(samples: list[Sample]) -> list[str]:
    lines = [
        "| route | weight | requests | errors | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for route in ROUTES:
        mine = [sample for sample in samples if sample.route == route.name]
        lines.append(f"| {route.name} | {route.weight} | {Figures.of(mine).cells()} |")
    lines.append(f"| **all** | 100 | {Figures.of(samples).cells()} |")
    return lines


def ramp_table(steps: list[Step], shown: set[str]) -> list[str]:
    roles = [role for role in (*ROLES, MACHINE) if role in shown or role == MACHINE]
    lines = [
        "| req/s asked | achieved | requests | errors | p50 ms | p95 ms | p99 ms "
        f"| baseline p95 ms | CPU % of the machine: {' / '.join(roles)} |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    cores = os.cpu_count() or 1
    for one in steps:
        baseline = Figures.of([s for s in one.samples if s.route == BASELINE])
        cpu = " / ".join(f"{100 * one.cpu[role] / (one.seconds * cores):.0f}" for role in roles)
        lines.append(
            f"| {one.rate:g} | {answered_rate(one.samples, one.start):.1f} "
            f"| {Figures.of(one.samples).cells()} | {baseline.p95:.0f} | {cpu} |"
        )
    return lines


def crossing(steps: list[Step]) -> str:
    below = None
    for one in steps:
        p95 = Figures.of(one.samples).p95
        if p95 >= GOAL_MS:
            if below is None:
                return f"p95 is {p95:.0f} ms, over {GOAL_MS} ms already at {one.rate:g} req/s."
            return (
                f"p95 crosses {GOAL_MS} ms between {below:g} and {one.rate:g} req/s "
                f"({p95:.0f} ms at {one.rate:g})."
            )
        below = one.rate
    return f"p95 stays under {GOAL_MS} ms up to {steps[-1].rate:g} req/s."


def verdict(met: bool) -> str:
    return "met" if met else "**missed**"
