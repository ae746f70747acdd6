#!/usr/bin/env bash
# Installs the real clients the client tests drive that do not come from Maven
# Central (Gradle resolves HikariCP, Spring, sqlline and SchemaCrawler):
# pyspark from PyPI, in a virtual environment under build/clients/venv that is
# kept between runs and rebuilt when the pinned version changes.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYSPARK_VERSION=4.3.0
venv=build/clients/venv
marker="$venv/.pyspark-$PYSPARK_VERSION"
if [ -f "$marker" ] && "$venv/bin/python" -c 'import pyspark' >/dev/null 2>&1; then
    exit 0
fi
echo "== installing pyspark $PYSPARK_VERSION (PyPI) into $venv"
# Debian's python3 makes virtual environments only with python3-venv (ensurepip).
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    echo "== installing python3-venv (Debian package)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq python3 python3-venv >/dev/null
fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pyspark==$PYSPARK_VERSION"
touch "$marker"
