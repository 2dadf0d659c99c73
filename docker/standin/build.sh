#!/usr/bin/env bash
# A stand-in for AWS's base image public.ecr.aws/lambda/python, built from Debian's packages
# because no public base image can be pulled here. It mirrors what docker/Dockerfile relies on:
#   * a Python with pip (Debian's python3; the tag is its version, e.g. 3.11), `python`/`pip`;
#   * awslambdaric (the runtime interface client, from PyPI) in /var/runtime;
#   * LAMBDA_TASK_ROOT=/var/task (the WORKDIR), LAMBDA_RUNTIME_DIR=/var/runtime;
#   * AWS's Runtime Interface Emulator at /usr/local/bin/aws-lambda-rie (the binary the
#     aws-sam-cli wheel ships, samcli/local/rapid/aws-lambda-rie-<arch>), /var/runtime/bootstrap
#     (`python -m awslambdaric $_HANDLER`) and /lambda-entrypoint.sh, which runs the bootstrap
#     when AWS_LAMBDA_RUNTIME_API is set and under the emulator (:8080) when it is not, as the
#     real base does.
# It is NOT Amazon Linux: glibc and the Python version are Debian's.
#
# usage: STANDIN_RIE_DIR=.../samcli/local/rapid docker/standin/build.sh x86_64|arm64 [PYTHON]
#   PYTHON: a Python with pip on the build machine (for awslambdaric's wheels); default python3.
# Tags, like the real repository's: :<py> and :<py>-x86_64 for x86_64, :<py>-arm64 for arm64.
# The Debian root filesystem is imported once; the emulator and the scripts are a layer on
# top (label standin.layer: their checksum), so a new emulator or script rebuilds only that
# layer, on the stand-in already there. An image with the current layer is reused. The arm64
# rootfs is unpacked, not configured (debootstrap --foreign and dpkg-deb -x): nothing runs in
# it while building, only COPY (no emulation); its image config says arm64 (set_arch.py: this
# engine's `docker import` ignores --platform).
set -euo pipefail

arch=${1:?usage: build.sh x86_64|arm64 [PYTHON]}
python=${2:-python3}
suite=${STANDIN_SUITE:-bookworm}
mirror=${STANDIN_MIRROR:-http://deb.debian.org/debian}
repo=public.ecr.aws/lambda/python
here=$(cd "$(dirname "$0")" && pwd)
work=${STANDIN_DIR:-build/standin}/$arch
case "$arch" in
    x86_64) debarch=amd64 machine=x86_64 platform=linux/amd64 ;;
    arm64) debarch=arm64 machine=aarch64 platform=linux/arm64 ;;
    *) echo "build.sh: ARCH must be x86_64 or arm64, got '$arch'" >&2; exit 2 ;;
esac

rie=${STANDIN_RIE_DIR:?set STANDIN_RIE_DIR to samcli/local/rapid of aws-sam-cli}/aws-lambda-rie-$arch
[ -x "$rie" ] || { echo "build.sh: no emulator at $rie" >&2; exit 1; }
layer=$(cat "$rie" "$here/lambda-entrypoint.sh" "$here/bootstrap" | sha256sum | cut -c1-16)

standin() {  # the stand-in for $arch, optionally with the current layer ($1: extra filter);
    # only a <python>-<arch> tag (SAM's emulation images built on it are labelled alike)
    docker images "$repo" --filter "label=standin.arch=$arch" ${1:+--filter "$1"} \
        --format '{{.Repository}}:{{.Tag}}' | grep -E -m1 -- ":[0-9][0-9.]*-$arch\$" || true
}

add_layer() {  # $1: the stand-in to put the emulator and the entrypoint on, retagged so
    local context=$work/layer
    rm -rf "$context" && mkdir -p "$context"
    cp "$rie" "$context/aws-lambda-rie"
    cp "$here/lambda-entrypoint.sh" "$here/bootstrap" "$context/"
    chmod 0755 "$context/aws-lambda-rie" "$context/lambda-entrypoint.sh" "$context/bootstrap"
    printf '%s\n' "FROM $1" "COPY aws-lambda-rie /usr/local/bin/aws-lambda-rie" \
        "COPY lambda-entrypoint.sh /lambda-entrypoint.sh" "COPY bootstrap /var/runtime/bootstrap" \
        "LABEL standin.layer=$layer" >"$context/Dockerfile"
    DOCKER_BUILDKIT=0 docker build -q --network none -t "$1" "$context" >/dev/null
    rm -rf "$context"
    if [ "$arch" = x86_64 ]; then docker tag "$1" "${1%-x86_64}"; fi
}

current=$(standin "label=standin.layer=$layer")
if [ -n "$current" ]; then
    echo "stand-in base present: $current"
    exit 0
fi
mkdir -p "$work"
older=$(standin)
if [ -n "$older" ]; then  # the Debian rootfs is there: replace the layer only
    add_layer "$older"
    echo "stand-in base updated: $older (emulator and entrypoint $layer)"
    exit 0
fi

rm -rf "$work"
mkdir -p "$work"
rootfs=$work/rootfs
packages=python3,python3-pip,ca-certificates
if [ "$arch" = x86_64 ] && [ "$(uname -m)" = x86_64 ]; then
    debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" \
        >"$work/debootstrap.log"
else  # a foreign rootfs: download, then unpack every package without running anything
    debootstrap --foreign --arch="$debarch" --variant=minbase --include="$packages" \
        "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log"
    for deb in "$rootfs"/var/cache/apt/archives/*.deb; do
        dpkg-deb -x "$deb" "$rootfs"
    done
    rm -rf "$rootfs/debootstrap"
fi
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*

pyver=$(basename "$(readlink "$rootfs/usr/bin/python3")" | sed 's/^python//')
tag=$repo:$pyver-$arch
# pip in the image must reach the package registry through this machine's TLS setup.
mkdir -p "$rootfs/etc/ssl/certs" "$rootfs/usr/local/bin" "$rootfs/var/task" "$rootfs/var/runtime"
cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
rm -f "$rootfs"/usr/lib/python3*/EXTERNALLY-MANAGED  # the real base's Python is not Debian's
ln -sf /usr/bin/python3 "$rootfs/usr/local/bin/python"
ln -sf /usr/bin/pip3 "$rootfs/usr/local/bin/pip"
"$python" -m pip install -q --disable-pip-version-check --only-binary=:all: \
    --implementation cp --python-version "$pyver" --platform "manylinux2014_$machine" \
    --target "$rootfs/var/runtime" awslambdaric

tar -C "$rootfs" --numeric-owner --exclude="./dev/*" --exclude="./proc/*" --exclude="./sys/*" \
    -c . | docker import \
    --change "LABEL standin.arch=$arch standin.of=$repo standin.suite=$suite" \
    --change "ENV LANG=C.UTF-8 TZ=:/etc/localtime LAMBDA_TASK_ROOT=/var/task LAMBDA_RUNTIME_DIR=/var/runtime" \
    --change "WORKDIR /var/task" \
    --change 'ENTRYPOINT ["/lambda-entrypoint.sh"]' - "$tag" >/dev/null
rm -rf "$rootfs"
if [ "$(docker image inspect -f '{{.Architecture}}' "$tag")" != "${platform#linux/}" ]; then
    # the engine labelled it with its own architecture: put the right one in the config
    docker save -o "$work/imported.tar" "$tag"
    "$python" "$here/set_arch.py" "$work/imported.tar" "$work/image.tar" "${platform#linux/}"
    docker rmi "$tag" >/dev/null
    docker load -i "$work/image.tar" >/dev/null
    rm -f "$work/imported.tar" "$work/image.tar"
fi
add_layer "$tag"
echo "stand-in base built: $tag ($(docker image inspect -f '{{.Architecture}}' "$tag"))"
