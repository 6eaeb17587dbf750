// SPDX-License-Identifier: GPL-2.0
/*
 * Explicit Congestion Notification (RFC 3168), for Linux TCP (the oracle,
 * net.ipv4.tcp_ecn) and atcp (net.atcp.ecn).  Client in A, server in B;
 * a raw socket of the protocol in each namespace sees the segments that
 * arrive there (the stack still answers them).  No offloads, so that every
 * segment is seen on its own.
 *
 *  negotiated      client ecn=1: the SYN carries ECE|CWR, the SYN-ACK ECE
 *                  alone; TCPI_OPT_ECN on both ends; the client's data is
 *                  ECT(0), the server's pure ACKs and the SYNs are not ECT
 *  client_off      client ecn=0, server 1: no ECN flags on the SYN, none on
 *                  the SYN-ACK, no TCPI_OPT_ECN, data not ECT
 *  server_off      client ecn=1, server ecn=0: the SYN asks, the SYN-ACK
 *                  has no ECE, ECN off on both ends
 *  default_accept  client ecn=0, server 2 (default): nothing asked, nothing
 *                  given; then client ecn=1: server 2 accepts
 *  ce_echo         a tc rule on A's egress marks ECT(0) packets CE: the
 *                  server's ACKs carry ECE, the client answers with CWR on
 *                  new data and lowers ssthresh, the server reports
 *                  TCPI_OPT_ECN_SEEN; all data arrives intact
 *  syncookies      the ECN agreement survives a SYN cookie (atcp and Linux
 *                  keep it in the timestamp)
 *  sysctl          one above the largest mode and -1 are refused with
 *                  EINVAL, 0..2 accepted (atcp's largest mode is 2; Linux
 *                  TCP's is 5 from 6.18 on, whose 3..5 ask for AccECN)
 */
#include "atcp_lib.h"

#ifndef TCPI_OPT_ECN
#define TCPI_OPT_ECN		8
#endif
#ifndef TCPI_OPT_ECN_SEEN
#define TCPI_OPT_ECN_SEEN	16
#endif

#define PORT		5700
#define SEG_ECE		0x40
#define SEG_CWR		0x80
#define ECN_MASK	0x03
#define ECN_ECT0	0x02
#define ECN_CE		0x03
#define WAIT_MS		5000

FIXTURE(ecn) {
	struct conn c;
	int raw_a, raw_b;	/* what arrives in A (from the server), in B */
};

PROTO_VARIANTS(ecn);

FIXTURE_SETUP(ecn)
{
	conn_init(&self->c);
	self->raw_a = self->raw_b = -1;
	NET_SETUP(variant->proto);
	ASSERT_EQ(0, no_offload(NS_A));
	ASSERT_EQ(0, no_offload(NS_B));
	self->raw_a = raw_open(NS_A, variant->proto);
	self->raw_b = raw_open(NS_B, variant->proto);
	ASSERT_LE(0, self->raw_a);
	ASSERT_LE(0, self->raw_b);
}

FIXTURE_TEARDOWN(ecn)
{
	conn_raws_teardown(&self->c, self->raw_a, self->raw_b);
}

static int ecn_set(int ns, int proto, long val)
{
	return proto_sysctl_set(ns, proto, "ecn", "tcp_ecn", val);
}

static int tcp_info_get(int fd, struct tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len);
}

static int tcpi_options(int fd)
{
	struct tcp_info ti;

	if (tcp_info_get(fd, &ti))
		return -1;
	return ti.tcpi_options;
}

/*
 * Open the connection, then look at its handshake: the SYN that arrived
 * in B and the SYN-ACK that arrived in A.
 */
static int open_and_capture(struct conn *c, int proto, int raw_a, int raw_b,
			    struct seen_seg *syn, struct seen_seg *synack)
{
	if (conn_open(c, proto, PORT))
		return -1;
	if (raw_wait(raw_b, c->cport, PORT, SEG_SYN | SEG_ACK, SEG_SYN, syn, WAIT_MS))
		return -2;
	if (raw_wait(raw_a, PORT, c->cport, SEG_SYN | SEG_ACK, SEG_SYN | SEG_ACK, synack,
		     WAIT_MS))
		return -3;
	return 0;
}

/* Send @len bytes from @from to @to and read them back; 0 if all arrived intact. */
static int pass_data(int from, int to, size_t len, uint64_t seed)
{
	uint8_t *buf = malloc(len), *got = malloc(len);
	int ret = -1;

	if (!buf || !got)
		goto out;
	pattern_fill(buf, len, seed, 0);
	if (send_all(from, buf, len) || recv_all(to, got, len))
		goto out;
	ret = memcmp(buf, got, len) ? -1 : 0;
out:
	free(buf);
	free(got);
	return ret;
}

/* The next data segment from @sport to @dport that arrives on @raw. */
static int wait_data(int raw, int sport, int dport, struct seen_seg *s)
{
	long deadline = now_ms() + WAIT_MS;

	do {
		if (raw_wait(raw, sport, dport, 0, 0, s, deadline - now_ms()))
			return -1;
	} while (!s->len);
	return 0;
}

/* The next pure ACK (no data, no SYN/FIN/RST) from @sport to @dport. */
static int wait_pure_ack(int raw, int sport, int dport, struct seen_seg *s)
{
	long deadline = now_ms() + WAIT_MS;

	do {
		if (raw_wait(raw, sport, dport, SEG_SYN | SEG_FIN | SEG_RST | SEG_ACK, SEG_ACK, s,
			     deadline - now_ms()))
			return -1;
	} while (s->len);
	return 0;
}

TEST_F(ecn, negotiated)
{
	struct seen_seg syn, synack, s;

	ASSERT_EQ(0, ecn_set(NS_A, variant->proto, 1));
	ASSERT_EQ(0, open_and_capture(&self->c, variant->proto, self->raw_a, self->raw_b,
				      &syn, &synack));
	EXPECT_EQ(SEG_ECE | SEG_CWR, syn.flags & (SEG_ECE | SEG_CWR));
	EXPECT_EQ(SEG_ECE, synack.flags & (SEG_ECE | SEG_CWR));
	EXPECT_EQ(0, syn.tos & ECN_MASK);
	EXPECT_EQ(0, synack.tos & ECN_MASK);
	EXPECT_TRUE(tcpi_options(self->c.cli) & TCPI_OPT_ECN);
	EXPECT_TRUE(tcpi_options(self->c.srv) & TCPI_OPT_ECN);

	raw_drain(self->raw_a);
	raw_drain(self->raw_b);
	ASSERT_EQ(0, pass_data(self->c.cli, self->c.srv, 4000, 1));
	ASSERT_EQ(0, wait_data(self->raw_b, self->c.cport, PORT, &s));
	EXPECT_EQ(ECN_ECT0, s.tos & ECN_MASK);
	EXPECT_EQ(0, s.flags & (SEG_ECE | SEG_CWR));
	ASSERT_EQ(0, wait_pure_ack(self->raw_a, PORT, self->c.cport, &s));
	EXPECT_EQ(0, s.tos & ECN_MASK);
	EXPECT_EQ(0, s.flags & (SEG_ECE | SEG_CWR));
	/* the receiver saw ECT: ECN_SEEN there */
	EXPECT_TRUE(tcpi_options(self->c.srv) & TCPI_OPT_ECN_SEEN);
}

TEST_F(ecn, client_off)
{
	struct seen_seg syn, synack, s;

	ASSERT_EQ(0, ecn_set(NS_A, variant->proto, 0));
	ASSERT_EQ(0, ecn_set(NS_B, variant->proto, 1));
	ASSERT_EQ(0, open_and_capture(&self->c, variant->proto, self->raw_a, self->raw_b,
				      &syn, &synack));
	EXPECT_EQ(0, syn.flags & (SEG_ECE | SEG_CWR));
	EXPECT_EQ(0, synack.flags & (SEG_ECE | SEG_CWR));
	EXPECT_FALSE(tcpi_options(self->c.cli) & TCPI_OPT_ECN);
	EXPECT_FALSE(tcpi_options(self->c.srv) & TCPI_OPT_ECN);
	raw_drain(self->raw_b);
	ASSERT_EQ(0, pass_data(self->c.cli, self->c.srv, 4000, 2));
	ASSERT_EQ(0, wait_data(self->raw_b, self->c.cport, PORT, &s));
	EXPECT_EQ(0, s.tos & ECN_MASK);
}

TEST_F(ecn, server_off)
{
	struct seen_seg syn, synack, s;

	ASSERT_EQ(0, ecn_set(NS_A, variant->proto, 1));
	ASSERT_EQ(0, ecn_set(NS_B, variant->proto, 0));
	ASSERT_EQ(0, open_and_capture(&self->c, variant->proto, self->raw_a, self->raw_b,
				      &syn, &synack));
	EXPECT_EQ(SEG_ECE | SEG_CWR, syn.flags & (SEG_ECE | SEG_CWR));
	EXPECT_EQ(0, synack.flags & (SEG_ECE | SEG_CWR));
	EXPECT_FALSE(tcpi_options(self->c.cli) & TCPI_OPT_ECN);
	EXPECT_FALSE(tcpi_options(self->c.srv) & TCPI_OPT_ECN);
	raw_drain(self->raw_b);
	ASSERT_EQ(0, pass_data(self->c.cli, self->c.srv, 4000, 3));
	ASSERT_EQ(0, wait_data(self->raw_b, self->c.cport, PORT, &s));
	EXPECT_EQ(0, s.tos & ECN_MASK);
}

TEST_F(ecn, default_accept)
{
	struct seen_seg syn, synack;

	/* the default is 2 on both ends: nobody asks */
	EXPECT_EQ(2, ns_sysctl_get(NS_B, variant->proto == IPPROTO_ATCP ?
				   "net/atcp/ecn" : "net/ipv4/tcp_ecn"));
	ASSERT_EQ(0, ecn_set(NS_A, variant->proto, 0));
	ASSERT_EQ(0, open_and_capture(&self->c, variant->proto, self->raw_a, self->raw_b,
				      &syn, &synack));
	EXPECT_EQ(0, syn.flags & (SEG_ECE | SEG_CWR));
	EXPECT_EQ(0, synack.flags & (SEG_ECE | SEG_CWR));
	EXPECT_FALSE(tcpi_options(self->c.cli) & TCPI_OPT_ECN);
	EXPECT_FALSE(tcpi_options(self->c.srv) & TCPI_OPT_ECN);
	conn_close(&self->c);

	/* a server at 2 agrees when asked */
	ASSERT_EQ(0, ecn_set(NS_A, variant->proto, 1));
	raw_drain(self->raw_a);
	raw_drain(self->raw_b);
	ASSERT_EQ(0, open_and_capture(&self->c, variant->proto, self->raw_a, self->raw_b,
				      &syn, &synack));
	EXPECT_EQ(SEG_ECE | SEG_CWR, syn.flags & (SEG_ECE | SEG_CWR));
	EXPECT_EQ(SEG_ECE, synack.flags & (SEG_ECE | SEG_CWR));
	EXPECT_TRUE(tcpi_options(self->c.cli) & TCPI_OPT_ECN);
	EXPECT_TRUE(tcpi_options(self->c.srv) & TCPI_OPT_ECN);
}

TEST_F(ecn, ce_echo)
{
	struct seen_seg syn, synack, s;
	struct tcp_info ti;
	bool ece = false, cwr = false;
	long deadline;
	int i;

	ASSERT_EQ(0, ecn_set(NS_A, variant->proto, 1));
	ASSERT_EQ(0, open_and_capture(&self->c, variant->proto, self->raw_a, self->raw_b,
				      &syn, &synack));
	ASSERT_TRUE(tcpi_options(self->c.cli) & TCPI_OPT_ECN);
	/* a router that marks: every ECT(0) packet leaving A becomes CE */
	ASSERT_EQ(0, ns_sh(NS_A, "tc qdisc add dev %1$s clsact && "
			   "tc filter add dev %1$s egress u32 match ip tos 0x02 0x03 "
			   "action pedit ex munge ip tos set 0x03 retain 0x03 pipe action csum ip",
			   DEV_A));

	raw_drain(self->raw_a);
	raw_drain(self->raw_b);
	/* a few rounds, so that ECE comes back and CWR goes out on new data */
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, pass_data(self->c.cli, self->c.srv, 20000, 10 + i));

	deadline = now_ms() + WAIT_MS;
	while (!ece && now_ms() < deadline) {
		if (raw_wait(self->raw_a, PORT, self->c.cport, 0, 0, &s, deadline - now_ms()))
			break;
		if ((s.flags & SEG_ECE) && !(s.flags & SEG_SYN))
			ece = true;
	}
	EXPECT_TRUE(ece);
	deadline = now_ms() + WAIT_MS;
	while (!cwr && now_ms() < deadline) {
		if (raw_wait(self->raw_b, self->c.cport, PORT, 0, 0, &s, deadline - now_ms()))
			break;
		if (s.len) {
			/* the mark reached B: the data is CE */
			EXPECT_EQ(ECN_CE, s.tos & ECN_MASK);
			if (s.flags & SEG_CWR)
				cwr = true;
		}
	}
	EXPECT_TRUE(cwr);
	ASSERT_EQ(0, tcp_info_get(self->c.cli, &ti));
	EXPECT_GT(0x7fffffffU, ti.tcpi_snd_ssthresh);
	EXPECT_EQ(0, ti.tcpi_total_retrans);
	EXPECT_TRUE(tcpi_options(self->c.srv) & TCPI_OPT_ECN_SEEN);
}

TEST_F(ecn, syncookies)
{
	struct seen_seg syn, synack;
	const char *name = variant->proto == IPPROTO_ATCP ? "net/atcp/syncookies" :
			   "net/ipv4/tcp_syncookies";

	ASSERT_EQ(0, ns_sysctl_set(NS_B, name, "2"));
	ASSERT_EQ(0, ecn_set(NS_A, variant->proto, 1));
	ASSERT_EQ(0, open_and_capture(&self->c, variant->proto, self->raw_a, self->raw_b,
				      &syn, &synack));
	EXPECT_EQ(SEG_ECE, synack.flags & (SEG_ECE | SEG_CWR));
	EXPECT_TRUE(tcpi_options(self->c.cli) & TCPI_OPT_ECN);
	EXPECT_TRUE(tcpi_options(self->c.srv) & TCPI_OPT_ECN);
	ASSERT_EQ(0, pass_data(self->c.cli, self->c.srv, 4000, 4));
	ASSERT_EQ(0, pass_data(self->c.srv, self->c.cli, 4000, 5));
}

TEST_F(ecn, sysctl)
{
	const char *name = variant->proto == IPPROTO_ATCP ? "net/atcp/ecn" : "net/ipv4/tcp_ecn";
	/* Accurate ECN (RFC 9768) came to Linux TCP in 6.18 as tcp_ecn 3..5 */
	bool accecn = variant->proto == IPPROTO_TCP && kernel_version() >= KVER(6, 18, 0);

	EXPECT_EQ(-EINVAL, ns_sysctl_set(NS_A, name, accecn ? "6" : "3"));
	EXPECT_EQ(-EINVAL, ns_sysctl_set(NS_A, name, "-1"));
	EXPECT_EQ(2, ns_sysctl_get(NS_A, name));
	EXPECT_EQ(0, ns_sysctl_set(NS_A, name, "0"));
	EXPECT_EQ(0, ns_sysctl_get(NS_A, name));
	EXPECT_EQ(0, ns_sysctl_set(NS_A, name, "1"));
	EXPECT_EQ(1, ns_sysctl_get(NS_A, name));
	EXPECT_EQ(0, ns_sysctl_set(NS_A, name, "2"));
	EXPECT_EQ(2, ns_sysctl_get(NS_A, name));
}

TEST_HARNESS_MAIN
