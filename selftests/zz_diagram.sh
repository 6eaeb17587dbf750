#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Walk every edge of RFC 9293's state diagram that the socket API can reach,
# in one fresh network namespace over loopback, then check that
# `atcp diagram` shows each of them exercised.  netem delays loopback by
# 200 ms where segments must cross (simultaneous open and close) or arrive
# after a close (RST to a SYN_RECV request entry).  LISTEN -> SYN_SENT
# (SEND on a listener) has no socket call, as with Linux TCP.
set -u
if [ -z "${ATCP_DIAGRAM_NETNS:-}" ]; then
	ATCP_DIAGRAM_NETNS=1 exec unshare -n bash "${BASH_SOURCE[0]}" "$@"
fi
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
A=$ROOT/tools/atcp/atcp
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# the loaded module's protocol number (proto=, default 253)
export ATCP_PROTO_NR=$(cat /sys/module/atcp/parameters/proto 2>/dev/null || echo 253)
echo "TAP version 13"
echo "1..2"
ip link set lo up
sysctl -qw net.atcp.msl_ms=100

cat >"$T/walk.py" <<'PY'
import os, socket, subprocess, time, errno

PROTO = int(os.environ["ATCP_PROTO_NR"])

def sock(port=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, PROTO)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if port:
        s.bind(("127.0.0.1", port))
    return s

def netem(on):
    cmd = "tc qdisc replace dev lo root netem delay 200ms" if on else \
          "tc qdisc del dev lo root"
    subprocess.run(cmd.split(), check=True)

def nb_connect(s, port):
    s.setblocking(False)
    err = s.connect_ex(("127.0.0.1", port))
    assert err == errno.EINPROGRESS, err

# 1. the ordinary life: CLOSED->LISTEN, CLOSED->SYN_SENT, LISTEN->SYN_RECV,
#    SYN_SENT->ESTABLISHED, SYN_RECV->ESTABLISHED, ESTABLISHED->FIN_WAIT1,
#    ESTABLISHED->CLOSE_WAIT, FIN_WAIT1->FIN_WAIT2, CLOSE_WAIT->LAST_ACK,
#    FIN_WAIT2->TIME_WAIT, LAST_ACK->CLOSED, TIME_WAIT->CLOSED, LISTEN->CLOSED
l = sock(7400); l.listen(8)
c = sock(); c.connect(("127.0.0.1", 7400))
s, _ = l.accept()
c.close(); time.sleep(0.1)
assert s.recv(1) == b""
s.close(); time.sleep(0.5)
l.close()

netem(True)
# 2. SYN_SENT->CLOSED (close during connect), and the late SYN-ACK draws a
#    RST that returns the listener's request entry to LISTEN (SYN_RECV->LISTEN)
l = sock(7401); l.listen(8)
c = sock(); nb_connect(c, 7401)
time.sleep(0.3)         # SYN arrived (200 ms), SYN-ACK under way
c.close()
time.sleep(0.7)         # SYN-ACK -> RST -> request gone
l.close()

# 3. simultaneous open (SYN_SENT->SYN_RECV on both), one side closes in
#    SYN_RECV (SYN_RECV->FIN_WAIT1), the other completes (SYN_RECV->ESTABLISHED)
a = sock(7402); b = sock(7403)
nb_connect(a, 7403); nb_connect(b, 7402)
time.sleep(0.3)         # both SYNs arrived: both in SYN_RECV
a.close()
time.sleep(1.0)
b.close()
time.sleep(1.0)

# 4. simultaneous close: FIN_WAIT1->CLOSING->TIME_WAIT on both ends
l = sock(7404); l.listen(8)
c = sock(); c.connect(("127.0.0.1", 7404))
s, _ = l.accept()
time.sleep(0.5)
c.close(); s.close()
time.sleep(1.2)         # FINs cross (200 ms), ACKs, TIME_WAIT 200 ms
l.close()
netem(False)
time.sleep(0.3)
PY

n=1
if timeout 60 python3 "$T/walk.py" >"$T/log" 2>&1; then
	echo "ok $n walk the diagram"
else
	echo "not ok $n walk the diagram"
	sed 's/^/# /' "$T/log"
fi
n=2
"$A" diagram | sed 's/^/# /'
if "$A" -j diagram | python3 -c '
import json, sys
d = json.load(sys.stdin)
missing = [(e["from"], e["to"]) for e in d["edges"] if not e["count"]]
print("# missing:", missing)
assert missing == [("LISTEN", "SYN_SENT")], missing
'; then
	echo "ok $n atcp diagram: every reachable RFC 9293 edge exercised"
else
	echo "not ok $n atcp diagram: every reachable RFC 9293 edge exercised"
fi
exit 0
