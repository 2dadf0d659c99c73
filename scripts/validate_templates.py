"""`sam validate` (SAM's own transform, offline) of each template for every parameter combination.

`sam validate` has no parameter overrides: it transforms the template with each parameter's
Default. So each combination is written as a copy of the template (JSON, the same resources)
whose Defaults are that combination, and validated. A parameter with AllowedValues takes each
of them; CorsAllowOrigin takes "" and "*", ModelUri "" and an s3:// URI; numbers keep their
Default (the transform does not read them). The access and bounds parameters and the events
switch (ALONE) are not multiplied in: each of their other values is validated once, with the
Function URL on and every other parameter at its Default, which keeps the count near the
product of the rest.
Two `sam validate` run at a time.

usage: python scripts/validate_templates.py --sam .venv/sam/bin/sam template.yaml ...
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml

EXTRA_VALUES = {"CorsAllowOrigin": ["", "*"],
                "ModelUri": ["", "s3://models-bucket/hair/hair_classifier_v1.onnx"]}


ALONE = {"FunctionUrlAuth": ["AWS_IAM", "NONE"], "ReservedConcurrency": ["10", "-1"],
         "EnableEvents": ["false", "true"]}
# Not enumerated: each of its values only picks a row of a mapping, which cfn-lint and
# tests/aws_lambda/test_template_events.py check for every allowed value.
NOT_ENUMERATED = {"EventsTimeout"}


def combinations(template: dict[str, Any]) -> list[dict[str, str]]:
    """Every combination of the template's enumerable parameters' values, then each other
    value of an ALONE parameter once (with EnableFunctionUrl "true")."""
    parameters = template.get("Parameters", {})
    choices = {name: [str(v) for v in spec.get("AllowedValues", EXTRA_VALUES.get(name, []))]
               for name, spec in parameters.items()
               if name not in ALONE and name not in NOT_ENUMERATED}
    names = [name for name, values in choices.items() if values]
    product = [dict(zip(names, values, strict=True))
               for values in itertools.product(*(choices[n] for n in names))]
    base = {name: str(parameters[name].get("Default", "")) for name in names}
    base["EnableFunctionUrl"] = "true"
    alone = [{**base, name: value} for name, values in ALONE.items() if name in parameters
             for value in values if value != str(parameters[name].get("Default"))]
    return product + alone


def with_defaults(template: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """A copy of ``template`` whose parameters default to ``values``."""
    copy: dict[str, Any] = json.loads(json.dumps(template))
    for name, value in values.items():
        copy["Parameters"][name]["Default"] = value
    return copy


def validate(sam: str, path: Path) -> tuple[bool, str]:
    done = subprocess.run([sam, "validate", "-t", str(path)], capture_output=True, text=True,
                          timeout=300, check=False)
    return done.returncode == 0, (done.stdout + done.stderr).strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sam", default="sam")
    parser.add_argument("templates", nargs="+", type=Path)
    args = parser.parse_args(argv)
    jobs: list[tuple[str, Path]] = []
    with tempfile.TemporaryDirectory(prefix="validate-") as tmp:
        for template_path in args.templates:
            template = cfn_yaml.load(str(template_path))
            for i, values in enumerate(combinations(template)):
                path = Path(tmp, f"{template_path.stem}-{i}.json")
                path.write_text(json.dumps(with_defaults(template, values), indent=1))
                label = f"{template_path} " + " ".join(f"{k}={v!r}" for k, v in values.items())
                jobs.append((label, path))
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda job: validate(args.sam, job[1]), jobs))
    failed = [(label, out) for (label, _), (ok, out) in zip(jobs, results, strict=True) if not ok]
    for label, out in failed:
        print(f"INVALID {label}:\n{out}", file=sys.stderr)
    print(f"sam validate: {len(jobs) - len(failed)} of {len(jobs)} parameter combinations valid "
          f"({', '.join(str(t) for t in args.templates)})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
