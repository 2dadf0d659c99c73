"""Run inside an image's root filesystem (its own Python, /var/task): what the function answers
for one photo, and the model-sized pixels it computed on the way, as JSON on stdout's last line.

usage (in the root): python3 /tmp/arch_probe.py PHOTO. Standard library and /var/task only:
it runs under the image's Python, natively for x86_64 and under qemu-user for arm64.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import platform
import sys
import time


def main(photo: str) -> None:
    os.chdir("/var/task")
    sys.path[:0] = ["/var/task", "/var/runtime"]
    from aws_lambda import lambda_function  # the init phase: the model loads
    from core.pipeline.timings import Timings

    with open(photo, "rb") as handle:
        data = handle.read()
    answer = lambda_function.lambda_handler({"image": base64.b64encode(data).decode()}, None)
    deadline = time.monotonic() + 120
    pixels = lambda_function.SERVICE.pipeline.prepare(data, Timings(), deadline)
    print(json.dumps({"machine": platform.machine(), "answer": answer,
                      "pixels": hashlib.sha256(pixels.tobytes()).hexdigest(),
                      "pixels_shape": list(pixels.shape)}))


if __name__ == "__main__":
    main(sys.argv[1])
