#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# wire-rr.sh [N] - segments on the wire per request/response transaction
# (rr: one connection, N 1-byte transactions) and per connection (crr: N
# connections of one transaction each, client closes first), TCP vs atcp,
# over loopback in a fresh namespace.  Captures in the test VM, counts on
# the host (tshark takes half a minute per file under TCG):
#     scripts/vmrun bench/wire-rr.sh 50 && bench/wire-rr.sh --count
# Captures go to build/bench/wire/{rr,crr}-{6,253}.pcap; the count gives
# all segments, pure ACKs and data segments (tshark decodes 253 as TCP).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/bench/wire

if [ "${1:-}" = --count ]; then
	for mode in rr crr; do
		for proto in 6 253; do
			f=$OUT/$mode-$proto.pcap
			[ -r "$f" ] || continue
			count() { tshark -r "$f" -d ip.proto==253,tcp -Y "$1" 2>/dev/null | wc -l; }
			printf '%-3s %-4s: %4d segments, %4d pure ACKs, %4d data\n' $mode \
				"$([ $proto = 6 ] && echo TCP || echo ATCP)" \
				"$(count tcp)" "$(count 'tcp.len==0 && tcp.flags==0x010')" \
				"$(count 'tcp.len>0')"
		done
	done
	exit 0
fi

N=${1:-50}
NS=wire-rr
mkdir -p "$OUT"
ip netns add $NS || exit 1
trap 'ip netns del $NS' EXIT
ip netns exec $NS ip link set lo up

# the workload: a forked server, NODELAY on both sides (SOL_ATCP == 253)
PY='
import os, socket, sys
proto, mode, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
sol, addr = (6 if proto == 6 else 253), ("127.0.0.1", 9000)
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(addr)
ls.listen(128)
if os.fork() == 0:
    for _ in range(1 if mode == "rr" else n):
        c = ls.accept()[0]
        c.setsockopt(sol, 1, 1)
        while True:
            b = c.recv(1)
            if not b:
                break
            c.send(b)
        c.close()
    os._exit(0)
ls.close()
def conn():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    s.setsockopt(sol, 1, 1)
    s.connect(addr)
    return s
s = conn()
for i in range(n):
    if mode == "crr" and i:
        s = conn()
    s.send(b"q")
    assert s.recv(1) == b"q"
    if mode == "crr" or i == n - 1:
        s.close()
os.wait()
'
for mode in rr crr; do
	for proto in 6 253; do
		f=$OUT/$mode-$proto.pcap
		ip netns exec $NS tcpdump -i lo -s 128 -B 8192 -w /tmp/wire.pcap 2>/dev/null &
		pid=$!
		sleep 1
		ip netns exec $NS /usr/bin/python3 -c "$PY" $proto $mode "$N" || echo "$mode $proto failed"
		sleep 2
		kill $pid
		wait $pid
		cp /tmp/wire.pcap "$f"
		echo "$mode $proto: $f"
	done
done
