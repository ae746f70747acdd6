#!/usr/bin/env bash
# Installs actionlint, the linter tests/run checks the GitHub Actions workflows
# with (.github/workflows), from the Go module proxy (`go install`, Go 1.25 or
# later, or a Go that fetches that toolchain itself) into a cache outside the
# work tree, so reruns and fresh clones on the same machine are quick; prints
# its path. Also Debian's shellcheck, which actionlint runs on every `run:`
# script when it is there: installed, so the lint is the same on every machine.
set -euo pipefail
VERSION=1.7.12
if ! command -v shellcheck >/dev/null 2>&1; then
    echo "== installing shellcheck (Debian package)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq shellcheck >/dev/null
fi
cache="${XDG_CACHE_HOME:-$HOME/.cache}/athena-native-jdbc/actionlint-$VERSION"
bin="$cache/bin/actionlint"
if [ -x "$bin" ] && [ "$("$bin" -version 2>/dev/null | head -n1)" = "v$VERSION" ]; then
    echo "$bin"
    exit 0
fi
if ! command -v go >/dev/null 2>&1; then
    echo "tests/actionlint/setup.sh: Go is needed to install actionlint $VERSION from the Go module proxy" \
         "(the machine's Go, or GitHub's actions/setup-go)" >&2
    exit 1
fi
echo "== installing actionlint $VERSION (Go module proxy)" >&2
mkdir -p "$cache/bin"
GOBIN="$cache/bin" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@v$VERSION" >&2
echo "$bin"
