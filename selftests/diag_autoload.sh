#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# atcp_diag.ko is loaded on demand, like tcp_diag: a NETLINK_SOCK_DIAG dump
# for protocol 253 makes inet_diag request "net-pf-16-proto-4-type-2-253",
# which modprobe resolves to atcp_diag once it is installed.  The test VM's
# module tree is the host's, read-only: the test installs atcp.ko and
# atcp_diag.ko into an overlay on /lib/modules/$(uname -r) (tmpfs upper),
# indexes them with depmod, dumps with `atcp ss`, then unloads and unmounts.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
KVER=$(uname -r)
M=/lib/modules/$KVER
T=$(mktemp -d)
mounted=
cleanup() {
	rmmod atcp_diag 2>/dev/null
	[ -n "$mounted" ] && umount "$M"
	rm -rf "$T"
}
trap cleanup EXIT
echo "TAP version 13"
echo "1..3"
# the alias names 253 (IPPROTO_ATCP): with atcp.ko loaded as another proto=
# a dump asks for a module of that number, which none is (README)
PROTO=$(cat /sys/module/atcp/parameters/proto 2>/dev/null || echo 253)

rmmod atcp_diag 2>/dev/null
if [ "$(modinfo -F alias "$ROOT/mod/atcp_diag.ko")" = net-pf-16-proto-4-type-2-253 ]; then
	echo "ok 1 alias net-pf-16-proto-4-type-2-253"
else
	echo "not ok 1 alias net-pf-16-proto-4-type-2-253"
fi

if [ "$PROTO" != 253 ]; then
	echo "ok 2 # SKIP atcp.ko loaded with proto=$PROTO: autoloading knows 253 only"
	echo "ok 3 # SKIP atcp.ko loaded with proto=$PROTO: autoloading knows 253 only"
	exit 0
fi
mkdir -p "$T/upper" "$T/work"
if mount -t overlay overlay -o "lowerdir=$M,upperdir=$T/upper,workdir=$T/work" "$M" 2>"$T/err"; then
	mounted=1
	mkdir -p "$M/extra"
	cp "$ROOT/mod/atcp.ko" "$ROOT/mod/atcp_diag.ko" "$M/extra/"
	# index only our two modules (a full depmod over 9p takes minutes);
	# inet_diag, which they need, is loaded from the real index first
	modprobe inet_diag
	depmod "$KVER" "$M/extra/atcp.ko" "$M/extra/atcp_diag.ko" 2>/dev/null
fi
if [ -z "$mounted" ]; then
	echo "ok 2 # SKIP cannot overlay $M: $(cat "$T/err")"
	echo "ok 3 # SKIP no module tree to install into"
	exit 0
fi
if [ -e /sys/module/atcp_diag ]; then
	echo "not ok 2 atcp_diag not loaded before the dump"
else
	echo "ok 2 atcp_diag not loaded before the dump"
fi
if "$ROOT/tools/atcp/atcp" ss -a >"$T/out" 2>&1 && [ -e /sys/module/atcp_diag ] &&
   head -1 "$T/out" | grep -q '^State'; then
	echo "ok 3 a sock_diag dump for protocol 253 loads atcp_diag"
else
	echo "not ok 3 a sock_diag dump for protocol 253 loads atcp_diag"
	sed 's/^/# /' "$T/out"
fi
exit 0
