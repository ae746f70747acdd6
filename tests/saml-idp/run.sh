#!/usr/bin/env bash
# Runs SimpleSAMLphp (Debian's package, tests/saml-idp/setup.sh) as the SAML
# identity provider of the BrowserSaml tests, on PHP's built-in server with the
# configuration in tests/saml-idp/config.
#
# Usage: run.sh PORT ACS_URL [KEY CERT]
#   PORT     the loopback port to serve on
#   ACS_URL  where the provider posts SAML responses (the driver's
#            http://localhost:LISTEN_PORT/athena)
#   KEY CERT the signing key and certificate (default tests/data/saml/corp.*)
# Prints "simplesamlphp listening on http://127.0.0.1:PORT" once it answers,
# and stops the server when its stdin closes, so a crashed test leaves nothing.
# The server's own log is STATE/server.log (STATE is printed on stderr).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="$(cd "$here/../data/saml" && pwd)"
port="$1"
export SAML_IDP_ACS="$2"
export SAML_IDP_KEY="${3:-$data/corp.key}"
export SAML_IDP_CERT="${4:-$data/corp.crt}"
export SAML_IDP_ENTITY_ID="${SAML_IDP_ENTITY_ID:-https://idp.corp.example/saml}"
export SAML_IDP_BASE_URL="http://127.0.0.1:$port/"
export SAML_IDP_STATE="$(mktemp -d -t saml-idp.XXXXXX)"
export SAML_IDP_SALT="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
export SIMPLESAMLPHP_CONFIG_DIR="$here/config"
mkdir -p "$SAML_IDP_STATE/tmp" "$SAML_IDP_STATE/data" "$SAML_IDP_STATE/sessions"
www=/usr/share/simplesamlphp/www
if [ ! -d "$www" ]; then
    echo "SimpleSAMLphp is not installed: run tests/saml-idp/setup.sh" >&2
    exit 1
fi
php -S "127.0.0.1:$port" -t "$www" "$here/router.php" >"$SAML_IDP_STATE/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$SAML_IDP_STATE"' EXIT
for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "simplesamlphp listening on http://127.0.0.1:$port"
        cat >/dev/null || true
        exit 0
    fi
    if ! kill -0 "$server" 2>/dev/null; then
        cat "$SAML_IDP_STATE/server.log" >&2
        exit 1
    fi
    sleep 0.05
done
echo "simplesamlphp did not start on port $port" >&2
cat "$SAML_IDP_STATE/server.log" >&2
exit 1
