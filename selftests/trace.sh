#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# atcp's trace events and `atcp trace`: the six scenarios of
# scripts/demo-figures (real connections between two namespaces), each
# recorded with `atcp -j trace -c 1`.  Asserts the exact segment sequence
# (the one Linux TCP sends for the same socket calls; where segments cross
# on the wire their order is free) and both ends' state sequences,
# including the listener's request entry (LISTEN -> SYN_RECV) and the
# TIME_WAIT entry's end; that each SVG is well-formed XML with one arrow per
# segment; that the tool left no tracefs instance and no event enabled;
# and that a tcpdump capture read with --pcap gives the same segments.
# atcp-only: Linux TCP has no atcp:* events.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
A=$ROOT/tools/atcp/atcp
T=$(mktemp -d)
TR=/sys/kernel/tracing
PROTO=$(cat /sys/module/atcp/parameters/proto 2>/dev/null || echo 253)
cleanup() {
	[ -n "${TDPID:-}" ] && kill "$TDPID" 2>/dev/null
	ip netns del srv 2>/dev/null
	ip netns del cli 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
echo "TAP version 13"
echo "1..11"
. "$ROOT/selftests/helper_tap.sh"

[ -d "$TR/events" ] || mount -t tracefs tracefs "$TR" 2>/dev/null
ok "atcp:atcp_segment and atcp:atcp_state exist" \
	test -d "$TR/events/atcp/atcp_segment" -a -d "$TR/events/atcp/atcp_state"

"$ROOT/scripts/demo-figures" -j -q "$T/out" >"$T/figures.log" 2>&1
figures_rc=$?
ok "scripts/demo-figures: six scenarios and the state diagram" \
	sh -c "cat '$T/figures.log'; exit $figures_rc"

cat >"$T/check.py" <<'PY'
import json, sys
import xml.etree.ElementTree as ET

out, name = sys.argv[1], sys.argv[2]
C, S = 0, 1     # the opener (left column), the other end
HS = [(C, "SYN"), (S, "SYN,ACK"), (C, "ACK")]
EXPECT = {
    "handshake": (HS + [(C, "PSH,ACK", 5), (S, "ACK"), (S, "PSH,ACK", 5), (C, "ACK"),
                        (C, "FIN,ACK"), (S, "ACK"), (S, "FIN,ACK"), (C, "ACK")],
                  "CLOSE SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE",
                  "LISTEN SYN_RECV ESTABLISHED CLOSE_WAIT LAST_ACK CLOSE"),
    # crossing pairs: {SYN, SYN}, {SYN-ACK, SYN-ACK}, {ACK, ACK}
    "simopen": ([{(C, "SYN"), (S, "SYN")}, {(C, "SYN,ACK"), (S, "SYN,ACK")},
                 {(C, "ACK"), (S, "ACK")},
                 (C, "FIN,ACK"), (S, "ACK"), (S, "FIN,ACK"), (C, "ACK")],
                "CLOSE SYN_SENT SYN_RECV ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE",
                "CLOSE SYN_SENT SYN_RECV ESTABLISHED CLOSE_WAIT LAST_ACK CLOSE"),
    "simclose": (HS + [{(C, "FIN,ACK"), (S, "FIN,ACK")}, {(C, "ACK"), (S, "ACK")}],
                 "CLOSE SYN_SENT ESTABLISHED FIN_WAIT1 CLOSING TIME_WAIT CLOSE",
                 "LISTEN SYN_RECV ESTABLISHED FIN_WAIT1 CLOSING TIME_WAIT CLOSE"),
    # the FIN that ACKs ours moves FIN_WAIT1 through FIN_WAIT2 to TIME_WAIT
    # at once, as Linux's inet_sock_set_state shows too
    "finack": (HS + [(C, "FIN,ACK"), (S, "FIN,ACK"), (C, "ACK")],
               "CLOSE SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE",
               "LISTEN SYN_RECV ESTABLISHED CLOSE_WAIT LAST_ACK CLOSE"),
    "linger": (HS + [(C, "RST,ACK")],
               "CLOSE SYN_SENT ESTABLISHED CLOSE",
               "LISTEN SYN_RECV ESTABLISHED CLOSE"),
    "lostack": (HS + [(C, "FIN,ACK"), (S, "ACK"), (S, "FIN,ACK"), (C, "ACK"),
                      (S, "FIN,ACK"), (C, "ACK")],
                "CLOSE SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE",
                "LISTEN SYN_RECV ESTABLISHED CLOSE_WAIT LAST_ACK CLOSE"),
}

def key(s):
    k = (s["from"], s["flags"])
    return k + (s["len"],) if s["len"] else k

def check_segments(segs, expect):
    got = [key(s) for s in segs]
    i = 0
    for e in expect:
        if isinstance(e, set):
            part = set(got[i:i + len(e)])
            assert part == e, "segments %d..: %s, expected %s (all: %s)" % (i, part, e, got)
            i += len(e)
        else:
            assert i < len(got) and got[i] == e, "segment %d: %s, expected %s (all: %s)" % (
                i, got[i] if i < len(got) else None, e, got)
            i += 1
    assert i == len(got), "extra segments: %s" % got[i:]

d = json.load(open("%s/%s.json" % (out, name)))
conns = d["connections"]
assert len(conns) == 1, "%d connections" % len(conns)
c = conns[0]
segs, cstates, sstates = EXPECT[name]
print("# segments:", [key(s) for s in c["segments"]])
print("# states:", [" ".join(e["states"]) for e in c["ends"]])
assert all(e["traced"] for e in c["ends"]), c["ends"]
check_segments(c["segments"], segs)
assert " ".join(c["ends"][0]["states"]) == cstates, c["ends"][0]["states"]
assert " ".join(c["ends"][1]["states"]) == sstates, c["ends"][1]["states"]
# every segment seen sent and received, but the lost one
lost = [i for i, s in enumerate(c["segments"]) if s["lost"]]
assert lost == ([6] if name == "lostack" else []), lost
for i, s in enumerate(c["segments"]):
    assert s["t_sent"] is not None, (i, s)
    assert s["lost"] or s["t_recv"] is not None, (i, s)
if name == "lostack":
    # the retransmitted FIN meets the TIME_WAIT entry, which ACKs it
    assert c["segments"][7]["state_receiver"] == "TIME_WAIT", c["segments"][7]
    assert c["segments"][8]["state_sender"] == "TIME_WAIT", c["segments"][8]
kinds = {(e["kind"], e["old"], e["new"]) for e in c["states"]}
if sstates.startswith("LISTEN"):
    assert ("request", "LISTEN", "SYN_RECV") in kinds, kinds
if "TIME_WAIT" in cstates:
    assert ("timewait", "TIME_WAIT", "CLOSE") in kinds, kinds
# relative sequence numbers: the SYN is 0, the first data byte 1
assert c["segments"][0]["seq"] == 0
# the figure: well-formed, one arrow per segment
svg = ET.parse("%s/%s.svg" % (out, name)).getroot()
arrows = [e for e in svg.iter("{http://www.w3.org/2000/svg}line")
          if e.get("class", "").split()[0:1] == ["seg"]]
assert len(arrows) == len(c["segments"]), (len(arrows), len(c["segments"]))
PY

for s in handshake simopen simclose finack linger lostack; do
	ok "$s: segments, states, SVG" python3 "$T/check.py" "$T/out" "$s"
done

ok "state diagram SVG: well-formed, the edges taken highlighted" python3 -c '
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
hot = [p for p in r.iter(ns + "path") if "hot" in p.get("class", "")]
counts = [t.text for t in r.iter(ns + "text") if t.get("class") == "count"]
print("# hot edges:", len(hot), "counts:", counts)
assert len(hot) >= 14 and len(counts) == len(hot), (len(hot), counts)
' "$T/out/states.svg"

ok "no instance left behind, events off" sh -c "
	! ls -d $TR/instances/atcp-trace-* 2>/dev/null &&
	grep -qx 0 $TR/events/atcp/atcp_segment/enable &&
	grep -qx 0 $TR/events/atcp/atcp_state/enable"

# a capture as the source: one vantage point (cli's veth), no states
pcap_case() (
	set -e
	trap '[ -n "${TDPID:-}" ] && kill "$TDPID"' EXIT
	ip netns add srv; ip netns add cli
	ip link add veth-srv netns srv type veth peer name veth-cli netns cli
	ip -n srv addr add 10.10.0.1/24 dev veth-srv
	ip -n cli addr add 10.10.0.2/24 dev veth-cli
	ip -n srv link set veth-srv up; ip -n cli link set veth-cli up
	ip netns exec srv sysctl -qw net.atcp.delack_ms=100 net.atcp.msl_ms=250
	ip netns exec cli sysctl -qw net.atcp.delack_ms=100 net.atcp.msl_ms=250
	# --immediate-mode: each packet reaches tcpdump at once (not when a
	# buffer block times out), -U: it is written to the file at once
	ip netns exec cli tcpdump --immediate-mode -U -n -i veth-cli -w "$T/cap.pcap" \
		"ip proto $PROTO" 2>"$T/tcpdump.err" &
	TDPID=$!
	for _ in $(seq 100); do grep -q listening "$T/tcpdump.err" && break; sleep 0.1; done
	timeout 60 "$ROOT/tools/demo/atcp-scenario.py" handshake
	# stop tcpdump once the file holds every segment the traced run saw
	want=$(python3 -c 'import json, sys
print(len(json.load(open(sys.argv[1]))["connections"][0]["segments"]))' "$T/out/handshake.json")
	for _ in $(seq 300); do
		[ "$(tcpdump -r "$T/cap.pcap" 2>/dev/null | wc -l)" -ge "$want" ] && break
		sleep 0.1
	done
	kill -INT "$TDPID"; wait "$TDPID" || true; TDPID=
	"$A" -j trace --pcap "$T/cap.pcap" --svg "$T/pcap.svg" >"$T/pcap.json"
	python3 - "$T/pcap.json" "$T/out/handshake.json" "$T/pcap.svg" <<'PY'
import json, sys, xml.etree.ElementTree as ET
p = json.load(open(sys.argv[1]))["connections"]
t = json.load(open(sys.argv[2]))["connections"][0]
assert len(p) == 1, len(p)
k = lambda c: [(s["from"], s["flags"], s["len"]) for s in c["segments"]]
print("# pcap:", k(p[0]))
assert k(p[0]) == k(t), (k(p[0]), k(t))
assert not any(e["traced"] for e in p[0]["ends"])
ET.parse(sys.argv[3])
PY
)
ok "--pcap: a tcpdump capture gives the same segments" pcap_case
exit 0
