#!/usr/bin/env bash
# Installs the SAML identity provider the BrowserSaml tests sign in at:
# Debian's SimpleSAMLphp with PHP's command-line interpreter, whose built-in
# server runs it (tests/saml-idp/run.sh), so no web server is set up. php-cgi
# satisfies php's need for a server API without pulling in Apache's module;
# micro-httpd is the smallest package that satisfies simplesamlphp's
# dependency on a web server (it is not started).
set -euo pipefail
if [ -d /usr/share/simplesamlphp/www ] && command -v php >/dev/null 2>&1 \
    && php -m 2>/dev/null | grep -qx dom; then
    exit 0
fi
echo "== installing simplesamlphp (Debian packages)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    simplesamlphp php-cli php-cgi php-xml php-mbstring micro-httpd >/dev/null
