#!/usr/bin/env bash
# Build docker/Dockerfile for one architecture with the builder found, tag it, print its size.
# Environment: ARCH=x86_64|arm64 (default x86_64), TAG (default classifier-lambda:$ARCH),
# PYTHON_TAG (the base image's Python, default 3.12), MODEL (a .tflite or .onnx anywhere: its
# model set is staged into build/image-model, the one part of build/ the context takes, and named
# by MODEL_DIR/MODEL_FILE; PYTHON runs the staging, default python3), MODEL_URI (adds its store's
# SDK: STORE_REQUIREMENTS),
# PIP_CONSTRAINTS ("numpy==... pillow==..."), BUILDER=auto|buildx|buildkit|docker|buildah|podman.
# auto: docker buildx (BuildKit) when installed, else Docker's classic builder, else buildah,
# else podman. buildkit: `DOCKER_BUILDKIT=1 docker build`, the BuildKit that Docker 20.10-22
# CLIs drive without buildx (DOCKER=/usr/bin/docker picks such a CLI). Run from the repository
# root.
set -euo pipefail
arch=${ARCH:-x86_64}
tag=${TAG:-classifier-lambda:$arch}
python_tag=${PYTHON_TAG:-3.12}
builder=${BUILDER:-auto}
docker=${DOCKER:-docker}
case "$(uname -m)" in
    aarch64|arm64) build_platform=linux/arm64 ;;
    *) build_platform=linux/amd64 ;;
esac
case "$arch" in
    x86_64) platform=linux/amd64 targetarch=amd64 ;;
    arm64) platform=linux/arm64 targetarch=arm64 ;;
    *) echo "build.sh: ARCH must be x86_64 or arm64, got '$arch'" >&2; exit 2 ;;
esac
if [ "$builder" = auto ]; then
    if docker buildx version >/dev/null 2>&1; then builder=buildx
    elif docker info >/dev/null 2>&1; then builder=docker
    elif command -v buildah >/dev/null; then builder=buildah
    elif command -v podman >/dev/null; then builder=podman
    else echo "build.sh: no builder found (docker, buildah or podman)" >&2; exit 1
    fi
fi
args=(-f docker/Dockerfile -t "$tag" --build-arg "PYTHON_TAG=$python_tag")
if [ -n "${MODEL:-}" ]; then
    staged=$("${PYTHON:-python3}" scripts/model_set.py stage "$MODEL" build/image-model)
    read -r model_dir model_file <<<"$staged"
    args+=(--build-arg "MODEL_DIR=$model_dir" --build-arg "MODEL_FILE=$model_file")
fi
if [ -n "${MODEL_URI:-}" ]; then  # the SDK of the store MODEL_URI reads from
    store=$("${PYTHON:-python3}" scripts/model_set.py store "$MODEL_URI")
    args+=(--build-arg "STORE_REQUIREMENTS=$store")
fi
if [ -n "${PIP_CONSTRAINTS:-}" ]; then args+=(--build-arg "PIP_CONSTRAINTS=$PIP_CONSTRAINTS"); fi
base=public.ecr.aws/lambda/python:$python_tag
case "$builder" in
    buildx)  # BuildKit: the multi-architecture base tag resolves per platform
        "$docker" buildx build --platform "$platform" --provenance=false --load "${args[@]}" . ;;
    buildkit)
        DOCKER_BUILDKIT=1 "$docker" build --platform "$platform" --network host "${args[@]}" . ;;
    docker)  # the classic builder: no BUILDPLATFORM/TARGETARCH, one architecture per tag
        base=$base-$arch
        DOCKER_BUILDKIT=0 "$docker" build --network host \
            --build-arg "TARGETARCH=$targetarch" --build-arg "BASE_TAG=$python_tag-$arch" \
            "${args[@]}" . ;;
    buildah|podman)  # buildah 1.28 (Debian 12) sets TARGETARCH, not BUILDPLATFORM in FROM
        base=$base-$arch
        for image in "${base%-"$arch"}" "$base"; do  # bases only Docker has: copy them over
            want=$("$docker" image inspect -f '{{.Id}}' "$image" 2>/dev/null) || continue
            have=$(buildah images --no-trunc --format '{{.ID}}' "$image" 2>/dev/null || true)
            if [ "$builder" = buildah ] && [ "${have%%$'\n'*}" != "$want" ]; then
                buildah pull -q "docker-daemon:$image" >/dev/null
            fi
        done
        "$builder" build --layers --platform "$platform" --network host \
            --build-arg "BUILDPLATFORM=$build_platform" --build-arg "BASE_TAG=$python_tag-$arch" \
            "${args[@]}" . ;;
    *) echo "build.sh: unknown BUILDER '$builder'" >&2; exit 2 ;;
esac
if [ "$builder" = buildah ] || [ "$builder" = podman ]; then
    "$builder" images "$tag"
    exit 0
fi
size=$("$docker" image inspect -f '{{.Size}}' "$tag")
over=$((size - $("$docker" image inspect -f '{{.Size}}' "$base" 2>/dev/null || echo 0)))
echo "built $tag with $builder ($arch): $((size / 1000000)) MB, $((over / 1000000)) MB over $base"
