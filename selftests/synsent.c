// SPDX-License-Identifier: GPL-2.0
/*
 * SYN_SENT and the timestamp of the SYN-ACK (RFC 7323 5, as Linux TCP's
 * tcp_rcv_synsent_state_process): a SYN-ACK whose TSecr echoes no
 * timestamp sent since our first SYN belongs to an older incarnation; it is
 * answered with RST (seq = its ACK) and the connection stays in SYN_SENT,
 * so the right SYN-ACK still completes it.  A TSecr of 0 is not checked.
 *
 * The client is a real socket in B; a raw socket in A answers its SYN, A's
 * own stack stays silent (tc lets out only the raw socket's packets).  The
 * raw peer also crosses the client's SYN with its own: simultaneous open.
 */
#include "atcp_lib.h"

#define PORT		5210
#define PEER_MARK	0x210
#define WAIT_MS		5000

FIXTURE(ss) {
	int proto, raw, fd;
	uint32_t paddr, saddr;
	uint16_t cport;
	uint32_t iss, syn_tsval;	/* the client's SYN */
};

PROTO_VARIANTS(ss);

FIXTURE_SETUP(ss)
{
	int proto = variant->proto;
	struct sockaddr_in sa;
	struct seen_seg s;
	socklen_t len = sizeof(sa);

	self->raw = self->fd = -1;
	NET_SETUP(proto);
	self->proto = proto;
	self->paddr = ns_inaddr(NS_A);
	self->saddr = ns_inaddr(NS_B);
	self->raw = raw_peer_open(NS_A, DEV_A, proto, PEER_MARK);
	ASSERT_LE(0, self->raw);
	self->fd = ns_socket(NS_B, proto);
	ASSERT_LE(0, self->fd);
	set_nonblock(self->fd, true);
	sa = ns_sockaddr(NS_A, PORT);
	ASSERT_EQ(-1, connect(self->fd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(EINPROGRESS, errno);
	ASSERT_EQ(0, getsockname(self->fd, (struct sockaddr *)&sa, &len));
	self->cport = ntohs(sa.sin_port);
	ASSERT_EQ(0, raw_wait(self->raw, self->cport, PORT, SEG_SYN | SEG_ACK, SEG_SYN, &s,
			      WAIT_MS));
	self->iss = s.seq;
	ASSERT_EQ(0, hdr_tsval(&s, &self->syn_tsval));
}

FIXTURE_TEARDOWN(ss)
{
	if (self->fd >= 0)
		abort_fd(self->fd);
	if (self->raw >= 0)
		close(self->raw);
	net_teardown();
}

/*
 * The peer's SYN (@flags SEG_SYN, simultaneous open) or SYN-ACK with MSS,
 * SACK permitted and a timestamp echoing @tsecr.
 */
static int ss_syn(FIXTURE_DATA(ss) *self, uint8_t flags, uint32_t tsecr)
{
	uint8_t buf[64], opts[16] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10 };
	struct seg s = {
		.saddr = self->paddr, .daddr = self->saddr,
		.sport = PORT, .dport = self->cport,
		.seq = 0x20000000, .ack = flags & SEG_ACK ? self->iss + 1 : 0, .flags = flags,
		.opts = opts, .optlen = sizeof(opts),
	};
	uint32_t v = htonl(5000);
	size_t n;

	memcpy(opts + 8, &v, 4);
	v = htonl(tsecr);
	memcpy(opts + 12, &v, 4);
	n = seg_build(&s, buf, sizeof(buf));
	return n ? raw_send(self->raw, self->saddr, buf, n) : -1;
}

static int ss_synack(FIXTURE_DATA(ss) *self, uint32_t tsecr)
{
	return ss_syn(self, SEG_SYN | SEG_ACK, tsecr);
}

static void ss_expect_established(struct __test_metadata *_metadata, FIXTURE_DATA(ss) *self)
{
	struct seen_seg r;

	ASSERT_EQ(0, raw_wait_not_syn(self->raw, self->cport, PORT, &r, WAIT_MS));
	EXPECT_EQ(SEG_ACK, r.flags & (SEG_ACK | SEG_RST));
	EXPECT_EQ(0x20000001u, r.ack);
	ASSERT_EQ(POLLOUT, poll_fd(self->fd, POLLOUT, WAIT_MS) & POLLOUT);
	EXPECT_EQ(0, sock_error(self->fd));
	EXPECT_EQ(TCP_ESTABLISHED, sock_state(self->fd));
}

TEST_F(ss, synack_echoing_no_timestamp_of_ours_reset)
{
	struct seen_seg r;

	ASSERT_EQ(0, ss_synack(self, self->syn_tsval + 100000000u));
	ASSERT_EQ(0, raw_wait_not_syn(self->raw, self->cport, PORT, &r, WAIT_MS));
	EXPECT_EQ(SEG_RST, r.flags & (SEG_ACK | SEG_RST));
	EXPECT_EQ(self->iss + 1, r.seq);
	EXPECT_EQ(TCP_SYN_SENT, sock_state(self->fd));
	EXPECT_EQ(0, sock_error(self->fd));
	/* older than the first SYN: rejected too */
	ASSERT_EQ(0, ss_synack(self, self->syn_tsval - 1000));
	ASSERT_EQ(0, raw_wait_not_syn(self->raw, self->cport, PORT, &r, WAIT_MS));
	EXPECT_EQ(SEG_RST, r.flags & (SEG_ACK | SEG_RST));
	EXPECT_EQ(TCP_SYN_SENT, sock_state(self->fd));
	/* the right one completes the handshake */
	ASSERT_EQ(0, ss_synack(self, self->syn_tsval));
	ss_expect_established(_metadata, self);
}

TEST_F(ss, synack_tsecr_zero_accepted)
{
	ASSERT_EQ(0, ss_synack(self, 0));
	ss_expect_established(_metadata, self);
}

/*
 * Simultaneous open (RFC 9293 Figure 8): the peer's SYN crosses ours, we
 * answer SYN-ACK from SYN_RECV, and the peer's SYN-ACK completes the
 * handshake by itself, before any pure ACK; its SYN, already taken, is
 * acknowledged again with a D-SACK of it (Linux TCP's tcp_validate_incoming
 * lets exactly this SYN through instead of challenging it).
 */
TEST_F(ss, simultaneous_open_synack_establishes)
{
	uint32_t blk[4][2], tsval;
	struct seen_seg r;
	int n;

	ASSERT_EQ(0, ss_syn(self, SEG_SYN, 0));
	ASSERT_EQ(0, raw_wait(self->raw, self->cport, PORT, SEG_SYN | SEG_ACK, SEG_SYN | SEG_ACK,
			      &r, WAIT_MS));
	EXPECT_EQ(self->iss, r.seq);
	EXPECT_EQ(0x20000001u, r.ack);
	EXPECT_EQ(TCP_SYN_RECV, sock_state(self->fd));
	ASSERT_EQ(0, hdr_tsval(&r, &tsval));

	ASSERT_EQ(0, ss_synack(self, tsval));
	ASSERT_EQ(0, raw_wait_not_syn(self->raw, self->cport, PORT, &r, WAIT_MS));
	EXPECT_EQ(SEG_ACK, r.flags & (SEG_ACK | SEG_RST | SEG_FIN));
	EXPECT_EQ(self->iss + 1, r.seq);
	EXPECT_EQ(0x20000001u, r.ack);
	/* ESTABLISHED on the SYN-ACK alone: the peer sent nothing else */
	EXPECT_EQ(TCP_ESTABLISHED, sock_state(self->fd));
	n = hdr_sack(&r, blk);
	ASSERT_EQ(1, n);
	EXPECT_EQ(0x20000000u, blk[0][0]);
	EXPECT_EQ(0x20000001u, blk[0][1]);
	ASSERT_EQ(POLLOUT, poll_fd(self->fd, POLLOUT, WAIT_MS) & POLLOUT);
	EXPECT_EQ(0, sock_error(self->fd));
}

TEST_HARNESS_MAIN
