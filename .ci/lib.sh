# Shell helpers the CI scripts share; each script defines its own `fail`.

# wait_for_port PORT: returns once something accepts connections on
# 127.0.0.1:PORT (readiness, not a fixed sleep); fails after 60 s.
wait_for_port() {
  for _ in $(seq 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  fail "nothing listens on port $1 after 60 s"
}

# free_port: a loopback port that was free a moment ago.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for_line FILE TEXT: returns once FILE has a line containing TEXT
# (a server's "listening on" line, say); fails after 60 s.
wait_for_line() {
  for _ in $(seq 600); do
    grep -qF -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "no line with '$2' in $1 after 60 s"
}
