#!/usr/bin/env bash
# Make sure a Docker engine answers; start Debian's dockerd when none does (the tests' and
# `make image`'s engine). It is started without the default bridge network (no 172.17.0.0/16
# addresses, no iptables rules): builds and test containers use the host's network, where the
# suite's servers listen on 127.0.0.1.
set -euo pipefail
if docker info >/dev/null 2>&1; then
    exit 0
fi
command -v dockerd >/dev/null || { echo "engine.sh: dockerd not installed (apt-get install docker.io)" >&2; exit 1; }
log=${DOCKERD_LOG:-/var/log/dockerd.log}
setsid dockerd --bridge=none --iptables=false --ip-masq=false >"$log" 2>&1 </dev/null &
for _ in $(seq 60); do
    if docker info >/dev/null 2>&1; then
        exit 0
    fi
    sleep 1
done
echo "engine.sh: dockerd did not answer within 60 s; see $log" >&2
exit 1
