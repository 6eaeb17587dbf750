#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The atcp tool (tools/atcp/atcp) in a fresh network namespace: param
# get/set and refusals, monitor of a full lifecycle (both ends on loopback,
# TIME_WAIT expiry with msl_ms shortened), ss with state and port filters,
# stat, diagram (text, --dot, JSON).  Needs atcp_diag.ko for ss: inserted
# from mod/ if not loaded, removed again at the end.
set -u
if [ -z "${ATCP_TOOL_NETNS:-}" ]; then
	ATCP_TOOL_NETNS=1 exec unshare -n bash "${BASH_SOURCE[0]}" "$@"
fi
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
A=$ROOT/tools/atcp/atcp
T=$(mktemp -d)
PORT=7300
# the loaded module's protocol number (proto=, default 253)
PROTO=$(cat /sys/module/atcp/parameters/proto 2>/dev/null || echo 253)
loaded_diag=
cleanup() {
	[ -n "$loaded_diag" ] && rmmod atcp_diag 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export ATCP_STAT_HISTORY=$T/stat.history
echo "TAP version 13"
echo "1..15"
. "$ROOT/selftests/helper_tap.sh"
json_ok() { python3 -c 'import json,sys; json.load(sys.stdin)'; }

ip link set lo up
if [ ! -x "$A" ]; then
	echo "# $A not built"
	exit 1
fi
if [ ! -e /sys/module/atcp_diag ]; then
	modprobe inet_diag 2>/dev/null
	insmod "$ROOT/mod/atcp_diag.ko" && loaded_diag=1
fi

# ---- param
ok "param: set through netlink, read through sysctl" bash -c \
	"'$A' param msl_ms 150 | grep -q '^msl_ms  *150 ' && [ \$(sysctl -n net.atcp.msl_ms) = 150 ]"
ok "param: set through sysctl, read through netlink (JSON)" bash -c \
	"sysctl -qw net.atcp.msl_ms=50 && '$A' -j param net.atcp.msl_ms | \
	 python3 -c 'import json,sys; p=json.load(sys.stdin)[0]; assert p[\"value\"]==50, p'"
ok "param: out of range refused with the kernel's message" bash -c \
	"! '$A' param msl_ms 0 2>'$T/err' && grep -q 'range' '$T/err' && \
	 [ \$(sysctl -n net.atcp.msl_ms) = 50 ] && ! '$A' param no_such 1 2>/dev/null"
ok "param: dump lists every tunable (JSON)" bash -c \
	"'$A' -j param | python3 -c 'import json,sys; l=json.load(sys.stdin); \
	 assert len(l) >= 10 and all(p[\"min\"] <= p[\"default\"] <= p[\"max\"] for p in l if \"min\" in p); \
	 assert [p[\"value\"] for p in l if p[\"name\"] == \"congestion_control\"] == [\"cubic\"]'"
ok "param: a triple set through netlink reads back through sysctl" bash -c \
	"'$A' param rmem '4096 65536 1048576' | grep -q '4096 65536 1048576' && \
	 sysctl -n net.atcp.rmem | grep -qP '^4096\\s+65536\\s+1048576\$' && \
	 ! '$A' param rmem '3 2 1' 2>/dev/null && ! '$A' param available_congestion_control reno 2>/dev/null"
ok "param: string tunable set by name" bash -c \
	"'$A' param congestion_control reno | grep -q reno && [ \$(sysctl -n net.atcp.congestion_control) = reno ] && \
	 ! '$A' param congestion_control bogus 2>/dev/null && '$A' param congestion_control cubic >/dev/null"

# ---- a full lifecycle on loopback, watched by monitor (TIME_WAIT: 2 * 300 ms)
sysctl -qw net.atcp.msl_ms=300
"$A" -j monitor -c 13 >"$T/mon.json" 2>"$T/mon.err" &
MON=$!
sleep 0.5
cat >"$T/life.py" <<PY
import socket, subprocess, time, sys
A = "$A"
def run(*args):
    return subprocess.run([A] + list(args), capture_output=True, text=True, timeout=10).stdout
l = socket.socket(socket.AF_INET, socket.SOCK_STREAM, $PROTO)
l.bind(("127.0.0.1", $PORT)); l.listen(4)
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, $PROTO)
c.connect(("127.0.0.1", $PORT))
s, _ = l.accept()
open("$T/ss_all.json", "w").write(run("-j", "ss", "-a", "-i"))
open("$T/ss_l.txt", "w").write(run("ss", "-l"))
open("$T/ss_sport.txt", "w").write(run("ss", "state", "established", "sport", "$PORT"))
open("$T/ss_dport.txt", "w").write(run("ss", "-a", "dport", ":$PORT"))
c.close()
time.sleep(0.2)           # client in FIN_WAIT2
assert s.recv(1) == b""
s.close()
time.sleep(0.05)
open("$T/ss_tw.txt", "w").write(run("ss", "state", "time-wait"))
time.sleep(1.0)           # 2 * msl_ms = 600 ms
l.close()
PY
ok "lifecycle script" timeout 30 python3 "$T/life.py"
timeout 5 tail --pid=$MON -f /dev/null
kill $MON 2>/dev/null

ok "monitor: every event of both ends, in order, with causes" python3 - "$T/mon.json" "$PORT" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
port = int(sys.argv[2])
for e in ev:
    print(e)
assert len(ev) == 13, len(ev)
assert all(a["time_ns"] <= b["time_ns"] for a, b in zip(ev, ev[1:]))
def seq(pred):
    return [(e["old"], e["new"], e["cause"]) for e in ev if pred(e)]
cli = seq(lambda e: e["dport"] == port)
srv = seq(lambda e: e["sport"] == port and e["dport"] != 0)
lsn = seq(lambda e: e["sport"] == port and e["dport"] == 0)
assert cli == [("CLOSE", "SYN_SENT", "syscall"), ("SYN_SENT", "ESTABLISHED", "segment"),
               ("ESTABLISHED", "FIN_WAIT1", "syscall"), ("FIN_WAIT1", "FIN_WAIT2", "segment"),
               ("FIN_WAIT2", "TIME_WAIT", "segment"), ("TIME_WAIT", "CLOSE", "timer")], cli
assert srv == [("LISTEN", "SYN_RECV", "segment"), ("SYN_RECV", "ESTABLISHED", "segment"),
               ("ESTABLISHED", "CLOSE_WAIT", "segment"), ("CLOSE_WAIT", "LAST_ACK", "syscall"),
               ("LAST_ACK", "CLOSE", "segment")], srv
assert lsn == [("CLOSE", "LISTEN", "syscall"), ("LISTEN", "CLOSE", "syscall")], lsn
tw = [e for e in ev if e["old"] == "TIME_WAIT"][0]
assert tw["kind"] == "timewait" and tw["detail"] == "time_wait", tw
assert [e for e in ev if e["new"] == "SYN_RECV"][0]["kind"] == "request"
PY

ok "ss -a -i (JSON): listener and both ends, with info" python3 - "$T/ss_all.json" "$PORT" <<'PY'
import json, sys
l = json.load(open(sys.argv[1])); port = int(sys.argv[2])
print(l)
assert sorted(s["state"] for s in l) == ["ESTAB", "ESTAB", "LISTEN"], l
assert all("info" in s for s in l)
assert [s for s in l if s["state"] == "LISTEN"][0]["lport"] == port
assert any(s["pport"] == port for s in l)
PY
ok "ss -l, state and port filters" bash -c "cat '$T'/ss_*.txt; \
	[ \$(grep -c LISTEN '$T/ss_l.txt') = 1 ] && [ \$(grep -c ESTAB '$T/ss_l.txt') = 0 ] && \
	[ \$(grep -c ESTAB '$T/ss_sport.txt') = 1 ] && grep -q '127.0.0.1:$PORT ' '$T/ss_sport.txt' && \
	[ \$(grep -c ESTAB '$T/ss_dport.txt') = 1 ] && [ \$(grep -c LISTEN '$T/ss_dport.txt') = 0 ] && \
	[ \$(grep -c TIME-WAIT '$T/ss_tw.txt') = 1 ]"

# ---- counters
ok "stat: the lifecycle's counters (JSON)" bash -c "'$A' -j stat | python3 -c '
import json, sys
s = json.load(sys.stdin); c = s[\"counters\"]; print(s)
assert c[\"AtcpActiveOpens\"] == 1 and c[\"AtcpPassiveOpens\"] == 1 and c[\"AtcpTW\"] == 1, c
assert \"AtcpCurrEstab\" not in c
e = {(x[\"from\"], x[\"to\"]): x[\"count\"] for x in s[\"edges\"]}
assert e[(\"TIME_WAIT\", \"CLOSE\")] == 1 and len(e) == 13, e'"
ok "stat -z -d: deltas over an interval" bash -c \
	"'$A' stat -z -d 0.2 | tee /dev/stderr | grep -q '^AtcpActiveOpens  *0 ' && \
	 '$A' stat -a | grep -q '^AtcpActiveOpens  *1\$'"
ok "stat: increments since the last run, from a history file (like nstat)" bash -c \
	"'$A' stat -n && [ -s '$T/stat.history' ] && python3 -c \"
import socket
l = socket.socket(2, 1, $PROTO); l.bind(('127.0.0.1', $((PORT + 1)))); l.listen(1)
c = socket.socket(2, 1, $PROTO); c.connect(('127.0.0.1', $((PORT + 1))))
s, _ = l.accept(); c.close(); s.close(); l.close()\" && \
	 '$A' stat | tee /dev/stderr | grep -q '^AtcpActiveOpens  *1\$' && \
	 ! '$A' stat | grep -q '^AtcpActiveOpens' && \
	 '$A' stat -r | grep -q '^AtcpActiveOpens  *2\$'"

# ---- diagram
ok "diagram: exercised edges marked" bash -c "'$A' diagram | tee /dev/stderr | \
	grep -q '13 of 20 diagram edges exercised' && \
	'$A' diagram | grep -q '^  \\* TIME_WAIT   -> CLOSED ' && \
	'$A' diagram | grep -q '^    SYN_SENT    -> SYN_RECV '"
ok "diagram --dot and -j" bash -c "'$A' diagram --dot | head -1 | grep -q '^digraph atcp' && \
	'$A' diagram --dot | grep -q '\"LISTEN\" -> \"SYN_RECV\" .*penwidth' && \
	'$A' -j diagram | python3 -c 'import json,sys; d=json.load(sys.stdin); \
	 assert len(d[\"edges\"]) == 20 and d[\"other\"] == [], d'"
exit 0
