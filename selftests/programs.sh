#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unmodified Debian programs over atcp through atcpize, each in a network
# namespace of its own (loopback only).  Every case checks the data
# (sha256 of what arrived against what was sent) and that the traffic was
# atcp: the namespace's atcp InSegs moved while Linux TCP's InSegs and
# OutSegs stayed at zero.
#
#   curl        <- python3 -m http.server
#   iperf3      plain, -R, -P 4 (bytes received == bytes sent)
#   socat       client half-closes, the server answers the sha256 after EOF
#   nginx       static file with sendfile on
#   scp         -> sshd (SFTP subsystem)
#   redis       redis-benchmark, then a large value SET/GET through redis-cli
#   asyncio     300 concurrent connections echoing random payloads
#
# ATCP_PROGRAMS_KB: payload size (default 1024); ATCP_PROGRAMS_CONNS: asyncio
# connections (default 300).  A program that is not installed is skipped.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
ATCPIZE=$ROOT/tools/atcpize/atcpize
KB=${ATCP_PROGRAMS_KB:-1024}
CONNS=${ATCP_PROGRAMS_CONNS:-300}
NS=progs.$$
TMP=$(mktemp -d /tmp/programs.XXXXXX)
PORT=4600
pids=()

# every process in the namespace (servers and whatever they forked): a
# server left running would keep its sockets, and the atcp module, busy
kill_ns_procs() {
	local i p
	for i in $(seq 100); do
		p=$(ip netns pids "$NS" 2>/dev/null)
		[ -z "$p" ] && return 0
		# shellcheck disable=SC2086
		kill $p 2>/dev/null
		sleep 0.1
	done
	# shellcheck disable=SC2086
	kill -9 $(ip netns pids "$NS" 2>/dev/null) 2>/dev/null
}

cleanup() {
	kill_ns_procs
	wait 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

nsx() { ip netns exec "$NS" "$@"; }
AZ=(ip netns exec "$NS" "$ATCPIZE" run)

# counter FILE PREFIX NAME: a /proc/net/FILE counter of the namespace
counter() {
	nsx awk -v p="$2:" -v n="$3" '
		$1 == p && !hdr { for (i = 2; i <= NF; i++) if ($i == n) col = i; hdr = 1; next }
		$1 == p && hdr && col { print $col; exit }' "/proc/net/$1"
}

# wait_listen PORT: an atcp listener on PORT in the namespace (60 s at most)
wait_listen() {
	local hex i
	hex=$(printf ':%04X' "$1")
	for i in $(seq 600); do
		nsx awk -v h="$hex" '$2 ~ h"$" && $4 == "0A" { f = 1 } END { exit !f }' \
			/proc/net/atcp && return 0
		sleep 0.1
	done
	return 1
}

# start CMD...: a server in the background (atcpized)
start() {
	"${AZ[@]}" "$@" >>"$TMP/server.log" 2>&1 &
	pids+=($!)
}

stop_servers() {
	local p
	kill_ns_procs
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	pids=()
}

n=0
fails=0
# verdict NAME OK-FLAG ATCP-IN-BEFORE DETAIL: checks the counters, prints TAP
verdict() {
	local name=$1 ok=$2 before=$3 detail=$4 after tin tout
	after=$(counter atcp_snmp Atcp InSegs)
	tin=$(counter snmp Tcp InSegs)
	tout=$(counter snmp Tcp OutSegs)
	n=$((n + 1))
	if [ "$ok" = 1 ] && [ "$after" -gt "$before" ] && [ "$tin" = 0 ] && [ "$tout" = 0 ]; then
		echo "ok $n $name # atcp InSegs +$((after - before))"
	else
		echo "# $detail"
		echo "# atcp InSegs $before -> $after, Linux TCP InSegs $tin OutSegs $tout"
		sed 's/^/# server: /' "$TMP/server.log" | tail -n 20
		echo "not ok $n $name"
		fails=$((fails + 1))
	fi
	: >"$TMP/server.log"
}

skip() {
	n=$((n + 1))
	echo "ok $n $1 # SKIP $2"
}

have() { command -v "$1" >/dev/null 2>&1; }

sha() { sha256sum "$1" | cut -d' ' -f1; }

echo "TAP version 13"
echo "1..9"
if ! [ -x "$ATCPIZE" ] || ! [ -r "$ROOT/tools/atcpize/libatcpize.so" ]; then
	echo "Bail out! tools/atcpize not built"
	exit 1
fi
ip netns add "$NS" && ip -n "$NS" link set lo up || { echo "Bail out! netns setup failed"; exit 1; }
head -c "$((KB * 1024))" /dev/urandom >"$TMP/payload"
chmod 755 "$TMP"
chmod 644 "$TMP/payload"
want=$(sha "$TMP/payload")

# 1: curl fetches a file from python's http.server
if have curl; then
	b=$(counter atcp_snmp Atcp InSegs)
	PORT=$((PORT + 1))
	start python3 -m http.server --bind 127.0.0.1 --directory "$TMP" "$PORT"
	ok=0 got=
	if wait_listen "$PORT" &&
	   timeout 120 "${AZ[@]}" curl -sS -o "$TMP/curl.out" "http://127.0.0.1:$PORT/payload"; then
		got=$(sha "$TMP/curl.out")
		[ "$got" = "$want" ] && ok=1
	fi
	stop_servers
	verdict "curl <- python3 http.server" "$ok" "$b" "sha256 $got, want $want"
else
	skip "curl <- python3 http.server" "curl not installed"
fi

# 2-4: iperf3 both directions and with four streams: the run completes and
# the sender got all its bytes out.  iperf3 checks no data, and its receiver
# stops counting at the client's end-of-test message, so what is still in
# flight then is not in its count (seen: 3.5 of 4 MiB with -P 4): the
# receiver's count may be lower, never higher
iperf_case() {	# $1 = name, rest = client options
	local name=$1 b ok=0 sent=0 rcvd=0
	shift
	b=$(counter atcp_snmp Atcp InSegs)
	PORT=$((PORT + 1))
	start iperf3 -s -1 -B 127.0.0.1 -p "$PORT"
	if wait_listen "$PORT" &&
	   timeout 120 "${AZ[@]}" iperf3 -c 127.0.0.1 -p "$PORT" -n "$((KB * 1024 * 4))" -J "$@" \
		>"$TMP/iperf.json" 2>>"$TMP/server.log"; then
		read -r sent rcvd < <(python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["end"]
print(e["sum_sent"]["bytes"], e["sum_received"]["bytes"])' "$TMP/iperf.json")
		[ "${sent:-0}" -ge "$((KB * 1024 * 4))" ] && [ "${rcvd:-0}" -gt 0 ] &&
			[ "$rcvd" -le "$sent" ] && ok=1
	fi
	stop_servers
	verdict "$name" "$ok" "$b" "sent $sent received $rcvd"
}
if have iperf3; then
	iperf_case "iperf3"
	iperf_case "iperf3 -R" -R
	iperf_case "iperf3 -P 4" -P 4
else
	for c in "iperf3" "iperf3 -R" "iperf3 -P 4"; do skip "$c" "iperf3 not installed"; done
fi

# 5: socat: the client sends the payload and half-closes; the server
# hashes what it read until EOF and sends the hash back on the same socket
if have socat; then
	b=$(counter atcp_snmp Atcp InSegs)
	PORT=$((PORT + 1))
	start socat "TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr" EXEC:sha256sum
	ok=0 got=
	if wait_listen "$PORT" &&
	   got=$(timeout 120 "${AZ[@]}" socat -t 60 - "TCP:127.0.0.1:$PORT" <"$TMP/payload"); then
		got=${got%% *}
		[ "$got" = "$want" ] && ok=1
	fi
	stop_servers
	verdict "socat half-close" "$ok" "$b" "hash back '$got', want $want"
else
	skip "socat half-close" "socat not installed"
fi

# 6: nginx serves the file with sendfile
if have nginx || [ -x /usr/sbin/nginx ]; then
	b=$(counter atcp_snmp Atcp InSegs)
	PORT=$((PORT + 1))
	mkdir -p "$TMP/nginx"
	cat >"$TMP/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
user root;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log;
events { worker_connections 64; }
http {
	sendfile on;
	access_log off;
	client_body_temp_path $TMP/nginx/body;
	proxy_temp_path $TMP/nginx/proxy;
	fastcgi_temp_path $TMP/nginx/fastcgi;
	uwsgi_temp_path $TMP/nginx/uwsgi;
	scgi_temp_path $TMP/nginx/scgi;
	server {
		listen 127.0.0.1:$PORT;
		root $TMP;
	}
}
EOF
	start /usr/sbin/nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf"
	ok=0 got=
	if wait_listen "$PORT" &&
	   timeout 120 "${AZ[@]}" curl -sS -o "$TMP/nginx.out" "http://127.0.0.1:$PORT/payload"; then
		got=$(sha "$TMP/nginx.out")
		[ "$got" = "$want" ] && ok=1
	fi
	stop_servers
	cat "$TMP/nginx/error.log" >>"$TMP/server.log" 2>/dev/null
	verdict "nginx sendfile -> curl" "$ok" "$b" "sha256 $got, want $want"
else
	skip "nginx sendfile -> curl" "nginx not installed"
fi

# 7: scp to sshd (OpenSSH's scp speaks SFTP)
if [ -x /usr/sbin/sshd ] && have scp && have ssh-keygen; then
	b=$(counter atcp_snmp Atcp InSegs)
	PORT=$((PORT + 1))
	mkdir -p "$TMP/ssh" /run/sshd
	ssh-keygen -q -t ed25519 -N '' -f "$TMP/ssh/host" &&
	ssh-keygen -q -t ed25519 -N '' -f "$TMP/ssh/user" &&
	cp "$TMP/ssh/user.pub" "$TMP/ssh/authorized_keys"
	cat >"$TMP/ssh/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $TMP/ssh/host
AuthorizedKeysFile $TMP/ssh/authorized_keys
PidFile $TMP/ssh/sshd.pid
PermitRootLogin yes
StrictModes no
UsePAM no
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
	start /usr/sbin/sshd -D -e -f "$TMP/ssh/sshd_config"
	ok=0 got=
	if wait_listen "$PORT" &&
	   timeout 120 "${AZ[@]}" scp -q -i "$TMP/ssh/user" -P "$PORT" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		"$TMP/payload" "root@127.0.0.1:$TMP/scp.out" 2>>"$TMP/server.log"; then
		got=$(sha "$TMP/scp.out")
		[ "$got" = "$want" ] && ok=1
	fi
	stop_servers
	verdict "scp -> sshd" "$ok" "$b" "sha256 $got, want $want"
else
	skip "scp -> sshd" "openssh not installed"
fi

# 8: redis-benchmark, then one large value stored and read back
if have redis-server && have redis-benchmark && have redis-cli; then
	b=$(counter atcp_snmp Atcp InSegs)
	PORT=$((PORT + 1))
	start redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no \
		--dir "$TMP" --daemonize no
	ok=0 got=
	if wait_listen "$PORT" &&
	   timeout 120 "${AZ[@]}" redis-benchmark -h 127.0.0.1 -p "$PORT" -n 2000 -c 20 -q -t set,get \
		>"$TMP/redis.out" 2>&1 &&
	   base64 -w0 "$TMP/payload" >"$TMP/payload.b64" &&
	   timeout 60 "${AZ[@]}" redis-cli -h 127.0.0.1 -p "$PORT" -x set big <"$TMP/payload.b64" >/dev/null &&
	   timeout 60 "${AZ[@]}" redis-cli -h 127.0.0.1 -p "$PORT" --raw get big >"$TMP/redis.get"; then
		got=$(tr -d '\n' <"$TMP/redis.get" | sha256sum | cut -d' ' -f1)
		[ "$got" = "$(sha "$TMP/payload.b64")" ] &&
			grep -q 'GET' "$TMP/redis.out" && ok=1
	fi
	stop_servers
	verdict "redis-benchmark + SET/GET" "$ok" "$b" "$(tr '\r' '\n' <"$TMP/redis.out" | tail -n 3 | tr '\n' ' ')"
else
	skip "redis-benchmark + SET/GET" "redis not installed"
fi

# 9: asyncio: CONNS clients at once, each sends a random payload and reads
# it back from an echo server
cat >"$TMP/echo.py" <<'PY'
import asyncio, hashlib, os, random, sys

async def serve(port):
    async def echo(reader, writer):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        writer.close()
    srv = await asyncio.start_server(echo, "127.0.0.1", port, backlog=1024)
    async with srv:
        await srv.serve_forever()

async def client(port, size):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    data = os.urandom(size)
    writer.write(data)
    await writer.drain()
    writer.write_eof()
    got = await reader.read(-1)
    writer.close()
    return hashlib.sha256(got).digest() == hashlib.sha256(data).digest()

async def clients(port, n):
    sizes = [random.randint(1, 65536) for _ in range(n)]
    res = await asyncio.gather(*(client(port, s) for s in sizes), return_exceptions=True)
    bad = [r for r in res if r is not True]
    print(f"{n - len(bad)} of {n} connections echoed intact", bad[:3])
    return not bad

if sys.argv[1] == "server":
    asyncio.run(serve(int(sys.argv[2])))
else:
    sys.exit(0 if asyncio.run(clients(int(sys.argv[2]), int(sys.argv[3]))) else 1)
PY
b=$(counter atcp_snmp Atcp InSegs)
PORT=$((PORT + 1))
start python3 "$TMP/echo.py" server "$PORT"
ok=0 out=
if wait_listen "$PORT" &&
   out=$(timeout 180 "${AZ[@]}" python3 "$TMP/echo.py" client "$PORT" "$CONNS" 2>&1); then
	ok=1
fi
stop_servers
verdict "asyncio $CONNS connections" "$ok" "$b" "$out"

[ "$fails" = 0 ]
