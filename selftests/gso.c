// SPDX-License-Identifier: GPL-2.0
/*
 * Super-segments (GSO) through the veth, byte-exact:
 *  - default offloads: the sender hands IP packets of several MSS to the
 *    veth and B's veth receives them whole (a packet socket on veth_b sees
 *    packets longer than the 1500-byte MTU); for atcp the GsoOutSkbs (A) and
 *    GsoInSkbs (B) counters move as well;
 *  - veth_a without checksum offload and without TSO / SCTP segmentation:
 *    the stack segments in software before the device (atcp: its own
 *    gso_segment), every segment carries a real checksum that B verifies;
 *    nothing longer than the MTU arrives and no checksum error is counted;
 *  - net.atcp.gso = 0 (atcp only): one segment per packet again;
 *  - the interop rewrite 253 -> 6 on the sender's egress (atcp only): the
 *    renamed super-segment is cut by TCP's GSO, data still byte-exact.
 */
#include "atcp_lib.h"
#include <pthread.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>

#define PORT	5007
#define MTU	1500

/*
 * Watches IP packets of one protocol arriving on veth_b (an ETH_P_IP packet
 * socket: it sees them after tc ingress).
 */
struct sniffer {
	int fd;
	int proto;
	volatile bool stop;
	long long max_len;
	long long big;		/* packets longer than the MTU */
	long long pkts;
	long long drops;	/* the socket's own drops: counted, not seen */
	pthread_t thread;
};

static void *sniff(void *arg)
{
	struct sniffer *s = arg;
	uint8_t buf[256];

	for (;;) {
		struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t alen = sizeof(from);
		ssize_t n;

		/* once stopped, what is still queued is read, then the thread ends */
		if (!s->stop && poll(&pfd, 1, 100) <= 0)
			continue;
		n = recvfrom(s->fd, buf, sizeof(buf), MSG_TRUNC | MSG_DONTWAIT,
			     (struct sockaddr *)&from, &alen);
		if (n < 0 && s->stop)
			break;
		if (n < 20 || from.sll_pkttype != PACKET_HOST || buf[9] != s->proto)
			continue;
		s->pkts++;
		if (n > s->max_len)
			s->max_len = n;
		if (n > MTU)
			s->big++;
	}
	return NULL;
}

/*
 * Packet socket on veth_b (created in B), read by a thread.  On a loaded
 * VM the thread falls behind: once only 251 of ~2900 packets were counted
 * (6.12), the buffer full (rmem_max caps SO_RCVBUF at ~200 KB, ~100
 * packets) and the end of the queue never read.  So the buffer holds a
 * whole transfer (SO_RCVBUFFORCE), sniffer_stop() reads what is queued
 * before the thread ends, and drops are reported (PACKET_STATISTICS).
 */
static int sniffer_start(struct sniffer *s, int proto)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP) };
	int rcvbuf = 64 << 20;

	memset(s, 0, sizeof(*s));
	s->proto = kproto(proto);
	if (ns_enter(NS_B))
		return -1;
	s->fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP));
	sll.sll_ifindex = if_nametoindex(DEV_B);
	ns_enter(NS_ROOT);
	if (s->fd < 0 || !sll.sll_ifindex)
		return -1;
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(s->fd, (struct sockaddr *)&sll, sizeof(sll)))
		return -1;
	return pthread_create(&s->thread, NULL, sniff, s) ? -1 : 0;
}

static void sniffer_stop(struct sniffer *s)
{
	struct tpacket_stats st = { 0 };
	socklen_t len = sizeof(st);

	s->stop = true;
	pthread_join(s->thread, NULL);
	if (!getsockopt(s->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len))
		s->drops = st.tp_drops;
	close(s->fd);
	fprintf(stderr, "# veth_b: %lld packets, %lld longer than %d, longest %lld; %lld dropped by the sniffer\n",
		s->pkts, s->big, MTU, s->max_len, s->drops);
}

/* Checksum errors counted by @proto in @ns. */
static long long csum_errors(int ns, int proto)
{
	if (proto == IPPROTO_ATCP)
		return atcp_counter(ns, "InCsumErrors");
	return ns_counter(ns, "snmp", "Tcp", "InCsumErrors");
}

FIXTURE(gso) {
	struct conn c;
};

PROTO_VARIANTS(gso);

FIXTURE_SETUP(gso)
{
	conn_init(&self->c);
	NET_SETUP(variant->proto);
}

FIXTURE_TEARDOWN(gso)
{
	conn_close(&self->c);
	net_teardown();
}

/* @len bytes A -> B with the sniffer on; 0 or -1 */
static int sniffed_transfer(struct conn *c, int proto, size_t len, struct sniffer *s)
{
	int ret;

	if (conn_open(c, proto, PORT) || sniffer_start(s, proto))
		return -1;
	ret = transfer_one_way(c->cli, c->srv, len, 0x65736f, 60000);
	sniffer_stop(s);
	return ret;
}

TEST_F_TIMEOUT(gso, big_packets_cross_veth, 120)
{
	long long out0 = atcp_counter(NS_A, "GsoOutSkbs");
	long long in0 = atcp_counter(NS_B, "GsoInSkbs");
	struct sniffer s;

	ASSERT_EQ(0, sniffed_transfer(&self->c, variant->proto, 8 << 20, &s));
	EXPECT_GT(s.big, 0);
	if (variant->proto == IPPROTO_ATCP) {
		TH_LOG("GsoOutSkbs +%lld, GsoInSkbs +%lld",
		       atcp_counter(NS_A, "GsoOutSkbs") - out0,
		       atcp_counter(NS_B, "GsoInSkbs") - in0);
		EXPECT_GT(atcp_counter(NS_A, "GsoOutSkbs"), out0);
		EXPECT_GT(atcp_counter(NS_B, "GsoInSkbs"), in0);
	}
}

TEST_F_TIMEOUT(gso, software_segmentation, 180)
{
	long long out0 = atcp_counter(NS_A, "GsoOutSkbs");
	long long in0 = atcp_counter(NS_B, "GsoInSkbs");
	long long err0 = csum_errors(NS_B, variant->proto);
	struct sniffer s;

	ASSERT_EQ(0, ns_sh(NS_A, "ethtool -K %s tx off tso off tx-sctp-segmentation off "
			   ">/dev/null", DEV_A));
	ASSERT_EQ(0, sniffed_transfer(&self->c, variant->proto, 4 << 20, &s));
	EXPECT_EQ(0, s.big);
	EXPECT_GT(s.pkts, 2000);
	EXPECT_EQ(err0, csum_errors(NS_B, variant->proto));
	if (variant->proto == IPPROTO_ATCP) {
		/* built as super-segments, cut by atcp_gso_segment() */
		EXPECT_GT(atcp_counter(NS_A, "GsoOutSkbs"), out0);
		EXPECT_EQ(in0, atcp_counter(NS_B, "GsoInSkbs"));
	}
}

TEST_F_TIMEOUT(gso, sysctl_off, 120)
{
	long long out0 = atcp_counter(NS_A, "GsoOutSkbs");
	struct sniffer s;

	ATCP_ONLY(variant->proto, "net.atcp.gso");
	ASSERT_EQ(0, ns_sysctl_set(NS_A, "net/atcp/gso", "0"));
	ASSERT_EQ(0, sniffed_transfer(&self->c, variant->proto, 4 << 20, &s));
	EXPECT_EQ(0, s.big);
	EXPECT_EQ(out0, atcp_counter(NS_A, "GsoOutSkbs"));
}

/*
 * The protocol rewrite applied on the SENDER's egress: A renames 253 -> 6
 * before the qdisc, B renames 6 -> 253 on ingress.  veth_a cannot take the
 * packet whole (no SCTP segmentation), so the stack segments it after the
 * rename, as TCP (tcp4_gso_segment): atcp's gso_type must allow that.
 */
TEST_F_TIMEOUT(gso, rewrite_on_sender_egress, 120)
{
	long long out0 = atcp_counter(NS_A, "GsoOutSkbs");
	long long err0 = csum_errors(NS_B, variant->proto);
	struct sniffer s;

	ATCP_ONLY(variant->proto, "protocol 253 renamed to 6 and back");
	ASSERT_EQ(0, ns_sh(NS_A, "ethtool -K %1$s tx-sctp-segmentation off >/dev/null && "
			   "tc qdisc add dev %1$s clsact && "
			   "tc filter add dev %1$s egress protocol ip prio 1 u32 "
			   "  match ip protocol %2$d 0xff "
			   "  action pedit ex munge ip protocol set 6 pipe action csum ip",
			   DEV_A, atcp_proto()));
	ASSERT_EQ(0, ns_sh(NS_B, "tc qdisc add dev %1$s clsact && "
			   "tc filter add dev %1$s ingress protocol ip prio 1 u32 "
			   "  match ip protocol 6 0xff "
			   "  action pedit ex munge ip protocol set %2$d pipe action csum ip",
			   DEV_B, atcp_proto()));
	/* the ETH_P_IP packet socket sees B's packets after the ingress rewrite */
	ASSERT_EQ(0, sniffed_transfer(&self->c, variant->proto, 4 << 20, &s));
	EXPECT_EQ(0, s.big);
	EXPECT_GT(s.pkts, 2000);
	EXPECT_EQ(err0, csum_errors(NS_B, variant->proto));
	EXPECT_GT(atcp_counter(NS_A, "GsoOutSkbs"), out0);
}

TEST_HARNESS_MAIN
