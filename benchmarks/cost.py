"""The worst case a stranger can cost per hour under each cloud's shipped defaults.

Prices are list prices, copied by hand with where each was read and what that page said (they
change: update the constant and its source together). ``CHECKED`` names the prices the
provider's own page was seen to state; the others come from secondary sources and the table
says so. ms per request is the default model's measured median from docs/data/bench.json.
``scripts/gendocs.py`` renders ``markdown`` into docs/security.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

# x86, US East (N. Virginia), first tier (6 billion GB-s a month); the template's default
# Architecture is x86_64. https://aws.amazon.com/lambda/pricing/ : "The monthly compute price
# is $0.00001667 per GB-s", "$0.20 per 1 million requests"; the same two figures in
# https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html
# ("$0.00001667 for every GB-second", "$0.20 per 1 million requests"). 0.0000166667 is the
# tier table's unrounded figure (arm64: 0.0000133334, not used here).
LAMBDA_GB_SECOND = 0.0000166667
LAMBDA_PER_MILLION = 0.20
# HTTP APIs, us-east-1, first 300 million a month: https://docs.aws.amazon.com/whitepapers/
# latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html : "First
# 300 million requests (per month): $1.00 (per million)".
HTTP_API_PER_MILLION = 1.00
# Cloud Run functions bill as Cloud Run (https://cloud.google.com/functions/pricing-1stgen:
# "see the Cloud Run pricing page"); request-based billing (CPU only during requests, the
# default for functions), Tier 1 regions (europe-west1, the guide's, is one).
# https://cloud.google.com/run/pricing : "Pricing for services with CPU only allocated during
# request processing ... Tier 1 $0.00002400 / vCPU-second beyond free tier". Its memory and
# request cells were not in the copy read; memory 0.0000025 / GiB-s and 0.40 per million
# requests are what https://cloudchipr.com/blog/cloud-run-pricing and
# https://cloudwebschool.com/tools/cloud-run-cost-calculator/ state.
GCP_VCPU_SECOND = 0.000024
GCP_GIB_SECOND = 0.0000025
GCP_PER_MILLION = 0.40
# Flex Consumption, on demand: https://azure.microsoft.com/pricing/details/functions/ shows
# its prices only in the browser ("$-" in the page's text). https://modal.com/blog/
# azure-function-pricing-guide (May 2025, East US): "Execution Time: $0.000026 per GB-second";
# its executions price was not in the copy read, 0.40 per million is unconfirmed.
AZURE_GB_SECOND = 0.000026
AZURE_PER_MILLION = 0.40

# Each price above by name: those a provider's own page was seen to state, and the rest.
CHECKED = {"LAMBDA_GB_SECOND": "Lambda per GB-second", "LAMBDA_PER_MILLION": "Lambda per request",
           "HTTP_API_PER_MILLION": "HTTP API per request",
           "GCP_VCPU_SECOND": "Cloud Run per vCPU-second"}
UNCONFIRMED = {"GCP_GIB_SECOND": "Cloud Run per GiB-second",
               "GCP_PER_MILLION": "Cloud Run per request",
               "AZURE_GB_SECOND": "Azure Flex Consumption per GB-second",
               "AZURE_PER_MILLION": "Azure Flex Consumption per execution"}


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
    rows = [f"Measured: {ms:g} ms a request (default model, `docs/data/bench.json`). Prices: "
            "list prices, first tier, US East or a Tier 1 region, each with its source in "
            "`benchmarks/cost.py`. Read on the provider's own page: "
            f"{', '.join(CHECKED.values())}. Not confirmed there (secondary sources; check "
            f"before relying on them): {', '.join(UNCONFIRMED.values())}.", "",
            "| platform | defaults | requests/hour at most | $/hour at that rate | "
            "$/hour ceiling (every instance busy) |", "|---|---|---|---|---|"]
    for platform in PLATFORMS:
        requests, at_ms, ceiling = per_hour(platform, ms)
        rows.append(f"| {platform.name} | {platform.knob} | {requests:,.0f} | "
                    f"{at_ms:.2f} | {ceiling:.2f} |")
    return "\n".join(rows)
