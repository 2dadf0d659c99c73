"""`sam validate` (SAM's own transform, offline) of each template for every parameter combination.

`sam validate` has no parameter overrides: it transforms the template with each parameter's
Default. So each combination is written as a copy of the template (JSON, the same resources)
whose Defaults are that combination, and validated. A parameter with AllowedValues takes each
of them; CorsAllowOrigin takes "" and "*", ModelUri "" and an s3:// URI; numbers keep their
Default (the transform does not read them). Those form the full product. The access and
bounds parameters and the events switch (PAIRED) are not multiplied in, which would double or
triple the count with each one: each of their other values is validated against a pairwise
cover of the product instead (row i gives every product parameter its i-th value, so each value
of each parameter meets it once), with every other PAIRED parameter at its Default; HttpApiAuth
JWT also sets an issuer and audience. EventsTimeout is not enumerated: each value only picks a
mapping row, which cfn-lint and tests/aws_lambda/test_template_events.py check. The count stays
the product plus two a PAIRED value. Two `sam validate` run at a time, then one cfn-lint run
over every copy.

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


PAIRED = {"FunctionUrlAuth": ["AWS_IAM", "NONE"], "ReservedConcurrency": ["10", "-1"],
          "HttpApiAuth": ["AWS_IAM", "JWT", "NONE"], "EnableEvents": ["false", "true"]}
# What a PAIRED value needs besides: JWT names an issuer and an audience.
WITH = {("HttpApiAuth", "JWT"): {"JwtIssuer": "https://issuer.example.com/",
                                 "JwtAudience": "classifier,classifier-cli"}}
# Not enumerated: each of its values only picks a row of a mapping, which cfn-lint and
# tests/aws_lambda/test_template_events.py check for every allowed value.
NOT_ENUMERATED = {"EventsTimeout"}


def combinations(template: dict[str, Any]) -> list[dict[str, str]]:
    """Every combination of the template's enumerable parameters' values, then each other
    value of a PAIRED parameter against a pairwise cover of those."""
    parameters = template.get("Parameters", {})
    choices = {name: [str(v) for v in spec.get("AllowedValues", EXTRA_VALUES.get(name, []))]
               for name, spec in parameters.items()
               if name not in PAIRED and name not in NOT_ENUMERATED}
    names = [name for name, values in choices.items() if values]
    product = [dict(zip(names, values, strict=True))
               for values in itertools.product(*(choices[n] for n in names))]
    width = max((len(choices[n]) for n in names), default=1)
    cover = [{n: choices[n][i % len(choices[n])] for n in names} for i in range(width)]
    paired = [{**row, name: value, **WITH.get((name, value), {})}
              for name, values in PAIRED.items() if name in parameters
              for value in values if value != str(parameters[name].get("Default"))
              for row in cover]
    return product + paired


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


def lint(paths: list[Path]) -> str:
    """cfn-lint (this interpreter's) over every copy at once; its findings, "" when clean."""
    done = subprocess.run([sys.executable, "-c", "import sys; from cfnlint.runner import main; "
                           "sys.exit(main())", *map(str, paths)],
                          capture_output=True, text=True, timeout=900, check=False)
    return "" if done.returncode == 0 else (done.stdout + done.stderr).strip()


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
        linted = lint([path for _, path in jobs])
    failed = [(label, out) for (label, _), (ok, out) in zip(jobs, results, strict=True) if not ok]
    for label, out in failed:
        print(f"INVALID {label}:\n{out}", file=sys.stderr)
    if linted:
        print(f"cfn-lint:\n{linted}", file=sys.stderr)
    print(f"sam validate: {len(jobs) - len(failed)} of {len(jobs)} parameter combinations valid, "
          f"cfn-lint {'failed' if linted else 'clean'} "
          f"({', '.join(str(t) for t in args.templates)})")
    return 1 if failed or linted else 0


if __name__ == "__main__":
    sys.exit(main())
