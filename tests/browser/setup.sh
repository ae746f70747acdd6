#!/usr/bin/env bash
# Installs what the BrowserOidcTip tests drive: Debian's chromium, node and the
# npm packages of package-lock.json (oidc-provider, playwright-core).
set -euo pipefail
cd "$(dirname "$0")"
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]} (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
    echo "== installing the browser tests' npm packages"
    npm ci --no-audit --no-fund --loglevel=error
fi
