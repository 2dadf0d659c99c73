"""Reading the SAM templates in the tests: load one, find its function, and see what a stack
with given parameter values would hold.

``deployed`` evaluates the intrinsic functions the templates use to choose (Ref of a parameter,
Fn::If, Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition, Fn::Split) the way CloudFormation
does, written here from CloudFormation's documented semantics rather than taken from a tool the
templates are also checked with; anything else (Fn::Sub, Fn::GetAtt, Ref of a resource) is left
as written. Resources whose Condition is false are left out, as are AWS::NoValue properties.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = {"image": ROOT / "template.yaml", "zip": ROOT / "template-zip.yaml"}
_NO_VALUE = object()


def load(kind: str) -> dict[str, Any]:
    template: dict[str, Any] = cfn_yaml.load(str(TEMPLATES[kind]))
    return template


def function_of(template: dict[str, Any]) -> dict[str, Any]:
    """The HTTP function (the other, EventFunction, exists only with EnableEvents)."""
    functions = [r for r in template["Resources"].values()
                 if r["Type"] == "AWS::Serverless::Function" and "Condition" not in r]
    assert len(functions) == 1, "one unconditional function per template"
    function: dict[str, Any] = functions[0]
    return function


class Stack:
    """The template under ``values`` (parameter name -> value; the rest at their Default)."""

    def __init__(self, template: dict[str, Any], values: dict[str, str]) -> None:
        self.template = template
        self.values = {name: str(spec.get("Default", ""))
                       for name, spec in template["Parameters"].items()} | values

    def condition(self, name: str) -> bool:
        return bool(self.evaluate(self.template["Conditions"][name]))

    def evaluate(self, node: Any) -> Any:
        if isinstance(node, list):
            return [v for v in map(self.evaluate, node) if v is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            [(name, args)] = node.items()
            if name in _FUNCTIONS:
                return _FUNCTIONS[name](self, args)
        return {k: v for k, v in ((k, self.evaluate(v)) for k, v in node.items())
                if v is not _NO_VALUE}


def _ref(stack: Stack, name: str) -> Any:
    if name == "AWS::NoValue":
        return _NO_VALUE
    return stack.values.get(name, {"Ref": name})


def _if(stack: Stack, args: list[Any]) -> Any:
    return stack.evaluate(args[1] if stack.condition(args[0]) else args[2])


_FUNCTIONS: dict[str, Any] = {
    "Ref": _ref,
    "Fn::If": _if,
    "Condition": lambda stack, name: stack.condition(name),
    "Fn::Equals": lambda stack, args: str(stack.evaluate(args[0])) == str(stack.evaluate(args[1])),
    "Fn::Not": lambda stack, args: not stack.evaluate(args[0]),
    "Fn::And": lambda stack, args: all(stack.evaluate(a) for a in args),
    "Fn::Or": lambda stack, args: any(stack.evaluate(a) for a in args),
    "Fn::Split": lambda stack, args: str(stack.evaluate(args[1])).split(args[0]),
}


def deployed(template: dict[str, Any], **values: str) -> dict[str, dict[str, Any]]:
    """The resources a stack of ``template`` with these parameter values creates, evaluated."""
    stack = Stack(template, values)
    return {name: stack.evaluate(resource) for name, resource in template["Resources"].items()
            if "Condition" not in resource or stack.condition(resource["Condition"])}


def of_type(resources: dict[str, dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r["Properties"] for name, r in resources.items() if r["Type"] == kind}
