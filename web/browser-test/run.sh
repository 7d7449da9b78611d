#!/usr/bin/env bash
# The projector view in a real browser (web/README.md): starts the server
# with `cargo run -p web`, drives the page in the system's chromium with
# playwright-core, and saves a screenshot in target/web-screenshot.png
# (SCREENSHOT=web/screenshot.png renews the README's), and of the Frames
# view in target/web-screenshot-frames.png. Without chromium it
# is skipped with one line, except in CI (CI=1), where that is a failure.
set -euo pipefail
cd "$(dirname "$0")/../.."

chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  if [ -n "${CI:-}" ]; then
    echo "browser test: no chromium on this machine, and CI must run it" >&2
    exit 1
  fi
  echo "browser test skipped: no chromium on this machine (Debian/Ubuntu: apt-get install chromium)"
  exit 0
fi
if ! command -v node >/dev/null; then
  echo "browser test: node is needed to drive chromium" >&2
  exit 1
fi
if [ ! -d web/browser-test/node_modules/playwright-core ]; then
  (cd web/browser-test && npm ci --no-audit --no-fund --silent)
fi

# Build first, so the server starts at once; the bidi client too (the four
# crates' programs share names, so each is run through cargo).
cargo build -q -p bidi-streaming --bin client
cargo build -q -p web
free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}
port=${WEB_TEST_PORT:-$(free_port)}
# The Frames view's proxy (--proxy), and a grpcio client to call through it:
# the interop venv (target/interop-venv, made once by interop/python-env.sh).
proxy_port=$(free_port)
# shellcheck source=../../interop/python-env.sh
source interop/python-env.sh
export FRAMES_PYTHON="$venv/bin/python" FRAMES_PYGEN="$gen"
log=$(mktemp)
set -m # the server in a process group of its own, to stop it and its child
cargo run -q -p web -- --addr "127.0.0.1:$port" --proxy "127.0.0.1:$proxy_port" >"$log" 2>&1 &
server=$!
set +m
trap 'kill -TERM -- -"$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  sleep 0.1
done

shot=$(realpath -m "${SCREENSHOT:-${CARGO_TARGET_DIR:-target}/web-screenshot.png}")
mkdir -p "$(dirname "$shot")"
if ! (cd web/browser-test && node test.mjs "http://127.0.0.1:$port" "$chromium" "$shot" "127.0.0.1:$proxy_port"); then
  echo "--- the web server's log:"
  cat "$log"
  exit 1
fi
