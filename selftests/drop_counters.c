// SPDX-License-Identifier: GPL-2.0
/*
 * Segments that are dropped without an answer are counted in
 * /proc/net/atcp_snmp (Linux TCP has no counter for these; both stacks
 * must drop them and leave the connection as it was):
 *
 *  NoAckDrop       no ACK bit, in ESTABLISHED and at a request entry
 *  AfterFinDrop    data beyond the peer's FIN (CLOSE_WAIT)
 *  SynSentDrop     SYN_SENT: neither SYN nor RST, or a RST without ACK
 *
 * A raw socket in A speaks for the peer; tc lets nothing else of A's out
 * (its kernel has no socket for the injected connections and would answer
 * with RSTs).  Each injected segment is known to have been processed when
 * B's InSegs has moved.  Timestamps are off: the segments carry no options.
 */
#include "atcp_lib.h"

#define PORT	5240
#define MARK	0x5240

FIXTURE(dc) {
	struct conn c;
	int raw_a, raw_b;
};

PROTO_VARIANTS(dc);

FIXTURE_SETUP(dc)
{
	int proto = variant->proto;

	conn_init(&self->c);
	self->raw_a = self->raw_b = -1;
	NET_SETUP(proto);
	ASSERT_EQ(0, sysctl_both(proto == IPPROTO_ATCP ? "net/atcp/timestamps" :
				 "net/ipv4/tcp_timestamps", 0));
	self->raw_a = raw_open(NS_A, proto);
	self->raw_b = raw_open(NS_B, proto);
	ASSERT_LE(0, self->raw_a);
	ASSERT_LE(0, self->raw_b);
	ASSERT_EQ(0, set_int(self->raw_a, SOL_SOCKET, SO_MARK, MARK));
}

FIXTURE_TEARDOWN(dc)
{
	conn_raws_teardown(&self->c, self->raw_a, self->raw_b);
}

static long long insegs(int proto)
{
	if (proto == IPPROTO_ATCP)
		return atcp_counter(NS_B, "InSegs");
	return ns_counter(NS_B, "snmp", "Tcp", "InSegs");
}

static long long counter(int proto, const char *name)
{
	return proto == IPPROTO_ATCP ? atcp_counter(NS_B, name) : 0;
}

/* atcp's counter @name moved by @n since @v0 (Linux TCP has none) */
#define EXPECT_COUNTED(proto, name, v0, n)					\
	do {									\
		if ((proto) == IPPROTO_ATCP)					\
			EXPECT_EQ(n, counter(proto, name) - (v0)) TH_LOG("%s", name); \
	} while (0)

/* Send one segment from A to B and wait until B has taken it in. */
static int inject(FIXTURE_DATA(dc) *self, int proto, uint16_t sport, uint16_t dport,
		  uint32_t seq, uint32_t ack, uint8_t flags, const char *data)
{
	struct seg s = {
		.saddr = ns_inaddr(NS_A), .daddr = ns_inaddr(NS_B),
		.sport = sport, .dport = dport, .seq = seq, .ack = ack, .flags = flags,
		.data = data, .len = data ? strlen(data) : 0,
	};
	long long in0 = insegs(proto);
	uint8_t pkt[128];
	size_t n = seg_build(&s, pkt, sizeof(pkt));

	if (!n || raw_send(self->raw_a, ns_inaddr(NS_B), pkt, n))
		return -1;
	return WAIT_UNTIL(insegs(proto) > in0, 10000) ? 0 : -1;
}

/* The client's next sequence number and its ACK field, from a byte it sends. */
static int learn(FIXTURE_DATA(dc) *self, uint32_t *seq, uint32_t *ack)
{
	struct seen_seg s;
	char b;

	raw_drain(self->raw_b);
	if (send_all(self->c.cli, "L", 1) || recv_all(self->c.srv, &b, 1))
		return -1;
	do {
		if (raw_wait(self->raw_b, self->c.cport, PORT, 0, 0, &s, 5000))
			return -1;
	} while (s.len != 1);
	*seq = s.seq + 1;
	*ack = s.ack;
	return 0;
}

TEST_F(dc, established_and_close_wait)
{
	int proto = variant->proto, inq = -1;
	long long noack0, fin0;
	uint32_t seq, ack;
	char b;

	ASSERT_EQ(0, conn_open(&self->c, proto, PORT));
	ASSERT_EQ(0, learn(self, &seq, &ack));
	ASSERT_EQ(0, stack_silence(NS_A, DEV_A, proto, MARK));

	/* ESTABLISHED: in sequence, in the window, no ACK bit */
	noack0 = counter(proto, "NoAckDrop");
	ASSERT_EQ(0, inject(self, proto, self->c.cport, PORT, seq, 0, SEG_PSH, "noack"));
	ASSERT_EQ(0, ioctl(self->c.srv, SIOCINQ, &inq));
	EXPECT_EQ(0, inq) TH_LOG("data without ACK was taken");
	ASSERT_STATE(self->c.srv, TCP_ESTABLISHED);
	EXPECT_COUNTED(proto, "NoAckDrop", noack0, 1);

	/* CLOSE_WAIT: data after the client's FIN */
	ASSERT_EQ(0, ns_sh(NS_A, "tc qdisc del dev %s clsact", DEV_A));
	ASSERT_EQ(0, shutdown(self->c.cli, SHUT_WR));
	ASSERT_EQ(0, recv(self->c.srv, &b, 1, 0));
	ASSERT_STATE(self->c.srv, TCP_CLOSE_WAIT);
	ASSERT_TRUE(WAIT_UNTIL(sock_state(self->c.cli) == TCP_FIN_WAIT2, SOON_MS));
	ASSERT_EQ(0, stack_silence(NS_A, DEV_A, proto, MARK));
	fin0 = counter(proto, "AfterFinDrop");
	ASSERT_EQ(0, inject(self, proto, self->c.cport, PORT, seq + 1, ack, SEG_ACK | SEG_PSH,
			    "afterfin"));
	ASSERT_EQ(0, ioctl(self->c.srv, SIOCINQ, &inq));
	EXPECT_EQ(0, inq) TH_LOG("data after the FIN was taken");
	ASSERT_STATE(self->c.srv, TCP_CLOSE_WAIT);
	EXPECT_COUNTED(proto, "AfterFinDrop", fin0, 1);
}

TEST_F(dc, syn_sent)
{
	int proto = variant->proto, fd;
	struct sockaddr_in sa = ns_sockaddr(NS_A, PORT + 1);
	struct seen_seg syn;
	long long junk0;

	ASSERT_EQ(0, stack_silence(NS_A, DEV_A, proto, MARK));
	fd = ns_socket(NS_B, proto);
	ASSERT_LE(0, fd);
	self->c.cli = fd;
	ASSERT_EQ(0, set_nonblock(fd, true));
	raw_drain(self->raw_a);
	ASSERT_EQ(-1, connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(EINPROGRESS, errno);
	ASSERT_EQ(0, raw_wait(self->raw_a, ANY, PORT + 1, SEG_SYN, SEG_SYN, &syn, 5000));
	junk0 = counter(proto, "SynSentDrop");
	/* neither SYN nor RST (and no ACK to check) */
	ASSERT_EQ(0, inject(self, proto, PORT + 1, syn.sport, 12345, 0, SEG_PSH, "junk"));
	/* a RST without ACK */
	ASSERT_EQ(0, inject(self, proto, PORT + 1, syn.sport, 0, 0, SEG_RST, NULL));
	ASSERT_STATE(fd, TCP_SYN_SENT);
	EXPECT_COUNTED(proto, "SynSentDrop", junk0, 2);
}

TEST_F(dc, request)
{
	int proto = variant->proto, lfd;
	const uint16_t sport = 40123;
	const uint32_t irs = 1000000;
	struct seen_seg sa;
	long long noack0;

	lfd = ns_listen(NS_B, proto, PORT + 2, 8);
	ASSERT_LE(0, lfd);
	self->c.lfd = lfd;
	ASSERT_EQ(0, stack_silence(NS_A, DEV_A, proto, MARK));
	raw_drain(self->raw_a);
	ASSERT_EQ(0, inject(self, proto, sport, PORT + 2, irs, 0, SEG_SYN, NULL));
	ASSERT_EQ(0, raw_wait(self->raw_a, PORT + 2, sport, SEG_SYN | SEG_ACK,
			      SEG_SYN | SEG_ACK, &sa, 5000));
	ASSERT_EQ(1, proc_count(NS_B, proto, TCP_SYN_RECV, PORT + 2, sport));

	noack0 = counter(proto, "NoAckDrop");
	ASSERT_EQ(0, inject(self, proto, sport, PORT + 2, irs + 1, 0, SEG_PSH, "noack"));
	EXPECT_EQ(1, proc_count(NS_B, proto, TCP_SYN_RECV, PORT + 2, sport));
	EXPECT_COUNTED(proto, "NoAckDrop", noack0, 1);
}

TEST_HARNESS_MAIN
