"""Rewrite the architecture in a `docker save` archive's image config (stdlib only).

Docker 20.10's `docker import --platform` is ignored by a daemon without multi-platform
support, so an imported arm64 root filesystem is labelled amd64; this puts the right value in
the config before `docker load`. usage: python set_arch.py IN.tar OUT.tar arm64
"""

from __future__ import annotations

import io
import json
import sys
import tarfile


def main(source: str, target: str, arch: str) -> None:
    with tarfile.open(source) as old, tarfile.open(target, "w") as new:
        for member in old:
            data = old.extractfile(member) if member.isfile() else None
            if data is not None and "/" not in member.name and member.name.endswith(".json") \
                    and member.name != "manifest.json":
                config = json.load(data)
                config["architecture"] = arch
                if arch == "arm64":
                    config["variant"] = "v8"
                body = json.dumps(config, separators=(",", ":")).encode()
                member.size = len(body)
                new.addfile(member, io.BytesIO(body))
            else:
                new.addfile(member, data)


if __name__ == "__main__":
    main(*sys.argv[1:4])
