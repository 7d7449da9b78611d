# Shell helpers for the benchmark scripts (bench/compare.sh, bench/pieces.sh,
# bench/streams.sh). Sourced, not run.

# wait_for_port PORT: returns once something accepts connections on PORT.
wait_for_port() {
  for _ in $(seq 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2; exit 1
}

# cpu_seconds PID: the user and system CPU time a process has used so far.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }

# hello_request FILE: writes the gRPC frame h2load sends as every request:
# uncompressed (0), 2 bytes long (00000002), HelloRequest{pid: 1} (08 01).
hello_request() { printf '\0\0\0\0\2\x08\x01' >"$1"; }

# h2load_say_hello PORT REQUEST_FILE HOW_LONG...: say_hello with 16
# connections x 32 streams, for `-D SECONDS` or `-n CALLS`; prints h2load's
# report.
h2load_say_hello() {
  h2load -c 16 -m 32 "${@:3}" -d "$2" -H 'content-type: application/grpc' -H 'te: trailers' \
    "http://127.0.0.1:$1/hello.DoStuff/say_hello"
}

# build_go_peer OUT: builds bench/peers/go (grpc-go from Debian's
# golang-google-grpc-dev, GOPATH mode: nothing is downloaded) into OUT;
# fails if Go or that package is missing.
build_go_peer() {
  command -v go >/dev/null && [ -d /usr/share/gocode/src/google.golang.org/grpc ] \
    && (cd bench/peers/go && GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= \
          go build -o "$1" .)
}
