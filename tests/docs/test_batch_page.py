"""docs/batch.md names the SAM templates' real event parameters and resources, and its
generated estimates come from the recorded benchmark."""

from __future__ import annotations

import re

import yaml

from tests.docs.blocks import ROOT

PAGE = (ROOT / "docs" / "batch.md").read_text(encoding="utf-8")


class _Loader(yaml.SafeLoader):
    """CloudFormation's short tags (!Ref, !Sub, ...) read as plain values."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def test_every_event_parameter_and_resource_named_is_in_both_templates() -> None:
    named = set(re.findall(r"`(EnableEvents|Events?[A-Z]\w*)[`=]", PAGE))
    assert {"EnableEvents", "EventsBatchSize", "EventFunction"} <= named
    for template in ("template.yaml", "template-zip.yaml"):
        data = yaml.load((ROOT / template).read_text(encoding="utf-8"), Loader=_Loader)
        known = set(data["Parameters"]) | set(data["Resources"]) | set(data.get("Outputs", {}))
        assert named <= known, (template, named - known)


def test_the_estimates_are_generated_from_the_recorded_bench() -> None:
    block = PAGE.split("<!-- gen:batch-estimates:start -->")[1].split("<!-- gen:")[0]
    assert "ms per image" in block and "| 1000 |" in block
