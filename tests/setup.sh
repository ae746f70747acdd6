# Installs the build's tools when missing: Debian's Gradle 4.4.1 and the Rust
# components the checks use. Sourced by tests/run and ./demo.
if ! command -v gradle >/dev/null 2>&1; then
    echo "== installing gradle (Debian package)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq gradle >/dev/null
fi
if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo is required (https://rustup.rs)" >&2
    exit 1
fi
if command -v rustup >/dev/null 2>&1; then
    rustup component add rustfmt clippy >/dev/null 2>&1 || true
fi
