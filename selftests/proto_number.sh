#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The IP protocol number is atcp.ko's load-time choice (proto=, default 253):
# /sys/module/atcp/parameters/proto shows it read-only, socket() takes that
# number and no other, and the segments on the wire carry it.  CI runs this
# with the default and with proto=254.
set -u
P=/sys/module/atcp/parameters/proto
NS=protonum.$$
loaded_diag=
cleanup() {
	ip netns del "$NS" 2>/dev/null
	[ -n "$loaded_diag" ] && rmmod atcp_diag 2>/dev/null
}
trap cleanup EXIT
echo "TAP version 13"
echo "1..3"
if [ ! -r "$P" ]; then
	echo "ok 1 # SKIP atcp.ko not loaded"
	echo "ok 2 # SKIP atcp.ko not loaded"
	echo "ok 3 # SKIP atcp.ko not loaded"
	exit 0
fi
proto=$(cat "$P")
mode=$(stat -c %a "$P")
if [ "$mode" = 444 ] && [ "$proto" -ge 1 ] && [ "$proto" -le 254 ]; then
	echo "ok 1 proto=$proto, read-only ($mode)"
else
	echo "not ok 1 proto=$proto mode $mode (want 1..254, 444)"
fi
other=$((proto == 253 ? 254 : 253))
ip netns add "$NS" && ip -n "$NS" link set lo up || { echo "Bail out! netns"; exit 1; }
out=$(ip netns exec "$NS" python3 - "$proto" "$other" 2>&1 <<'PY'
import errno, socket, sys
proto, other = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
try:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM, other)
    print("socket(%d) works too" % other)
except OSError as e:
    if e.errno != errno.EPROTONOSUPPORT:
        print("socket(%d): %s" % (other, e))
# a raw socket of the number sees the SYN of a connection over lo
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, proto)
raw.settimeout(5)
lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
lst.bind(("127.0.0.1", 0))
lst.listen(1)
s.connect(lst.getsockname())
pkt = raw.recv(2048)
print("wire %d syn %d" % (pkt[9], pkt[20 + 13] & 0x02))
PY
)
if [ "$(echo "$out" | head -n 1)" = "wire $proto syn 2" ]; then
	echo "ok 2 socket(AF_INET, SOCK_STREAM, $proto) only, the SYN carries $proto"
else
	echo "not ok 2 socket/wire for protocol $proto"
	echo "$out" | sed 's/^/# /'
fi
# sock_diag answers for the number (atcp_diag.ko registered with it); the
# test VM's module tree has no atcp_diag to autoload (diag_autoload.sh tests
# that), so load it from mod/ and unload it again at the end
if [ ! -e /sys/module/atcp_diag ]; then
	modprobe inet_diag
	insmod "$(dirname "${BASH_SOURCE[0]}")/../mod/atcp_diag.ko" && loaded_diag=1
fi
if out=$(ip netns exec "$NS" "$(dirname "${BASH_SOURCE[0]}")/../tools/atcp/atcp" ss -a 2>&1) &&
   echo "$out" | head -n 1 | grep -q '^State'; then
	echo "ok 3 atcp ss (sock_diag for protocol $proto)"
else
	echo "not ok 3 atcp ss (sock_diag for protocol $proto)"
	echo "$out" | sed 's/^/# /'
fi
exit 0
