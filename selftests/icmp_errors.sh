#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ICMP errors reach a connecting socket as they do for TCP: a router that
# answers a SYN with "destination unreachable" makes connect() fail at once
# with that error instead of retrying for syn_retries.
#
#   ns A (10.31.0.1) --veth-- ns R (10.31.0.2, forwards) ; 10.77.0.0/24 unreachable,
#                                                          10.78.0.0/24 prohibited
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
A=icmp_a.$$
R=icmp_r.$$
cleanup() {
	ip netns del "$A" 2>/dev/null
	ip netns del "$R" 2>/dev/null
}
trap cleanup EXIT

echo "TAP version 13"
echo "1..4"
ip netns add "$A" && ip netns add "$R" &&
ip link add va netns "$A" type veth peer vr netns "$R" &&
ip -n "$A" addr add 10.31.0.1/24 dev va && ip -n "$R" addr add 10.31.0.2/24 dev vr &&
ip -n "$A" link set va up && ip -n "$R" link set vr up &&
ip -n "$A" route add default via 10.31.0.2 &&
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratelimit=0 &&
ip -n "$R" route add unreachable 10.77.0.0/24 &&
ip -n "$R" route add prohibit 10.78.0.0/24 || { echo "Bail out! setup failed"; exit 1; }
# without ICMP handling connect() would end with ETIMEDOUT after 1+2+4 s
ip netns exec "$A" sysctl -qw net.atcp.syn_retries=2 net.ipv4.tcp_syn_retries=2

n=0
# atcp under its load-time number (proto=, default 253)
for proto in 6 "$(cat /sys/module/atcp/parameters/proto 2>/dev/null || echo 253)"; do
	for dst in 10.77.0.5 10.78.0.5; do
		n=$((n + 1))
		out=$(ip netns exec "$A" python3 - "$proto" "$dst" <<'PY'
import socket, sys, time
proto, dst = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
s.settimeout(10)
t = time.monotonic()
try:
    s.connect((dst, 80))
    print("connected")
except OSError as e:
    print(e.errno, "%.2f" % (time.monotonic() - t))
PY
)
		read -r err secs <<<"$out"
		# EHOSTUNREACH (113), long before syn_retries would give ETIMEDOUT
		# (7 s); the first ICMP may fall to the host-wide ICMP rate limit
		if [ "$err" = 113 ] && awk -v s="$secs" 'BEGIN { exit !(s < 4) }'; then
			echo "ok $n proto $proto $dst: EHOSTUNREACH after ${secs}s"
		else
			echo "not ok $n proto $proto $dst: got '$out'"
		fi
	done
done
