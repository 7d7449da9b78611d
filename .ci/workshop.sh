#!/usr/bin/env bash
# The workshop, proven as rustlings proves its exercises in CI, and more:
# 1. the students' files are not committed: the first build makes them
#    from the starters; with them, every exercise's check FAILS (a check
#    that passes unsolved is a defect), with its file named as students see
#    it, and `call` explains a wrong address in both languages;
# 2. in a copy of the repository: `watch` started on a file that does not
#    compile shows rustc's errors, keeps running, and gives the verdict once
#    the file is fixed; `reset` puts a starter back and keeps the attempt;
#    a backup moved back with its old time is judged by its content, and
#    `restore` brings the attempt back;
# 3. with four solutions applied, `progress` and `check` agree on what is
#    next; with all of them, every check PASSES, the solutions are fmt- and
#    clippy-clean, and the tests pass with the exercises' included;
# 4. for every exercise, `serve N` in one process answers `call N` in
#    another, the chat room with two members (exercise 15, whose servers
#    meet their clients through etcd, has neither: both say, in one line
#    and in both languages, what to run instead); Ctrl-C on `serve 5` with a
#    chat open stops the server (grace, then UNAVAILABLE for the chat), a
#    second Ctrl-C at once, and no process outlives the command.
# Every wait is on a line of output (lib.sh's wait_for_line), never a sleep.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source .ci/lib.sh

fail() { echo "workshop: FAILED: $*" >&2; exit 1; }

# How many exercises there are: the catalog's count, read where it is declared.
count=$(sed -n 's/^pub const COUNT: u8 = \([0-9]*\);$/\1/p' workshop/src/catalog.rs)
[[ $count =~ ^[0-9]+$ ]] || fail "cannot read catalog::COUNT"

if ! git diff --quiet HEAD -- workshop; then
  fail "workshop/ has local changes; CI checks the committed files (run it on a clean clone)"
fi

# One target directory for the repository and its copy: only the workshop
# is built twice. Cargo judges a workspace member fresh by its files' times,
# not their place, so each side makes its files newer than the other's last
# build: here by touching the roots, in the copy by extracting with -m.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
bin="$CARGO_TARGET_DIR/debug"
touch workshop/check.rs workshop/src/lib.rs
# The proto is made by the first build; if it exists, newer too.
if [[ -e workshop/proto/workshop.proto ]]; then touch workshop/proto/workshop.proto; fi

# Background processes of this script, still running: stopped whatever
# happens, each by its own id.
pids=()
copy=$(mktemp -d)
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$copy"
}
trap cleanup EXIT
# forget PID: it has ended (and was waited for): no longer ours to stop.
forget() {
  local kept=() pid
  for pid in "${pids[@]}"; do [[ $pid == "$1" ]] || kept+=("$pid"); done
  pids=("${kept[@]}")
}
# stop PID: stops a background process of ours and waits for its end.
stop() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  forget "$1"
}

echo "workshop: the students' files are not committed"
if git ls-files --error-unmatch workshop/exercises workshop/proto >/dev/null 2>&1; then
  fail "workshop/exercises or workshop/proto is committed: the one copy is workshop/starters"
fi

echo "workshop: the starters and the solutions are formatted"
rustfmt --edition 2024 --check workshop/starters/*.rs workshop/solutions/*.rs

echo "workshop: every starter fails its check, naming its file as workshop/exercises/..."
cargo build --quiet -p workshop --bins
for file in workshop/starters/*; do
  name=$(basename "$file")
  case $name in *.proto) mine=workshop/proto/$name ;; *) mine=workshop/exercises/$name ;; esac
  # In CI's clean clone, the build just made them; here they are the starters.
  cmp -s "$file" "$mine" || fail "$mine is not its starter (run this on a clean clone)"
done
for n in $(seq 1 "$count"); do
  if out=$("$bin/workshop-check" --lang en check "$n"); then
    echo "$out"
    fail "exercise $n passes with its starter file"
  fi
  line=$(grep -F "[not yet]" <<<"$out") || fail "exercise $n: no [not yet] line in: $out"
  if grep -q "/\.\./" <<<"$line"; then fail "exercise $n: a path with /../ in: $line"; fi
  echo "  $n:$line"
done
out=$("$bin/workshop" --lang en)
grep -q "^0 of $count done" <<<"$out" || fail "the list does not say 0 of $count: $out"
grep -q "^Next: exercise 1, workshop/exercises/01_unary.rs" <<<"$out" || fail "the list does not name exercise 1"
out=$(LANG=pt_BR.UTF-8 "$bin/workshop")
grep -q "^0 de $count feitos" <<<"$out" || fail "LANG=pt_BR.UTF-8: the list is not in Portuguese: $out"
[[ $("$bin/workshop" --lang en progress) == "done: none; next: 1" ]] || fail "progress of the starters"
[[ $("$bin/workshop" progress --json) == '{"compiles":true,"done":[],"next":1}' ]] || fail "progress --json of the starters"

echo "workshop: call explains a wrong address and a wrong server, in both languages"
# expect_refusal LANG TEXT ARGS...: `call ARGS` fails with a line with TEXT.
expect_refusal() {
  local lang=$1 text=$2
  shift 2
  if out=$("$bin/workshop-check" --lang "$lang" call "$@" 2>&1); then fail "call $* succeeded: $out"; fi
  grep -qF -- "$text" <<<"$out" || fail "call $* ($lang): no '$text' in: $out"
  echo "  $lang, call $*: $out"
}
expect_refusal en "a ';' where the ':' before the port goes" 1 --addr '127.0.0.1;50051'
expect_refusal pt "um ';' onde vai o ':' antes da porta" 1 --addr '127.0.0.1;50051'
expect_refusal en "drop the scheme" 1 --addr http://127.0.0.1:50051
expect_refusal pt "tire o esquema" 1 --addr http://127.0.0.1:50051
expect_refusal en "it has no port" 1 --addr localhost
expect_refusal pt "falta a porta" 1 --addr localhost
closed=$(free_port)
expect_refusal en "nothing listens at 127.0.0.1:$closed (connection refused)" 3 --addr "127.0.0.1:$closed"
expect_refusal pt "nada escuta em 127.0.0.1:$closed (conexão recusada)" 3 --addr "127.0.0.1:$closed"

echo "workshop: watch, reset and restore (in a copy of the repository)"
git archive HEAD | tar -x -m -C "$copy"
cd "$copy"
[[ ! -e workshop/exercises ]] || fail "a fresh copy has workshop/exercises: it must be made by the build"
cargo build --quiet -p workshop --bins
cmp -s workshop/exercises/03_countdown.rs workshop/starters/03_countdown.rs || fail "the build did not make exercise 3 from its starter"
ex3=workshop/exercises/03_countdown.rs
cp "$ex3" "$copy/03.starter"
# A type error, before watch starts: it must start anyway. Timed against
# a check of the same broken file, each after an edit, so each compiles.
sed -i 's|^        todo!("stream the countdown")|        let broken: u32 = "three";\n&|' "$ex3"
check_started=$(date +%s%N)
"$bin/workshop" --lang en check 3 >/dev/null 2>&1 && fail "check 3 passed on a file that does not compile"
check_ms=$(( ($(date +%s%N) - check_started) / 1000000 ))
echo "// edited again" >>"$ex3"
started=$(date +%s%N)
"$bin/workshop" --lang en watch 3 >"$copy/watch.out" 2>&1 &
pids+=($!)
wait_for_line "$copy/watch.out" "error[E0308]"
error_ms=$(( ($(date +%s%N) - started) / 1000000 ))
wait_for_line "$copy/watch.out" "--> workshop/exercises/03_countdown.rs:"
wait_for_line "$copy/watch.out" "cargo run -p workshop -- reset 3"
wait_for_line "$copy/watch.out" "Watching workshop/exercises"
# The fix: the next verdict is the starter's own, still to do.
cp "$copy/03.starter" "$ex3"
fixed=$(date +%s%N)
wait_for_line "$copy/watch.out" '[not yet] still to do: todo!("stream the countdown") at workshop/exercises/03_countdown.rs'
verdict_ms=$(( ($(date +%s%N) - fixed) / 1000000 ))
stop "${pids[-1]}"
echo "  watch started on a broken file: rustc's error after ${error_ms} ms (check 3: ${check_ms} ms); the verdict ${verdict_ms} ms after the fix"

sed -i 's|^        todo!("stream the countdown")|        let broken: u32 = "three";\n&|' "$ex3"
cp "$ex3" "$copy/03.broken"
out=$("$bin/workshop" --lang en reset 3)
grep -q "kept as workshop/exercises/03_countdown.rs.bak" <<<"$out" || fail "reset 3 does not say where the attempt is: $out"
cmp -s "$ex3" "$copy/03.starter" || fail "reset 3 did not put the starter back"
cmp -s "$ex3.bak" "$copy/03.broken" || fail "reset 3 did not keep the attempt as .rs.bak"
echo "  reset 3 put the starter back and kept the attempt as 03_countdown.rs.bak"
# The starter is checked (and so built); then the attempt is moved back by
# hand with the time it had long ago. cargo alone would not rebuild.
"$bin/workshop" --lang en check 3 >/dev/null 2>&1 && fail "check 3 passed on the starter"
touch -d '2001-01-01' "$ex3.bak"
mv "$ex3.bak" "$ex3"
if out=$("$bin/workshop" --lang en check 3 2>&1); then fail "check 3 passed on the broken attempt: $out"; fi
grep -qF "error[E0308]" <<<"$out" || fail "check 3 judged the starter, not the attempt moved back with an old time: $out"
echo "  a backup moved back with an old time is judged by its content (rustc's error, not the starter's verdict)"
"$bin/workshop" --lang en reset 3 >/dev/null
out=$("$bin/workshop" --lang pt restore 3)
grep -qF "a sua tentativa está de volta (de workshop/exercises/03_countdown.rs.bak)" <<<"$out" || fail "restore 3: $out"
cmp -s "$ex3" "$copy/03.broken" || fail "restore 3 did not bring the attempt back"
[[ ! -e "$ex3.bak" ]] || fail "restore 3 left its .bak behind"
if out=$("$bin/workshop" --lang en check 3 2>&1); then fail "check 3 passed after restore: $out"; fi
grep -qF "error[E0308]" <<<"$out" || fail "check 3 after restore did not judge the attempt: $out"
out=$("$bin/workshop" --lang pt progress 2>&1 || true)
grep -q "^feitos: desconhecido" <<<"$out" || fail "progress on a broken file says no feitos: line: $out"
echo "  restore 3 brought the attempt back, and check 3 judged it; progress says why nothing is known"
"$bin/workshop" --lang en reset 3 >/dev/null
rm "$ex3".*bak
rm workshop/exercises/04_stats.rs
out=$("$bin/workshop" --lang en progress 2>&1)
grep -qF "workshop/exercises/04_stats.rs was missing: its starter is back." <<<"$out" || fail "a deleted exercise was not put back: $out"
echo "  a deleted exercise is put back before the check program is built"
# A proto made before the starters gained a service (a pull mid-course).
cp workshop/proto/workshop.proto "$copy/proto.kept"
python3 - <<'PY'
import re
path = "workshop/proto/workshop.proto"
text = open(path).read()
open(path, "w").write(re.sub(r"service Greeter \{.*?\n\}\n", "", text, count=1, flags=re.S))
PY
if out=$("$bin/workshop" --lang en check 2 2>&1); then fail "check 2 passed with a proto missing a service: $out"; fi
grep -qF "workshop/proto/workshop.proto has no service Greeter, which newer exercises need" <<<"$out" \
  || fail "a proto missing a service of the starters is not named: $out"
cp "$copy/proto.kept" workshop/proto/workshop.proto
echo "  a proto that lacks a service of the starters is named, with what to copy"

echo "workshop: with solutions 1, 2, 3 and 5, every command says 4 is next"
for n in 01_unary 02_status 03_countdown 05_chat_room; do cp "$root/workshop/solutions/$n.rs" workshop/exercises/; done
cp "$root/workshop/solutions/workshop.proto" workshop/proto/
cargo build --quiet -p workshop --bins
[[ $("$bin/workshop-check" --lang en progress) == "done: 1 2 3 5; next: 4" ]] || fail "progress with 1, 2, 3 and 5 done"
[[ $("$bin/workshop-check" progress --json) == '{"compiles":true,"done":[1,2,3,5],"next":4}' ]] || fail "progress --json"
out=$("$bin/workshop-check" --lang en check 5)
grep -q "^Next: exercise 4," <<<"$out" || fail "check 5 does not name exercise 4 as next: $out"
out=$("$bin/workshop-check" --lang en list)
grep -q "^Next: exercise 4," <<<"$out" || fail "the list does not name exercise 4 as next: $out"

echo "workshop: every solution passes its check"
cp "$root"/workshop/solutions/*.rs workshop/exercises/
# The starters' allowance for unused parameters does not cover solutions.
sed -i '/#\[allow(unused_variables, unused_mut, unused_imports, dead_code)\]/d' workshop/check.rs
cargo clippy --quiet -p workshop --all-targets -- -D warnings
cargo build --quiet -p workshop --bins
for n in $(seq 1 "$count"); do
  "$bin/workshop-check" --lang en check "$n" >"$copy/check-$n.out" \
    || { cat "$copy/check-$n.out"; fail "exercise $n fails with its solution"; }
  echo "  $n: $(grep -c '\[ok\]' "$copy/check-$n.out") steps ok"
done
out=$("$bin/workshop-check" --lang en list)
grep -q "^$count of $count done" <<<"$out" || fail "the list does not say $count of $count: $out"

echo "workshop: serve N in one process, call N in another"
# serve N: starts `serve N` on a free port; sets $addr.
serve() {
  "$bin/workshop-check" --lang en serve "$1" --addr 127.0.0.1:0 --ca-out "$copy/ca.pem" >"$copy/serve-$1.out" 2>&1 &
  pids+=($!)
  wait_for_line "$copy/serve-$1.out" "Each call is shown here"
  addr=$(grep -o "on 127\.0\.0\.1:[0-9]*" "$copy/serve-$1.out" | head -n 1 | cut -c 4-)
}
# expect_call N TEXT ARGS...: `call N ARGS` prints a line with TEXT.
expect_call() {
  local n=$1 text=$2
  shift 2
  serve "$n"
  out=$("$bin/workshop-check" --lang en call "$n" --addr "$addr" "$@" 2>&1) || fail "call $n $*: $out"
  grep -qF -- "$text" <<<"$out" || fail "call $n $*: no '$text' in: $out"
  stop "${pids[-1]}"
  echo "  $n: $(grep -F -- "$text" <<<"$out" | head -n 1)"
}
expect_call 1 "Goodbye, Ada!" Ada
expect_call 2 "error: INVALID_ARGUMENT: pid must be a positive number, got -5" -5
expect_call 3 "the countdown is over" 3 100
expect_call 4 "count 3, min -1, max 4.5, mean 2.1666" 3 -1 4.5
expect_call 6 "all at once:       fast, medium, slow"
expect_call 7 "gave up after 300 ms: DEADLINE_EXCEEDED" 10 300
expect_call 8 "the server echoed id-7" id-7
expect_call 9 "through attach_token:  the vault is open"
expect_call 10 "only you can read this" --ca "$copy/ca.pem"
# A CA from an earlier serve 10: each start makes a new one.
cp "$copy/ca.pem" "$copy/old-ca.pem"
serve 10
# And a plaintext call (exercise 3's) to that TLS server.
if out=$("$bin/workshop-check" --lang en call 3 --addr "$addr" 2>&1); then fail "call 3 to a TLS server succeeded: $out"; fi
grep -qF "speaks TLS (a \`serve 10\`?)" <<<"$out" || fail "call 3 to serve 10: $out"
echo "  3, to a serve 10: $out"
if out=$("$bin/workshop-check" --lang en call 10 --addr "$addr" --ca "$copy/old-ca.pem" 2>&1); then
  fail "call 10 with an earlier serve's CA succeeded: $out"
fi
grep -qF "each start of \`serve 10\` makes a new CA" <<<"$out" || fail "call 10 with an old CA: $out"
stop "${pids[-1]}"
echo "  10, an earlier serve's CA: $out"
expect_call 11 "invalid: name (must not be empty); email (must contain @, got \"nobody\"); age (must be at least 13, got 3)" "" nobody 3
expect_call 12 "through RequestIds:    stamped req-2"
expect_call 13 "fetched \"the data\" after 3 attempts"
expect_call 14 "the call failed: DEADLINE_EXCEEDED" 10 300
expect_call 14 "the relay answered: done, 2 steps" 2 1000
expect_call 16 "the next hop received traceparent 00-4bf92f3577b34da6a3ce929d0e0e4736-"
expect_call 16 "sent traceparent (none); the next hop received traceparent 00-" none
# Exercise 15: no serve, no call; one line that says what to run instead.
for lang in en pt; do
  for command in "serve 15" "call 15 --addr 127.0.0.1:1"; do
    # shellcheck disable=SC2086 # the command's words, split on purpose
    if out=$("$bin/workshop-check" --lang "$lang" $command 2>&1); then fail "$command succeeded: $out"; fi
    grep -qF "cargo run -p workshop -- check 15" <<<"$out" || fail "$command ($lang): $out"
    [[ $(wc -l <<<"$out") == 1 ]] || fail "$command ($lang) says more than one line: $out"
  done
  echo "  15 ($lang): $out"
done

# The chat room: two members, each typing through a pipe.
serve 5
mkfifo "$copy/ana.in" "$copy/bruno.in"
"$bin/workshop-check" --lang en call 5 --addr "$addr" ana <"$copy/ana.in" >"$copy/ana.out" 2>&1 &
pids+=($!)
ana=$!
exec 3>"$copy/ana.in"
"$bin/workshop-check" --lang en call 5 --addr "$addr" bruno <"$copy/bruno.in" >"$copy/bruno.out" 2>&1 &
pids+=($!)
bruno=$!
exec 4>"$copy/bruno.in"
wait_for_line "$copy/ana.out" "in the room as ana"
wait_for_line "$copy/bruno.out" "in the room as bruno"
echo "hi, I am ana" >&3
wait_for_line "$copy/bruno.out" "ana: hi, I am ana"
echo "hello ana, bruno here" >&4
wait_for_line "$copy/ana.out" "bruno: hello ana, bruno here"
# End of input: each leaves, and the call ends well.
exec 3>&- 4>&-
wait "$ana" || fail "ana's call 5 did not end well: $(cat "$copy/ana.out")"
forget "$ana"
wait "$bruno" || fail "bruno's call 5 did not end well: $(cat "$copy/bruno.out")"
forget "$bruno"
grep -q "^call /workshop.ChatRoom/chat from 127.0.0.1:" "$copy/serve-5.out" || fail "serve 5 logged no call"
stop "${pids[-1]}"
echo "  5: ana and bruno, two processes, heard each other"

echo "workshop: Ctrl-C on serve stops it, with a chat held open"
# ctrl_c_serve PRESSES: `workshop serve 5` in a session of its own (as a
# terminal runs a command), a chat joined and held open, then Ctrl-C
# (SIGINT to the whole process group, as a terminal sends it) PRESSES times.
ctrl_c_serve() {
  local presses=$1 out=$copy/ctrl-c-$1
  setsid "$bin/workshop" --lang en serve 5 --addr 127.0.0.1:0 >"$out.serve" 2>&1 &
  local leader=$!
  pids+=("$leader")
  wait_for_line "$out.serve" "Each call is shown here"
  addr=$(grep -o "on 127\.0\.0\.1:[0-9]*" "$out.serve" | head -n 1 | cut -c 4-)
  mkfifo "$out.in"
  "$bin/workshop-check" --lang en call 5 --addr "$addr" carla <"$out.in" >"$out.chat" 2>&1 &
  local chat=$!
  pids+=("$chat")
  exec 5>"$out.in"
  wait_for_line "$out.chat" "in the room as carla"
  wait_for_line "$out.serve" "call /workshop.ChatRoom/chat"
  local started
  started=$(date +%s%N)
  kill -INT -- "-$leader"
  if [[ $presses == 2 ]]; then
    wait_for_line "$out.serve" "stopping: no new calls"
    kill -INT -- "-$leader"
  fi
  wait "$leader" 2>/dev/null || true
  forget "$leader"
  local ms=$(( ($(date +%s%N) - started) / 1000000 ))
  wait "$chat" 2>/dev/null && fail "the chat ended well although its server stopped"
  forget "$chat"
  exec 5>&-
  grep -qF "server stopped" "$out.serve" || fail "serve 5 did not say it stopped: $(cat "$out.serve")"
  grep -qF "UNAVAILABLE: the server is shutting down" "$out.chat" || fail "the open chat did not end with UNAVAILABLE: $(cat "$out.chat")"
  if pgrep -g "$leader" >/dev/null; then fail "a process of serve 5 outlived its command: $(pgrep -a -g "$leader")"; fi
  echo "  $presses Ctrl-C: stopped after ${ms} ms, the chat ended with UNAVAILABLE, no process left"
}
ctrl_c_serve 1
grep -qF "the grace period is over" "$copy/ctrl-c-1.serve" || fail "one Ctrl-C: no grace period: $(cat "$copy/ctrl-c-1.serve")"
ctrl_c_serve 2
grep -qF "Ctrl-C again" "$copy/ctrl-c-2.serve" || fail "two Ctrl-C: not stopped at once: $(cat "$copy/ctrl-c-2.serve")"

echo "workshop: the tests, the exercises' checks included"
cargo test --quiet -p workshop -- --include-ignored
echo "workshop: OK"
