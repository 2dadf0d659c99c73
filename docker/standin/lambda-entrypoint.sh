#!/bin/sh
# The stand-in base's entrypoint, as the real base's /lambda-entrypoint.sh: the image's CMD (the
# handler, e.g. lambda_function.lambda_handler) is the one argument. The real base runs its
# Runtime Interface Emulator when AWS_LAMBDA_RUNTIME_API is unset; the stand-in has none.
if [ $# -ne 1 ]; then
    echo "entrypoint requires the handler name to be the first argument" >&2
    exit 142
fi
export _HANDLER="$1"
if [ -z "${AWS_LAMBDA_RUNTIME_API:-}" ]; then
    echo "stand-in base: no Runtime Interface Emulator here; set AWS_LAMBDA_RUNTIME_API" >&2
    exit 142
fi
cd "${LAMBDA_TASK_ROOT:-/var/task}" || exit 142
PYTHONPATH="${LAMBDA_RUNTIME_DIR:-/var/runtime}" exec python3 -m awslambdaric "$_HANDLER"
