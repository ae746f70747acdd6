#!/usr/bin/env bash
# Installs the real proxy server the proxy tests start with their own
# configuration (Basic authentication, a log of every request): Debian's
# tinyproxy.
set -euo pipefail
if command -v tinyproxy >/dev/null 2>&1 || [ -x /usr/bin/tinyproxy ]; then
    exit 0
fi
echo "== installing tinyproxy (Debian package)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq tinyproxy >/dev/null
# The package starts a system-wide instance; the tests run their own.
if command -v service >/dev/null 2>&1; then
    service tinyproxy stop >/dev/null 2>&1 || true
fi
