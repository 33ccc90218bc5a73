"""Simulated students walking the learning journey, with think time between steps.

Each user loops: log in -> catalog -> course -> lesson content -> progress,
pausing a seeded random 0.5-1.5 s before every step (so users drift apart
instead of marching in step). Users arrive spread evenly over `ramp_s`
(about one loop), as people do, rather than all signing in in the same
second: a login costs an argon2 hash by design. Each user has its own HTTP client (one
connection, no cookie jar: bearer tokens only) and times every request with
`time.perf_counter`. A request counts as an error when it fails, answers
anything but 200, or answers a body that is not what the step asked for.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

STEPS = ("login", "catalog", "course", "lesson", "progress")
SIGNED_IN_STEPS = ("lesson", "progress")
REQUEST_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class JourneyPlan:
    base_url: str
    course_slug: str
    lesson_ids: tuple[str, ...]  # progress goes to these in turn
    password: str
    loops: int = 3
    think_min_s: float = 0.5
    think_max_s: float = 1.5
    ramp_s: float = 5.0
    seed: int = 2026


@dataclass
class Sample:
    user: int
    step: str
    ms: float
    error: str = ""  # empty: the answer was right
    sent: bool = True  # False: not tried (no token after a failed login), no latency


@dataclass
class JourneyResult:
    samples: list[Sample] = field(default_factory=list)
    seconds: float = 0.0
    cut_short: int = 0  # users stopped by the deadline before finishing their loops

    @property
    def errors(self) -> list[Sample]:
        return [s for s in self.samples if s.error]

    def latencies(self, step: str | None = None) -> list[float]:
        return [s.ms for s in self.samples if s.sent and (step is None or s.step == step)]


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (the value below which pct % of the values fall); 0 if empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def think_times(seed: int, user: int, count: int, low: float, high: float) -> list[float]:
    """The pauses of one user, the same on every run for the same seed and user."""
    rng = random.Random(seed * 100_003 + user)
    return [rng.uniform(low, high) for _ in range(count)]


def no_cookies() -> CookieJar:
    """A jar that accepts nothing: every request carries only its bearer token."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def check_step(step: str, status: int, body: Any, plan: JourneyPlan, lesson_id: str) -> str:
    """Why the answer to `step` is wrong; empty when it is right."""
    if status != 200:
        return f"{step} answered {status}"
    if not isinstance(body, dict):
        return f"{step} answered a body that is not an object"
    right = {
        "login": lambda: isinstance(body.get("access_token"), str),
        "catalog": lambda: isinstance(body.get("items"), list) and body["items"],
        "course": lambda: body.get("slug") == plan.course_slug and body.get("curriculum"),
        "lesson": lambda: body.get("slug") == plan.course_slug and body.get("sections"),
        "progress": lambda: any(item.get("lesson_id") == lesson_id for item in body["lessons"]),
    }[step]
    try:
        return "" if right() else f"{step} answered an unexpected body"
    except (KeyError, TypeError, AttributeError):
        return f"{step} answered an unexpected body"


class _User:
    def __init__(self, plan: JourneyPlan, user: int, email: str, client: httpx.AsyncClient):
        self.plan = plan
        self.user = user
        self.email = email
        self.client = client
        self.token = ""

    def request(self, step: str, position: int, lesson_id: str) -> tuple[str, str, dict[str, Any]]:
        """(method, path, httpx keyword arguments) of one step."""
        auth = {"Authorization": f"Bearer {self.token}"}
        slug = self.plan.course_slug
        if step == "login":
            return (
                "POST",
                "/api/v1/auth/login",
                {"json": {"email": self.email, "password": self.plan.password}},
            )
        if step == "catalog":
            return "GET", "/api/v1/courses", {}
        if step == "course":
            return "GET", f"/api/v1/courses/{slug}", {}
        if step == "lesson":
            return "GET", f"/api/v1/courses/{slug}/content", {"headers": auth}
        return (
            "PUT",
            f"/api/v1/lessons/{lesson_id}/progress",
            {
                "headers": auth,
                "json": {"position_seconds": position},
            },
        )

    async def step(self, step: str, position: int, lesson_id: str) -> Sample:
        if step in SIGNED_IN_STEPS and not self.token:
            return Sample(self.user, step, 0.0, f"{step} not tried: not signed in", sent=False)
        method, path, kwargs = self.request(step, position, lesson_id)
        started = time.perf_counter()
        try:
            response = await self.client.request(method, path, **kwargs)
            elapsed = (time.perf_counter() - started) * 1000
            body = response.json() if response.content else None
            error = check_step(step, response.status_code, body, self.plan, lesson_id)
        except (httpx.HTTPError, ValueError) as exc:
            elapsed = (time.perf_counter() - started) * 1000
            error = f"{step} failed: {type(exc).__name__}"
            body = None
        if step == "login" and not error and isinstance(body, dict):
            self.token = str(body["access_token"])
        return Sample(self.user, step, elapsed, error)


async def _walk(
    plan: JourneyPlan, user: int, email: str, arrival_s: float, deadline: float
) -> tuple[list[Sample], bool]:
    """One user's loops, starting `arrival_s` in; True when the deadline stopped it early."""
    await asyncio.sleep(arrival_s)
    pauses = think_times(
        plan.seed, user, plan.loops * len(STEPS), plan.think_min_s, plan.think_max_s
    )
    positions = random.Random(plan.seed + user).choices(range(1, 600), k=plan.loops)
    samples: list[Sample] = []
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(
        base_url=plan.base_url, limits=limits, timeout=REQUEST_TIMEOUT_S, cookies=no_cookies()
    ) as client:
        walker = _User(plan, user, email, client)
        pause = iter(pauses)
        for loop in range(plan.loops):
            lesson_id = plan.lesson_ids[(user + loop) % len(plan.lesson_ids)]
            for step in STEPS:
                await asyncio.sleep(next(pause))
                if time.monotonic() >= deadline:
                    return samples, True
                samples.append(await walker.step(step, positions[loop], lesson_id))
    return samples, False


async def _run_users(plan: JourneyPlan, users: dict[int, str], max_seconds: float) -> JourneyResult:
    started = time.monotonic()
    deadline = started + max_seconds
    step = plan.ramp_s / len(users) if users else 0.0
    walks = await asyncio.gather(
        *(
            _walk(plan, n, email, index * step, deadline)
            for index, (n, email) in enumerate(users.items())
        )
    )
    result = JourneyResult(seconds=time.monotonic() - started)
    for samples, cut_short in walks:
        result.samples.extend(samples)
        result.cut_short += int(cut_short)
    return result


def run_journeys(plan: JourneyPlan, users: dict[int, str], max_seconds: float) -> JourneyResult:
    """Walk every user (number -> email) concurrently, stopping all at `max_seconds`."""
    return asyncio.run(_run_users(plan, users, max_seconds))
