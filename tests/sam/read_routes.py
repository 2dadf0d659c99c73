"""Print, as JSON, the routes `sam local start-api` would serve for a template. Test-only.

Run with the SAM CLI's own Python (`.venv/sam/bin/python tests/sam/read_routes.py TEMPLATE
[Name=Value ...]`): it reads the template as start-api does (SAM's stack provider with the
parameter overrides, then SAM's API provider) and prints each route's path, methods, function,
payload format and linked authorizer, without starting a server or a container.
"""

from __future__ import annotations

import json
import sys

from samcli.lib.providers.api_provider import ApiProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider


def main() -> None:
    overrides = dict(arg.split("=", 1) for arg in sys.argv[2:])
    stacks, _ = SamLocalStackProvider.get_stacks(sys.argv[1], parameter_overrides=overrides)
    routes = [{"path": r.path, "methods": sorted(r.methods), "function": r.function_name,
               "payload": r.payload_format_version, "authorizer": r.authorizer_name}
              for r in ApiProvider(stacks).routes]
    print(json.dumps(routes))


if __name__ == "__main__":
    main()
