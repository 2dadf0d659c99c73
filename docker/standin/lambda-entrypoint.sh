#!/bin/sh
# The stand-in base's entrypoint, as the real base's /lambda-entrypoint.sh: the image's CMD (the
# handler, e.g. lambda_function.lambda_handler) is the one argument. With AWS_LAMBDA_RUNTIME_API
# set (on Lambda) it runs /var/runtime/bootstrap (the runtime interface client) against that
# Runtime API; without it (`docker run IMAGE` on a laptop) it runs the bootstrap under the
# Runtime Interface Emulator, which takes invocations on :8080
# (/2015-03-31/functions/function/invocations).
# Stand-in only: where containers share the host's network (this project's test engine),
# RIE_ADDRESS and RIE_API_ADDRESS move the emulator (0.0.0.0:8080) and the Runtime API it
# serves the client (127.0.0.1:9001) to free ports.
if [ $# -ne 1 ]; then
    echo "entrypoint requires the handler name to be the first argument" >&2
    exit 142
fi
export _HANDLER="$1"
RUNTIME_ENTRYPOINT=/var/runtime/bootstrap
if [ -z "${AWS_LAMBDA_RUNTIME_API:-}" ]; then
    exec /usr/local/bin/aws-lambda-rie \
        ${RIE_ADDRESS:+--runtime-interface-emulator-address "$RIE_ADDRESS"} \
        ${RIE_API_ADDRESS:+--runtime-api-address "$RIE_API_ADDRESS"} \
        "$RUNTIME_ENTRYPOINT"
fi
exec "$RUNTIME_ENTRYPOINT"
