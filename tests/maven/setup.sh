#!/usr/bin/env bash
# Installs Debian's Maven, which MavenProjectTest uses to build a user's
# project (tests/maven/project) against the artifacts publishToMavenLocal
# puts in ~/.m2.
set -euo pipefail
if command -v mvn >/dev/null 2>&1; then
    exit 0
fi
echo "== installing maven (Debian package)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq maven >/dev/null
