"""The cost table's ceilings are the ones the artefacts ship: a changed default fails here."""

from __future__ import annotations

import math

from cfnlint.decode import cfn_yaml

from benchmarks import cost
from tests.docs.blocks import ROOT

AWS, GCP, AZURE = cost.PLATFORMS


def test_the_aws_row_follows_both_templates() -> None:
    for name in ("template.yaml", "template-zip.yaml"):
        parameters = cfn_yaml.load(str(ROOT / name))["Parameters"]
        assert AWS.instances == parameters["ReservedConcurrency"]["Default"], name
        assert AWS.rate_limit == parameters["ThrottleRate"]["Default"], name
        gb = parameters["MemorySize"]["Default"] / 1024
        assert math.isclose(AWS.per_second, gb * cost.LAMBDA_GB_SECOND), name


def test_the_gcp_and_azure_rows_follow_their_guides() -> None:
    gcp = (ROOT / "docs" / "deploy-gcp.md").read_text(encoding="utf-8")
    assert f"--max-instances {GCP.instances}" in gcp
    assert f"--concurrency {GCP.concurrency}" in gcp and "--memory 1Gi --cpu 1" in gcp
    assert "--allow-unauthenticated \\" not in gcp and "--no-allow-unauthenticated" in gcp
    azure = (ROOT / "docs" / "deploy-azure.md").read_text(encoding="utf-8")
    assert f"--maximum-instance-count {AZURE.instances}" in azure
    assert "AZURE_AUTH_LEVEL=function" in azure


def test_a_rate_limit_bounds_requests_and_the_ceiling_bounds_the_bill() -> None:
    requests, at_ms, ceiling = cost.per_hour(AWS, 18.3)
    assert requests == 20 * 3600
    assert at_ms <= ceiling
    slow = cost.per_hour(GCP, 10_000.0)  # every request stalls 10 s
    assert slow[0] == GCP.instances * GCP.concurrency / 10 * 3600
    assert math.isclose(slow[1], slow[2])


def test_every_price_is_either_checked_or_flagged_in_the_table() -> None:
    prices = {name for name, value in vars(cost).items()
              if name.isupper() and isinstance(value, float)}
    assert prices == set(cost.CHECKED) | set(cost.UNCONFIRMED)
    assert not set(cost.CHECKED) & set(cost.UNCONFIRMED)
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    checked, flagged = text.split("Not confirmed there", 1)  # the generated note
    assert all(label in checked.rsplit("Measured:", 1)[1] for label in cost.CHECKED.values())
    assert all(label in flagged.split("\n", 1)[0] for label in cost.UNCONFIRMED.values())
