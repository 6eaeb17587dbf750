// SPDX-License-Identifier: GPL-2.0
/*
 * helper_static_keys - keep the networking static keys that the selftests
 * would otherwise switch on and off all through a run switched on from its
 * start to its end.  scripts/run-selftests starts it before the first test
 * and ends it after the last one (not a test itself: helper*.c are not run).
 *
 * Why: every 0 -> 1 and 1 -> 0 of a static key rewrites kernel text on a
 * live system (a breakpoint on the branch first, then the new instruction).
 * Under QEMU TCG a vCPU in softirq hit such a breakpoint after the rewrite
 * was over: "Oops: int3" in __netif_receive_skb_core() on 7.2, with the
 * tests' SO_TIMESTAMPNS raw sockets (atcp_lib.h raw_timestamps()) opening
 * and closing, i.e. netstamp_needed_key flipping.  Held by one socket here,
 * each key changes once, at the start, while nothing runs.
 *
 * Held here (counting keys: a socket keeps the count above zero; the
 * enable-once keys only need the first enable to happen now instead of
 * in the middle of a test):
 *   netstamp_needed_key    SO_TIMESTAMPNS on a UDP socket (raw_timestamps(),
 *                          fuzz_syscalls' SO_TIMESTAMP* options)
 *   ip4_min_ttl            IP_MINTTL (enable-once; fuzz_syscalls' random
 *                          IPPROTO_IP option numbers reach it)
 *   tcp_tx_delay_enabled   TCP_TX_DELAY (enable-once; fuzz_syscalls)
 *   tcp_md5_needed         a TCP_MD5SIG key (fuzz_syscalls' TCP_MD5SIG)
 * The tc keys (ingress/egress queue, tcf_sw_enabled_key), which every test's
 * clsact qdisc takes and gives back, are held by run-selftests itself with
 * a clsact qdisc and a filter on a veth of the initial namespace.
 *
 * A key this kernel cannot take (no MD5 support, ...) is reported and left.
 * Prints "ready" once every socket is set up, then sleeps until killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef TCP_TX_DELAY
#define TCP_TX_DELAY 37
#endif

static void hold(const char *what, int fd, int level, int name, const void *val, socklen_t len)
{
	if (fd < 0 || setsockopt(fd, level, name, val, len))
		printf("# helper_static_keys: %s not held: %s\n", what, strerror(errno));
}

int main(void)
{
	int udp = socket(AF_INET, SOCK_DGRAM, 0);
	int tcp = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in *peer;
	struct tcp_md5sig md5;
	int one = 1;

	hold("netstamp_needed_key", udp, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	hold("ip4_min_ttl", tcp, IPPROTO_IP, IP_MINTTL, &one, sizeof(one));
	hold("tcp_tx_delay_enabled", tcp, IPPROTO_TCP, TCP_TX_DELAY, &one, sizeof(one));

	/* a key for an address nothing uses (TEST-NET-1) */
	memset(&md5, 0, sizeof(md5));
	peer = (struct sockaddr_in *)&md5.tcpm_addr;
	peer->sin_family = AF_INET;
	peer->sin_addr.s_addr = inet_addr("192.0.2.1");
	md5.tcpm_keylen = 4;
	memcpy(md5.tcpm_key, "atcp", 4);
	hold("tcp_md5_needed", tcp, IPPROTO_TCP, TCP_MD5SIG, &md5, sizeof(md5));

	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
	return 0;
}
