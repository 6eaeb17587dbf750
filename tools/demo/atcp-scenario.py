#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""atcp-scenario.py: one textbook TCP exchange on a real connection.

Usage: atcp-scenario.py [-p PROTO] SCENARIO

Runs between the network namespaces srv (10.10.0.1, veth-srv) and cli
(10.10.0.2, veth-cli), which the caller sets up (scripts/demo, the
selftests).  One process holds the sockets of both ends (each created in
its namespace with setns()), so that every step waits on the condition
it needs (a state in TCP_INFO, an end of stream) instead of on time.

SCENARIO:
  handshake     three-way handshake, data each way, four-way close
  simopen       simultaneous open: the SYNs cross (netem delay)
  simclose      simultaneous close: the FINs cross, CLOSING on both ends
  finack        the server's FIN carries the ACK of the client's: FIN_WAIT1
                goes straight to TIME_WAIT
  linger        SO_LINGER {1, 0}: close() aborts with RST
  lostack       the client's last ACK is lost (a tc drop of exactly one
                segment); TIME_WAIT ACKs the retransmitted FIN again

PROTO is the IP protocol (atcp's, from sysfs, by default; 6 for Linux TCP).
The listener port is 4242, the simultaneous open uses 5001 and 5002.
"""
import ctypes
import errno
import os
import select
import socket
import struct
import subprocess
import sys
import time

SRV, CLI = "10.10.0.1", "10.10.0.2"
PORT = 4242
CLONE_NEWNET = 0x40000000
ST = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
      6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING"}
TIMEOUT = 30.0

libc = ctypes.CDLL(None, use_errno=True)


def proto_default():
    try:
        with open("/sys/module/atcp/parameters/proto") as f:
            return int(f.read())
    except OSError:
        return 253


def in_netns(name, fn):
    """Run fn() with this thread in network namespace name, then come back."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET):
            raise OSError(ctypes.get_errno(), "setns " + name)
        return fn()
    finally:
        libc.setns(home, CLONE_NEWNET)
        os.close(fd)
        os.close(home)


def sh(ns, cmd):
    subprocess.run(["ip", "netns", "exec", ns] + cmd.split(), check=True)


def netem(ns, dev, args):
    """args None: remove the qdisc"""
    if args is None:
        subprocess.run(["ip", "netns", "exec", ns, "tc", "qdisc", "del", "dev", dev, "root"],
                       stderr=subprocess.DEVNULL)
    else:
        sh(ns, "tc qdisc replace dev %s root netem %s" % (dev, args))


def state(s):
    info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
    return ST.get(info[0], str(info[0]))


def wait_for(what, cond):
    end = time.monotonic() + TIMEOUT
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError("waiting for " + what)
        time.sleep(0.002)


def wait_state(s, names, what):
    wait_for(what + " in " + "/".join(names), lambda: state(s) in names)


def recv_eof(s):
    """Read to the end of the stream (blocking, with the overall timeout)."""
    s.settimeout(TIMEOUT)
    data = b""
    while True:
        d = s.recv(4096)
        if not d:
            return data
        data += d


class Scenario:
    def __init__(self, proto):
        self.proto = proto

    def sock(self, ns, addr=None, port=0):
        def mk():
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, self.proto)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if addr:
                s.bind((addr, port))
            return s
        return in_netns(ns, mk)

    def connected_pair(self):
        """(client, server): an established connection, the listener closed"""
        lst = self.sock("srv", SRV, PORT)
        lst.listen(1)
        c = self.sock("cli")
        c.settimeout(TIMEOUT)
        c.connect((SRV, PORT))
        lst.settimeout(TIMEOUT)
        s, _ = lst.accept()
        lst.close()
        return c, s

    # ---- the scenarios

    def handshake(self):
        c, s = self.connected_pair()
        c.sendall(b"hello")
        s.settimeout(TIMEOUT)
        assert s.recv(5) == b"hello"
        # the server's ACK goes alone when the reply waits for it
        wait_for("the ACK of hello", lambda: self.unacked(c) == 0)
        s.sendall(b"world")
        c.settimeout(TIMEOUT)
        assert c.recv(5) == b"world"
        wait_for("the ACK of world", lambda: self.unacked(s) == 0)
        c.shutdown(socket.SHUT_WR)            # FIN_WAIT1
        assert recv_eof(s) == b""             # CLOSE_WAIT
        wait_state(c, ("FIN_WAIT2",), "client")   # our FIN's ACK arrived alone
        s.close()                             # LAST_ACK
        assert recv_eof(c) == b""
        c.close()

    def unacked(self, s):
        # tcpi_unacked: struct tcp_info offset 24 (after 8 bytes of u8s, 4 u32)
        info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
        return struct.unpack_from("I", info, 24)[0]

    def simopen(self):
        netem("cli", "veth-cli", "delay 50ms")
        netem("srv", "veth-srv", "delay 50ms")
        try:
            a = self.sock("cli", CLI, 5001)
            b = self.sock("srv", SRV, 5002)
            a.setblocking(False)
            b.setblocking(False)
            assert a.connect_ex((SRV, 5002)) == errno.EINPROGRESS
            assert b.connect_ex((CLI, 5001)) == errno.EINPROGRESS
            wait_state(a, ("ESTABLISHED",), "a")
            wait_state(b, ("ESTABLISHED",), "b")
        finally:
            netem("cli", "veth-cli", None)
            netem("srv", "veth-srv", None)
        a.setblocking(True)
        b.setblocking(True)
        a.shutdown(socket.SHUT_WR)
        assert recv_eof(b) == b""
        wait_state(a, ("FIN_WAIT2",), "a")
        b.close()
        assert recv_eof(a) == b""
        a.close()

    def simclose(self):
        c, s = self.connected_pair()
        netem("cli", "veth-cli", "delay 50ms")
        netem("srv", "veth-srv", "delay 50ms")
        try:
            c.shutdown(socket.SHUT_WR)
            s.shutdown(socket.SHUT_WR)
            # FIN_WAIT1 -> CLOSING -> TIME_WAIT (the socket then shows CLOSE)
            wait_state(c, ("TIME_WAIT", "CLOSE"), "client")
            wait_state(s, ("TIME_WAIT", "CLOSE"), "server")
        finally:
            netem("cli", "veth-cli", None)
            netem("srv", "veth-srv", None)
        c.close()
        s.close()

    def finack(self):
        c, s = self.connected_pair()
        c.shutdown(socket.SHUT_WR)
        # (the caller makes net.atcp.delack_ms long enough, 100 ms)
        # the server reads the end of the stream and closes before its
        # delayed ACK is due: the FIN carries that ACK
        assert recv_eof(s) == b""
        s.close()
        wait_state(c, ("TIME_WAIT", "CLOSE"), "client")
        c.close()

    def linger(self):
        c, s = self.connected_pair()
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()                             # RST, no FIN
        s.settimeout(TIMEOUT)
        try:
            s.recv(1)
            raise AssertionError("no RST")
        except ConnectionResetError:
            pass
        s.close()

    def lostack(self):
        c, s = self.connected_pair()
        c.shutdown(socket.SHUT_WR)
        assert recv_eof(s) == b""
        wait_state(c, ("FIN_WAIT2",), "client")
        # from now on the client sends only ACKs of the server's FIN: drop
        # the first, pass the second (gact "determ": every 2nd packet gets
        # the second action), whatever the timing
        sh("cli", "tc qdisc add dev veth-cli clsact")
        try:
            sh("cli", "tc filter add dev veth-cli egress protocol ip u32 match ip protocol "
               "%d 0xff action gact drop random determ ok 2" % self.proto)
            s.shutdown(socket.SHUT_WR)        # FIN; the ACK of it is lost
            wait_state(c, ("TIME_WAIT", "CLOSE"), "client")
            wait_for("server CLOSE", lambda: self.closed(s))
        finally:
            subprocess.run("ip netns exec cli tc qdisc del dev veth-cli clsact".split(),
                           stderr=subprocess.DEVNULL)
        c.close()
        s.close()

    def closed(self, s):
        return state(s) == "CLOSE"


def main():
    args = sys.argv[1:]
    proto = proto_default()
    if len(args) >= 2 and args[0] == "-p":
        proto = {"tcp": 6, "atcp": proto_default()}.get(args[1]) or int(args[1])
        args = args[2:]
    names = ("handshake", "simopen", "simclose", "finack", "linger", "lostack")
    if len(args) != 1 or args[0] not in names:
        sys.stderr.write(__doc__)
        return 2
    getattr(Scenario(proto), args[0])()
    return 0


if __name__ == "__main__":
    sys.exit(main())
