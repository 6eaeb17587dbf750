#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Module unload safety, TAP output.  With a listener, an SO_REUSEPORT group
# of three listeners (one connection queued), established connections, a
# request (SYN_RECV: the client's final ACK is dropped by tc) and TIME_WAIT
# entries alive, "rmmod atcp" either refuses (the open
# sockets pin the module) or succeeds cleanly; once every socket is closed
# it succeeds even though TIME_WAIT entries remain; insmod again works and
# so do sockets; deleting namespaces that still hold atcp entries (orphans
# killed mid-connection, TIME_WAIT) works and leaks nothing (rmmod works
# afterwards).  The module is loaded again at the end.
#
# Module file: $ATCP_KO, else <repo>/mod/atcp.ko; insmod parameters from
# $ATCP_MODPARAMS.  Needs python3 (the socket holder) and tc/ip.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
KO=${ATCP_KO:-$ROOT/mod/atcp.ko}
DIAG_KO=$(dirname "$KO")/atcp_diag.ko
NS_A=atcp_rmmod_a_$$
NS_B=atcp_rmmod_b_$$
ADDR_A=10.23.0.1
ADDR_B=10.23.0.2
TMP=$(mktemp -d)
PLAN=10
# the protocol number atcp.ko was loaded with (proto=, default 253); the
# reloads below pass the same $ATCP_MODPARAMS
export ATCP_PROTO_NR=$(cat /sys/module/atcp/parameters/proto 2>/dev/null || echo 253)
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n $*"; }
check() {	# check DESCRIPTION CMD...
	local d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
diag() { echo "# $*"; }

echo "TAP version 13"
if ! grep -q '^atcp ' /proc/modules; then
	echo "1..0 # SKIP atcp module not loaded"
	exit 0
fi
if [ ! -r "$KO" ]; then
	echo "1..0 # SKIP $KO missing"
	exit 0
fi
echo "1..$PLAN"

loaded() { grep -q '^atcp ' /proc/modules; }

load() {
	loaded && return 0
	# shellcheck disable=SC2086
	insmod "$KO" ${ATCP_MODPARAMS:-}
}

# atcp_diag depends on atcp: take it out for the test, put it back after
diag_was_loaded=0
if grep -q '^atcp_diag ' /proc/modules; then
	diag_was_loaded=1
	rmmod atcp_diag || diag "cannot unload atcp_diag"
fi

cleanup() {
	[ -n "${HOLDER_PID:-}" ] && kill -9 "$HOLDER_PID" 2>/dev/null
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	load || echo "# could not load $KO again"
	if [ $diag_was_loaded = 1 ] && ! grep -q '^atcp_diag ' /proc/modules; then
		insmod "$DIAG_KO" 2>/dev/null || modprobe atcp_diag 2>/dev/null ||
			echo "# could not load atcp_diag again"
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

# Two namespaces joined by a veth pair, static neighbours.
make_net() {
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	ip netns add "$NS_A" && ip netns add "$NS_B" &&
	ip -n "$NS_A" link add veth_a index 10 address 02:00:0a:17:00:01 type veth \
		peer name veth_b index 20 address 02:00:0a:17:00:02 netns "$NS_B" &&
	ip -n "$NS_A" addr add $ADDR_A/24 dev veth_a &&
	ip -n "$NS_B" addr add $ADDR_B/24 dev veth_b &&
	ip -n "$NS_A" link set lo up && ip -n "$NS_B" link set lo up &&
	ip -n "$NS_A" link set veth_a up && ip -n "$NS_B" link set veth_b up &&
	ip -n "$NS_A" neigh replace $ADDR_B lladdr 02:00:0a:17:00:02 dev veth_a nud permanent &&
	ip -n "$NS_B" neigh replace $ADDR_A lladdr 02:00:0a:17:00:01 dev veth_b nud permanent &&
	# A's pure ACKs to port 7001 are lost: connections there stay requests in B
	tc -n "$NS_A" qdisc add dev veth_a clsact &&
	tc -n "$NS_A" filter add dev veth_a egress protocol ip prio 1 u32 \
		match ip protocol "$ATCP_PROTO_NR" 0xff match u16 7001 0xffff at 22 \
		match u8 0x10 0xff at 33 action drop
}

# Socket holder: "hold" opens a listener (7000) and a request target (7001)
# in B, three established connections, two connections closed client first
# (TIME_WAIT in A) and one whose final ACK is lost, prints "ready" and keeps
# everything open until stdin closes.  "echo" checks one connection.
cat >"$TMP/holder.py" <<'EOF'
import ctypes, os, socket, sys

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000
IPPROTO_ATCP = int(os.environ["ATCP_PROTO_NR"])

def setns(name):
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET):
        raise OSError(ctypes.get_errno(), "setns " + name)
    os.close(fd)

def sock():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_ATCP)
    s.settimeout(5)
    return s

def listener(addr, port, reuseport=False):
    s = sock()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuseport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind((addr, port))
    s.listen(16)
    return s

mode, ns_a, ns_b, addr_b = sys.argv[1:5]
setns(ns_b)
lst = listener(addr_b, 7000)
lst_req = listener(addr_b, 7001)
group = [listener(addr_b, 7002, True) for i in range(3)]
setns(ns_a)
keep = [lst, lst_req] + group

def connection():
    c = sock()
    c.connect((addr_b, 7000))
    s, _ = lst.accept()
    c.sendall(b"hello")
    assert s.recv(5) == b"hello"
    s.sendall(b"world")
    assert c.recv(5) == b"world"
    return c, s

if mode == "echo":
    c, s = connection()
    c.close()
    s.close()
    print("echo ok", flush=True)
    sys.exit(0)

for i in range(3):
    keep += connection()
for i in range(2):
    c, s = connection()
    c.shutdown(socket.SHUT_WR)
    assert s.recv(1) == b""
    s.close()
    assert c.recv(1) == b""
    c.close()
r = sock()
r.connect((addr_b, 7001))
keep.append(r)
g = sock()
g.connect((addr_b, 7002))
keep.append(g)
print("ready", flush=True)
sys.stdin.read()
EOF

# count NS STATE: /proc/net/atcp entries of a namespace in a state (hex, "06")
count() {
	ip netns exec "$1" awk -v st="$2" 'NR > 1 && $4 == st { n++ } END { print n + 0 }' \
		/proc/net/atcp 2>/dev/null || echo 0
}

# wait_count NS STATE MIN: until at least MIN entries (5 s)
wait_count() {
	local i
	for i in $(seq 50); do
		[ "$(count "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.1
	done
	diag "$1: $(count "$1" "$2") entries in state $2, wanted $3"
	ip netns exec "$1" cat /proc/net/atcp | sed 's/^/#   /'
	return 1
}

start_holder() {
	coproc HOLDER { exec python3 "$TMP/holder.py" hold "$NS_A" "$NS_B" $ADDR_B 2>&1; }
	HOLDER_PID=$HOLDER_PID
	local line=""
	read -r -t 20 -u "${HOLDER[0]}" line
	[ "$line" = ready ] || { diag "holder: $line"; return 1; }
}

stop_holder() {	# closes stdin: the holder closes its sockets and exits
	local pid=$HOLDER_PID
	eval "exec ${HOLDER[1]}>&-"
	wait "$pid" 2>/dev/null
	HOLDER_PID=
}

entries_of_every_kind() {
	wait_count "$NS_B" 0A 5 && wait_count "$NS_B" 01 4 && wait_count "$NS_A" 01 5 &&
	wait_count "$NS_B" 03 1 && wait_count "$NS_A" 06 2
}

rmmod_with_sockets() {
	local out
	if out=$(rmmod atcp 2>&1); then
		diag "rmmod succeeded with sockets open"
		sleep 0.5
		load
	else
		diag "rmmod refused: $out"
		loaded && [[ $out == *"in use"* ]]
	fi
}

# rmmod_retry: netns cleanup and orphan teardown are asynchronous
rmmod_retry() {
	local i out
	for i in $(seq 100); do
		if out=$(rmmod atcp 2>&1); then
			[ "$i" -gt 1 ] && diag "rmmod succeeded at try $i (0.1 s apart)"
			return 0
		fi
		sleep 0.1
	done
	diag "rmmod: $out"
	diag "$(grep '^atcp ' /proc/modules)"
	return 1
}

echo_works() {
	local out
	out=$(python3 "$TMP/holder.py" echo "$NS_A" "$NS_B" $ADDR_B 2>&1)
	[ "$out" = "echo ok" ] || { diag "$out"; return 1; }
}

# Sockets of earlier tests may still be closing; a reference that never
# drains is a leak, and every unload below would fail because of it.
refs_drain() {
	local i
	# orphans of earlier tests give up within ~30 s; a leak must fail, not time out
	for i in $(seq 600); do
		[ "$(cat /sys/module/atcp/refcnt)" = 0 ] && return 0
		sleep 0.1
	done
	diag "$(cat /sys/module/atcp/refcnt) references to atcp held by earlier tests (leaked sockets?)"
	return 1
}
check "no atcp socket left over from earlier tests" refs_drain

if ! make_net; then
	not_ok "namespaces with veth and tc"
	exit 1
fi
ip netns exec "$NS_A" sh -c 'echo 20000 >/proc/sys/net/atcp/msl_ms'

if start_holder && entries_of_every_kind; then
	ok "LISTEN, ESTABLISHED, SYN_RECV and TIME_WAIT entries alive"
else
	not_ok "LISTEN, ESTABLISHED, SYN_RECV and TIME_WAIT entries alive"
fi
check "rmmod with open sockets refuses (module in use) or unloads cleanly" rmmod_with_sockets
stop_holder
check "all sockets closed, TIME_WAIT entries remain" wait_count "$NS_A" 06 2
check "rmmod with only TIME_WAIT entries left succeeds" rmmod_retry
check "insmod again" load
make_net
check "sockets work after reloading" echo_works

# namespaces deleted while they hold entries: TIME_WAIT, requests and
# orphans of connections whose owner was killed mid-flight
if start_holder && entries_of_every_kind; then
	kill -9 "$HOLDER_PID"
	wait "$HOLDER_PID" 2>/dev/null
	HOLDER_PID=
	ip netns del "$NS_A" && ip netns del "$NS_B"
	check "delete namespaces holding atcp entries" true
else
	not_ok "delete namespaces holding atcp entries"
fi
check "rmmod after the namespaces are gone (nothing leaked)" rmmod_retry
check "insmod again (left loaded)" load
[ $n -eq $PLAN ] || diag "ran $n of $PLAN cases"
exit $failed
