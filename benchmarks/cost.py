"""The worst case a stranger can cost per hour under each cloud's shipped defaults.

Prices are list prices for the cheapest region tier, copied by hand (they change: update the
constant and its source together); ms per request is the default model's measured median from
docs/data/bench.json. ``scripts/gendocs.py`` renders ``markdown`` into docs/security.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

# https://aws.amazon.com/lambda/pricing/ (x86, us-east-1, first 6 billion GB-s a month)
LAMBDA_GB_SECOND = 0.0000166667
LAMBDA_PER_MILLION = 0.20
# https://aws.amazon.com/api-gateway/pricing/ (HTTP APIs, first 300 million a month)
HTTP_API_PER_MILLION = 1.00
# https://cloud.google.com/run/pricing (Cloud Run functions, request-based billing, tier 1)
GCP_VCPU_SECOND = 0.000024
GCP_GIB_SECOND = 0.0000025
GCP_PER_MILLION = 0.40
# https://azure.microsoft.com/pricing/details/functions/ (Flex Consumption, on demand)
AZURE_GB_SECOND = 0.000026
AZURE_PER_MILLION = 0.40


@dataclass(frozen=True)
class Platform:
    """One cloud's shipped ceiling: instances, requests each serves at once, the front door's
    rate limit (None: none), price per instance-second and per request, and where it is set."""

    name: str
    instances: int
    concurrency: int
    rate_limit: float | None
    per_second: float
    per_request: float
    knob: str


PLATFORMS = (
    Platform("AWS Lambda + HTTP API", 10, 1, 20.0, 2 * LAMBDA_GB_SECOND,
             (LAMBDA_PER_MILLION + HTTP_API_PER_MILLION) / 1e6,
             "`ReservedConcurrency` 10, `ThrottleRate` 20/s, 2048 MB"),
    Platform("Google Cloud Functions", 10, 4, None, GCP_VCPU_SECOND + GCP_GIB_SECOND,
             GCP_PER_MILLION / 1e6, "`--max-instances 10`, `--concurrency 4`, 1 vCPU, 1 GiB"),
    Platform("Azure Functions (Flex)", 10, 1, None, 2 * AZURE_GB_SECOND,
             AZURE_PER_MILLION / 1e6, "`--maximum-instance-count 10`, 2048 MB"),
)


def measured_ms(bench: dict[str, Any]) -> float:
    """The default model's median ms per request through the Lambda handler."""
    return float(bench["models"]["clothing (default)"]["latency"]["validation"]
                 ["latency_ms"]["lambda"]["median"])


def per_hour(platform: Platform, ms: float) -> tuple[float, float, float]:
    """(requests an hour at most, dollars an hour at ``ms`` a request, dollars an hour with
    every instance busy all hour, as slow requests keep it)."""
    capacity = platform.instances * platform.concurrency / (ms / 1000)
    rate = min(capacity, platform.rate_limit or math.inf)
    requests = rate * 3600
    busy = min(platform.instances * 3600.0, requests * ms / 1000 / platform.concurrency)
    at_ms = busy * platform.per_second + requests * platform.per_request
    ceiling = platform.instances * 3600 * platform.per_second + requests * platform.per_request
    return requests, at_ms, ceiling


def markdown(bench: dict[str, Any]) -> str:
    """The table, one row a platform."""
    ms = measured_ms(bench)
    rows = [f"Measured: {ms:g} ms a request (default model, `docs/data/bench.json`); prices "
            "from each platform's price page, as `benchmarks/cost.py` names them (check them "
            "there before relying on the figures).", "",
            "| platform | defaults | requests/hour at most | $/hour at that rate | "
            "$/hour ceiling (every instance busy) |", "|---|---|---|---|---|"]
    for platform in PLATFORMS:
        requests, at_ms, ceiling = per_hour(platform, ms)
        rows.append(f"| {platform.name} | {platform.knob} | {requests:,.0f} | "
                    f"{at_ms:.2f} | {ceiling:.2f} |")
    return "\n".join(rows)
