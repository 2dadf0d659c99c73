#!/bin/sh
# The stand-in base's entrypoint, as the real base's /lambda-entrypoint.sh: the image's CMD (the
# handler, e.g. lambda_function.lambda_handler) is the one argument. With AWS_LAMBDA_RUNTIME_API
# set (on Lambda) it runs the runtime interface client against that Runtime API; without it
# (`docker run IMAGE` on a laptop) it runs the client under the Runtime Interface Emulator,
# which answers invocations on :8080 (/2015-03-31/functions/function/invocations).
# Stand-in only: where containers share the host's network (this project's test engine),
# RIE_ADDRESS and RIE_API_ADDRESS move the emulator (0.0.0.0:8080) and the Runtime API it
# serves the client (127.0.0.1:9001) to free ports.
if [ $# -ne 1 ]; then
    echo "entrypoint requires the handler name to be the first argument" >&2
    exit 142
fi
export _HANDLER="$1"
cd "${LAMBDA_TASK_ROOT:-/var/task}" || exit 142
export PYTHONPATH="${LAMBDA_RUNTIME_DIR:-/var/runtime}${PYTHONPATH:+:$PYTHONPATH}"
if [ -z "${AWS_LAMBDA_RUNTIME_API:-}" ]; then
    exec /usr/local/bin/aws-lambda-rie \
        ${RIE_ADDRESS:+--runtime-interface-emulator-address "$RIE_ADDRESS"} \
        ${RIE_API_ADDRESS:+--runtime-api-address "$RIE_API_ADDRESS"} \
        "$(command -v python3)" -m awslambdaric "$_HANDLER"
fi
exec python3 -m awslambdaric "$_HANDLER"
