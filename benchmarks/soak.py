"""Soak test: ``python -m core serve`` under 8 concurrent clients, mixed good and hostile requests.

    python -m benchmarks.soak --requests 10000 --clients 8

Starts an image server and the service (a subprocess, URL_ALLOWLIST=127.0.0.1/32 plus the image
server's port) on 127.0.0.1, warms up, then sends the mix. Every good answer must equal its serial
answer; asserts zero 500s and RSS growth under 10% after warm-up. Then good requests alone are
timed twice, without and with attackers (``benchmarks.attacks``: slow clients holding
connections, and decoder bombs): good clients' throughput under attack, the bombs' answers (no
5xx) and the server's peak RSS are reported. Then the connection-level phases
(``benchmarks.soak_server``: idle sockets, chunk extensions, ``Expect``) run with their targets.
``--only-server`` runs those alone; ``--service-root DIR`` serves another checkout's code (a
before/after comparison on one machine). Writes build/bench/soak.json.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from benchmarks import soak_server
from benchmarks.attacks import Attack
from benchmarks.common import stop
from benchmarks.soak_clients import Case, Client, run
from tests import images

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench" / "soak.json"
FILES = {"/a.jpg": images.jpeg(640, 480, seed=1), "/b.png": images.png_rgba(300, 200),
         "/c.gif": images.palette_gif(3, 200, 150), "/bad.jpg": images.jpeg()[:900]}


class _Images(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        data = FILES.get(self.path)
        self.send_response(200 if data is not None else 404)
        self.send_header("Content-Length", str(len(data or b"")))
        self.end_headers()
        self.wfile.write(data or b"")

    def log_message(self, format: str, *args: object) -> None:
        pass


def cases(image_port: int) -> list[Case]:
    """The request mix: one of each, cycled."""
    def url(u: str) -> bytes:
        return json.dumps({"url": u}).encode()
    base = f"http://127.0.0.1:{image_port}"
    return [
        ("url-jpeg", url(base + "/a.jpg"), "application/json", 200),
        ("url-png", url(base + "/b.png"), "application/json", 200),
        ("url-gif", url(base + "/c.gif"), "application/json", 200),
        ("raw-jpeg", FILES["/a.jpg"], "image/jpeg", 200),
        ("raw-png", FILES["/b.png"], "image/png", 200),
        ("url-metadata", url("http://169.254.169.254/latest/meta-data/"), "application/json", 400),
        ("url-ftp", url("ftp://example.com/a.jpg"), "application/json", 400),
        ("url-404", url(base + "/missing.jpg"), "application/json", 422),
        ("url-corrupt", url(base + "/bad.jpg"), "application/json", 422),
        ("raw-corrupt", FILES["/bad.jpg"], "image/jpeg", 422),
        ("bad-json", b'{"url": ', "application/json", 400),
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kb(pid: int, field: str = "VmRSS:") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    return 0


def start_service(port: int, image_port: int, root: Path = ROOT) -> subprocess.Popen[bytes]:
    env = {**os.environ, "URL_ALLOWLIST": "127.0.0.1/32", "ALLOWED_PORTS": f"80,443,{image_port}",
           "ALLOW_PRIVATE_URLS": "false", "LOG_LEVEL": "ERROR", "MODEL_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "core", "serve", "--host", "127.0.0.1",
                             "--port", str(port)], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ends = time.monotonic() + 60
    while time.monotonic() < ends:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the service did not start within 60 s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--budget", type=float, default=600.0, help="seconds, at most")
    parser.add_argument("--attack-requests", type=int, default=300,
                        help="good requests timed without, then with the attackers")
    parser.add_argument("--slow-clients", type=int, default=32)
    parser.add_argument("--bomb-clients", type=int, default=2)
    parser.add_argument("--only-server", action="store_true",
                        help="only the connection-level phases")
    parser.add_argument("--service-root", type=Path, default=ROOT,
                        help="serve this checkout's code (default: this one)")
    soak_server.add_arguments(parser)
    args = parser.parse_args(argv)
    images_server = ThreadingHTTPServer(("127.0.0.1", 0), _Images)
    images_server.daemon_threads = True
    threading.Thread(target=images_server.serve_forever, daemon=True).start()
    image_port, port = int(images_server.server_address[1]), free_port()
    proc = start_service(port, image_port, args.service_root)
    try:
        mix = cases(image_port)
        client = Client(port)
        serial = {name: json.loads(client.post(body, kind)[1])
                  for name, body, kind, status in mix if status == 200}
        result = {} if args.only_server else mixed(proc.pid, port, mix, serial, args)
        good = [case for case in mix if case[3] == 200]
        result["server"] = soak_server.phases(
            port, lambda seconds, clients: run(port, good, 10**9, clients, serial, seconds), args)
    finally:
        stop(proc)
        images_server.shutdown()
    report(result)
    failures = soak_server.check(result["server"])
    failures += [] if args.only_server else check(result, args.requests)
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0


def mixed(pid: int, port: int, mix: list[Case], serial: dict[str, Any],
          args: argparse.Namespace) -> dict[str, Any]:
    """The mix after a warm-up, RSS growth across it, then the slow-client and bomb phase."""
    run(port, mix, args.warmup, args.clients, serial, args.budget)
    rss_start = rss_kb(pid)
    result = run(port, mix, args.requests, args.clients, serial, args.budget)
    rss_end = rss_kb(pid)
    result["under_attack"] = attacked(port, mix, serial, args)
    result["under_attack"]["server_peak_rss_kb"] = rss_kb(pid, "VmHWM:")
    result.update(clients=args.clients, warmup=args.warmup, rss_start_kb=rss_start,
                  rss_end_kb=rss_end, rss_growth_pct=round(100 * (rss_end / rss_start - 1), 2))
    return result


def attacked(port: int, mix: list[Case], serial: dict[str, Any],
             args: argparse.Namespace) -> dict[str, Any]:
    """Good requests alone, then the same number while slow clients and bombs run."""
    good = [case for case in mix if case[3] == 200]
    quiet = run(port, good, args.attack_requests, args.clients, serial, args.budget)
    attack = Attack(port, args.slow_clients, args.bomb_clients)
    attack.start()
    time.sleep(2.0)  # the slow clients connect and the first bombs land
    try:
        loud = run(port, good, args.attack_requests, args.clients, serial, args.budget)
    finally:
        seen = attack.stop()
    return {"good_alone": quiet, "good_under_attack": loud,
            "throughput_ratio": round(loud["throughput_rps"] / quiet["throughput_rps"], 3),
            "slow_clients": args.slow_clients, "bomb_clients": args.bomb_clients, **seen}


def report(result: dict[str, Any]) -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    for key, value in result.items():
        print(f"{key:<16} {value}")
    print(f"wrote {OUT.relative_to(ROOT)}")


def check(result: dict[str, Any], wanted: int) -> list[str]:
    failures = []
    if result["requests"] < wanted:
        failures.append(f"only {result['requests']} of {wanted} requests within the budget")
    if any(int(code) >= 500 or code == "0" for code in result["status"]):
        failures.append(f"5xx or transport errors: {result['status']}")
    if result["wrong_answers"]:
        failures.append(f"wrong answers: {result['wrong_answers']}")
    if result["rss_growth_pct"] >= 10:
        failures.append(f"RSS grew {result['rss_growth_pct']}%")
    attack = result["under_attack"]
    for phase in ("good_alone", "good_under_attack"):
        if attack[phase]["wrong_answers"] or set(attack[phase]["status"]) != {"200"}:
            failures.append(f"{phase}: {attack[phase]['status']} {attack[phase]['wrong_answers']}")
    bad = {k: v for k, v in attack["bomb_statuses"].items()
           if k.endswith(":transport") or k.split(":")[1].startswith("5")}
    if bad:
        failures.append(f"bombs answered with 5xx or broke the connection: {bad}")
    return failures


if __name__ == "__main__":
    sys.exit(main())
