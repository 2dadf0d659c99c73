"""The docs' SigV4 examples (docs/security.md) sign what AWS checks, for the right service.

Each ``python - <<'PY'`` block that signs with botocore is run as written, with only its URL
pointed at a server on 127.0.0.1 and REGION filled in, under placeholder credentials. The
server records the request; its Authorization header is then recomputed here from the AWS
Signature Version 4 specification (canonical request, string to sign, HMAC-SHA256 key chain)
with hashlib and hmac, not botocore, and must match, for the service each block names:
"execute-api" for the HTTP API, "lambda" for the Function URL.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import urlsplit

import pytest

from tests.docs.blocks import ROOT
from tests.processes import in_thread

KEY_ID, SECRET, REGION = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "eu-west-1"
_BLOCK = re.compile(r"^python - <<'PY'\n(.*?)^PY$", re.S | re.M)


def signing_blocks() -> list[str]:
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    return [b for b in _BLOCK.findall(text) if "SigV4Auth" in b]


class Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append({"method": "POST", "path": self.path, "body": body,
                          "headers": {k.lower(): v for k, v in self.headers.items()}})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


def expected_signature(seen: dict[str, Any], scope: list[str]) -> str:
    """SigV4 from the specification, over the headers the request says it signed."""
    headers, amz_date = seen["headers"], seen["headers"]["x-amz-date"]
    names = re.search(r"SignedHeaders=([^,]+)", headers["authorization"])
    assert names is not None
    signed = names[1].split(";")
    path, _, query = seen["path"].partition("?")
    canonical = "\n".join([seen["method"], path, query,
                           "".join(f"{n}:{headers[n].strip()}\n" for n in signed),
                           ";".join(signed), hashlib.sha256(seen["body"]).hexdigest()])
    date, region, service, _ = scope
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, "/".join(scope),
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + SECRET).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def test_the_docs_sign_the_http_api_and_the_function_url() -> None:
    services = [re.search(r'SigV4Auth\(.*?, "([a-z-]+)", "REGION"\)', b) for b in
                signing_blocks()]
    assert [m[1] for m in services if m] == ["execute-api", "lambda"]


@pytest.mark.parametrize("block", signing_blocks(), ids=["http-api", "function-url"])
def test_a_docs_sigv4_block_signs_its_request(block: str) -> None:
    [url] = re.findall(r'"(https://[^"]+/predict)"', block)
    service = "execute-api" if ".execute-api." in url else "lambda"
    Recorder.seen = []
    with in_thread(ThreadingHTTPServer(("127.0.0.1", 0), Recorder)) as server:
        local = f"http://127.0.0.1:{server.server_address[1]}{urlsplit(url).path}"
        code = block.replace(url, local).replace('"REGION"', f'"{REGION}"')
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
               "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET,
               "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": os.devnull,
               "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
        done = subprocess.run([sys.executable, "-"], input=code, env=env, capture_output=True,
                              text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.replace("'", '"')) == {}
    [seen] = Recorder.seen
    assert json.loads(seen["body"]) == {"url": "https://..."}
    header = seen["headers"]["authorization"]
    credential = re.search(r"Credential=([^,]+)", header)
    assert credential is not None and header.startswith("AWS4-HMAC-SHA256 ")
    key_id, *scope = credential[1].split("/")
    assert (key_id, scope[1:]) == (KEY_ID, [REGION, service, "aws4_request"])
    assert scope[0] == seen["headers"]["x-amz-date"][:8]
    assert {"host", "x-amz-date"} <= set(re.findall(r"SignedHeaders=([^,]+)",
                                                    header)[0].split(";"))
    assert header.endswith(f"Signature={expected_signature(seen, scope)}")
