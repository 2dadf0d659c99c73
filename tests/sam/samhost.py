"""Run the SAM CLI with the function containers on the host's network. Test-only.

Why: this project's Docker engine runs without a bridge network (docker/engine.sh), so a
container can reach, and be reached from, 127.0.0.1 only on the host's network. SAM creates
every function container with a published port (the emulator's 8080 mapped to a free host
port) on the default bridge, which does not exist here. This wrapper, run with the SAM CLI's
own Python (`.venv/sam/bin/python tests/sam/samhost.py local invoke ...`), changes only how
containers are created and images built, through docker-py, before SAM starts:

* containers get ``network_mode="host"`` and no published ports; the emulator (SAM starts
  /var/rapid/aws-lambda-rie) listens on 127.0.0.1 at the host port SAM chose, and its
  Runtime API on another free 127.0.0.1 port, instead of 0.0.0.0:8080 and 127.0.0.1:9001;
* image builds (sam build's docker-py builder) use the host's network, as docker/build.sh does.

Everything else is SAM's own code. On an engine with a bridge network none of this is needed.
"""

from __future__ import annotations

import socket
import sys
from typing import Any

from docker.models.containers import ContainerCollection
from docker.models.images import ImageCollection

RIE = "/var/rapid/aws-lambda-rie"
_create = ContainerCollection.create
_build = ImageCollection.build


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def create(self: ContainerCollection, image: str, command: Any = None, **kwargs: Any) -> Any:
    ports = kwargs.pop("ports", None) or {}
    kwargs["network_mode"] = "host"
    entrypoint = kwargs.get("entrypoint")
    published = ports.get("8080")
    if isinstance(entrypoint, list) and entrypoint[:1] == [RIE] and published:
        kwargs["entrypoint"] = [
            RIE, "--runtime-interface-emulator-address", f"127.0.0.1:{published[1]}",
            "--runtime-api-address", f"127.0.0.1:{_free_port()}", *entrypoint[1:]]
    return _create(self, image, command, **kwargs)


def build(self: ImageCollection, **kwargs: Any) -> Any:
    kwargs.setdefault("network_mode", "host")
    return _build(self, **kwargs)


ContainerCollection.create = create
ImageCollection.build = build

if __name__ == "__main__":
    from samcli.cli.main import cli

    sys.argv[0] = "sam"
    sys.exit(cli())
