// SPDX-License-Identifier: GPL-2.0
/*
 * A request in SYN_RCVD answers what it cannot accept, as Linux TCP's
 * request sockets do (RFC 9293 3.10.7.4, RFC 5961, RFC 7323):
 *  - a segment outside the window draws a bare ACK (seq ISS+1, ack IRS+1);
 *  - a segment whose timestamp is older than the SYN's is dropped by PAWS
 *    and answered with that ACK, even the final ACK of the handshake;
 *  - a RST inside the window but not at rcv_nxt draws a challenge ACK and
 *    leaves the request alone;
 *  - a SYN inside the window (not the SYN again) is answered with RST and
 *    ends the request;
 *  - an ACK of anything but ISS+1 is answered with RST;
 *  - the SYN again draws the SYN-ACK again;
 *  - a final ACK whose TSecr none of the SYN-ACKs carried is answered with
 *    that ACK and completes nothing (TSEcrRejected; Linux TCP from 6.15).
 *
 * A raw socket in A plays the client; A's own stack stays silent (tc lets
 * out only the raw socket's marked packets).  The listener is in B.  Rate
 * limits of the answers are off (invalid_ratelimit 0 in both stacks).
 */
#include "atcp_lib.h"

#define PORT		5209
#define CPORT		41000
#define PEER_MARK	0x209
#define WAIT_MS		5000

FIXTURE(sr) {
	int proto, raw, lfd;
	uint32_t paddr, saddr;
	uint16_t cport;
	uint32_t irs;		/* the client's ISN */
	uint32_t iss;		/* the listener's, from its SYN-ACK */
	uint32_t tsval;		/* the client's clock */
	uint32_t synack_tsval;	/* the listener's, from its SYN-ACK */
};

PROTO_VARIANTS(sr);

FIXTURE_SETUP(sr)
{
	int proto = variant->proto;

	self->raw = self->lfd = -1;
	NET_SETUP(proto);
	self->proto = proto;
	self->paddr = ns_inaddr(NS_A);
	self->saddr = ns_inaddr(NS_B);
	ASSERT_EQ(0, ns_sysctl_set_int(NS_B, proto == IPPROTO_ATCP ? "net/atcp/invalid_ratelimit_ms"
				       : "net/ipv4/tcp_invalid_ratelimit", 0));
	self->raw = raw_peer_open(NS_A, DEV_A, proto, PEER_MARK);
	ASSERT_LE(0, self->raw);
	self->lfd = ns_listen(NS_B, proto, PORT, 8);
	ASSERT_LE(0, self->lfd);
	set_nonblock(self->lfd, true);
}

FIXTURE_TEARDOWN(sr)
{
	if (self->lfd >= 0)
		close(self->lfd);
	if (self->raw >= 0)
		close(self->raw);
	net_teardown();
}

/* A segment of the client: timestamp @tsval (0: none) echoing @tsecr, @len bytes of data. */
static int sr_send_ts(FIXTURE_DATA(sr) *self, uint8_t flags, uint32_t seq, uint32_t ack,
		      uint32_t tsval, uint32_t tsecr, size_t len)
{
	uint8_t buf[1500], opts[12] = { 1, 1, 8, 10 }, data[1000];
	struct seg s = {
		.saddr = self->paddr, .daddr = self->saddr,
		.sport = self->cport, .dport = PORT,
		.seq = seq, .ack = ack, .flags = flags,
		.data = data, .len = len,
	};
	uint32_t v;
	size_t n;

	memset(data, 'x', sizeof(data));
	if (tsval) {
		v = htonl(tsval);
		memcpy(opts + 4, &v, 4);
		v = htonl(tsecr);
		memcpy(opts + 8, &v, 4);
		s.opts = opts;
		s.optlen = sizeof(opts);
	}
	n = seg_build(&s, buf, sizeof(buf));
	return n ? raw_send(self->raw, self->saddr, buf, n) : -1;
}

/* ... echoing no timestamp (TSecr 0, which nothing checks) */
static int sr_send(FIXTURE_DATA(sr) *self, uint8_t flags, uint32_t seq, uint32_t ack,
		   uint32_t tsval, size_t len)
{
	return sr_send_ts(self, flags, seq, ack, tsval, 0, len);
}

/* The client's SYN at IRS with MSS and its timestamp. */
static int sr_syn(FIXTURE_DATA(sr) *self)
{
	uint8_t buf[64], opts[16] = { 2, 4, 0x05, 0xb4, 1, 1, 8, 10 };
	struct seg s = {
		.saddr = self->paddr, .daddr = self->saddr,
		.sport = self->cport, .dport = PORT, .seq = self->irs, .flags = SEG_SYN,
		.opts = opts, .optlen = sizeof(opts),
	};
	uint32_t v = htonl(self->tsval);
	size_t n;

	memcpy(opts + 8, &v, 4);
	n = seg_build(&s, buf, sizeof(buf));
	return n ? raw_send(self->raw, self->saddr, buf, n) : -1;
}

/* A request from the client's port @cport; the listener's SYN-ACK gives ISS. */
static int sr_open(FIXTURE_DATA(sr) *self, uint16_t cport)
{
	struct seen_seg r;

	self->cport = cport;
	self->irs = 0x10000000u + cport * 7919u;
	self->tsval = 100000;
	raw_drain(self->raw);
	if (sr_syn(self) ||
	    raw_wait(self->raw, PORT, cport, SEG_SYN | SEG_ACK, SEG_SYN | SEG_ACK, &r, WAIT_MS) ||
	    r.ack != self->irs + 1 || hdr_tsval(&r, &self->synack_tsval))
		return -1;
	self->iss = r.seq;
	return 0;
}

static int requests(FIXTURE_DATA(sr) *self)
{
	return proc_count(NS_B, self->proto, TCP_SYN_RECV, PORT, self->cport);
}

/*
 * The next segment from the listener's port to the client but a SYN-ACK
 * (its retransmission timer may fire at any time on a slow host).
 */
static int sr_answer(FIXTURE_DATA(sr) *self, struct seen_seg *r)
{
	long deadline = now_ms() + WAIT_MS;

	do {
		if (raw_wait(self->raw, PORT, self->cport, 0, 0, r, deadline - now_ms()))
			return -1;
	} while ((r->flags & (SEG_SYN | SEG_ACK)) == (SEG_SYN | SEG_ACK));
	return 0;
}

/* Expect the bare ACK a request sends: seq ISS+1, ack IRS+1. */
#define EXPECT_REQ_ACK(self) do {						\
	struct seen_seg _r;							\
	ASSERT_EQ(0, sr_answer(self, &_r)) TH_LOG("no answer");		\
	EXPECT_EQ(SEG_ACK, _r.flags & (SEG_ACK | SEG_RST | SEG_SYN | SEG_FIN));	\
	EXPECT_EQ((self)->iss + 1, _r.seq);					\
	EXPECT_EQ((self)->irs + 1, _r.ack);					\
} while (0)

/* The final ACK completes the handshake: accept() returns the connection. */
static int sr_complete(FIXTURE_DATA(sr) *self)
{
	int fd;

	if (sr_send(self, SEG_ACK, self->irs + 1, self->iss + 1, ++self->tsval, 0) ||
	    poll_fd(self->lfd, POLLIN, WAIT_MS) != POLLIN)
		return -1;
	fd = accept(self->lfd, NULL, NULL);
	if (fd < 0)
		return -1;
	abort_fd(fd);
	return 0;
}

TEST_F(sr, out_of_window_data_acked)
{
	ASSERT_EQ(0, sr_open(self, CPORT));
	ASSERT_EQ(0, sr_send(self, SEG_ACK | SEG_PSH, self->irs + 1 + 200000, self->iss + 1,
			     self->tsval, 100));
	EXPECT_REQ_ACK(self);
	/* below the window too: the SYN's sequence number carrying data */
	ASSERT_EQ(0, sr_send(self, SEG_ACK, self->irs - 3000, self->iss + 1, self->tsval, 100));
	EXPECT_REQ_ACK(self);
	EXPECT_EQ(1, requests(self));
	ASSERT_EQ(0, sr_complete(self));
}

TEST_F(sr, paws_drops_old_final_ack)
{
	ASSERT_EQ(0, sr_open(self, CPORT + 1));
	/* older than the SYN's timestamp: not the final ACK */
	ASSERT_EQ(0, sr_send(self, SEG_ACK, self->irs + 1, self->iss + 1, self->tsval - 1000, 0));
	EXPECT_REQ_ACK(self);
	EXPECT_EQ(1, requests(self));
	EXPECT_EQ(-1, accept(self->lfd, NULL, NULL));
	ASSERT_EQ(0, sr_complete(self));
}

TEST_F(sr, inexact_rst_challenged)
{
	ASSERT_EQ(0, sr_open(self, CPORT + 2));
	ASSERT_EQ(0, sr_send(self, SEG_RST, self->irs + 1 + 10, 0, 0, 0));
	EXPECT_REQ_ACK(self);
	EXPECT_EQ(1, requests(self));
	ASSERT_EQ(0, sr_complete(self));
}

TEST_F(sr, exact_rst_ends_request)
{
	ASSERT_EQ(0, sr_open(self, CPORT + 3));
	ASSERT_EQ(0, sr_send(self, SEG_RST, self->irs + 1, 0, 0, 0));
	EXPECT_TRUE(WAIT_UNTIL(requests(self) == 0, WAIT_MS));
}

TEST_F(sr, syn_in_window_resets)
{
	struct seen_seg r;

	ASSERT_EQ(0, sr_open(self, CPORT + 4));
	ASSERT_EQ(0, sr_send(self, SEG_SYN, self->irs + 1 + 50, 0, self->tsval, 0));
	ASSERT_EQ(0, sr_answer(self, &r));
	EXPECT_EQ(SEG_RST | SEG_ACK, r.flags & (SEG_ACK | SEG_RST | SEG_SYN));
	EXPECT_EQ(self->irs + 1 + 50 + 1, r.ack);
	EXPECT_TRUE(WAIT_UNTIL(requests(self) == 0, WAIT_MS));
}

TEST_F(sr, bad_ack_reset)
{
	struct seen_seg r;

	ASSERT_EQ(0, sr_open(self, CPORT + 5));
	ASSERT_EQ(0, sr_send(self, SEG_ACK, self->irs + 1, self->iss + 1000, ++self->tsval, 0));
	ASSERT_EQ(0, sr_answer(self, &r));
	EXPECT_EQ(SEG_RST, r.flags & (SEG_ACK | SEG_RST | SEG_SYN));
	EXPECT_EQ(self->iss + 1000, r.seq);
	/* the request stays: a stray ACK is no reason to give up */
	EXPECT_EQ(1, requests(self));
	ASSERT_EQ(0, sr_complete(self));
}

TEST_F(sr, syn_again_synack_again)
{
	struct seen_seg r;

	ASSERT_EQ(0, sr_open(self, CPORT + 6));
	ASSERT_EQ(0, sr_syn(self));
	ASSERT_EQ(0, raw_wait(self->raw, PORT, self->cport, 0, 0, &r, WAIT_MS));
	EXPECT_EQ(SEG_SYN | SEG_ACK, r.flags & (SEG_ACK | SEG_RST | SEG_SYN));
	EXPECT_EQ(self->iss, r.seq);
	EXPECT_EQ(self->irs + 1, r.ack);
	ASSERT_EQ(0, sr_complete(self));
}

static long long tsecr_rejected(FIXTURE_DATA(sr) *self)
{
	if (self->proto == IPPROTO_ATCP)
		return atcp_counter(NS_B, "TSEcrRejected");
	return ns_counter(NS_B, "netstat", "TcpExt", "TSEcrRejected");
}

/*
 * The TSecr of a final ACK is an extension of its ACK number: one that none
 * of the request's SYN-ACKs carried, ahead of them or behind, draws the bare
 * ACK and completes nothing (TSEcrRejected); echoing the SYN-ACK's TSval
 * completes the handshake.  Linux TCP checks it from 6.15 on ("tcp: be less
 * liberal in TSEcr received while in SYN_RECV state", 3ba075278c11, also in
 * the 6.14 stable series); atcp on every kernel.
 */
TEST_F(sr, final_ack_tsecr_checked)
{
	long long rej0;
	int fd;

	if (self->proto == IPPROTO_TCP && kernel_version() < KVER(6, 15, 0))
		SKIP(return, "Linux TCP checks the final ACK's TSecr from 6.15 on");
	ASSERT_EQ(0, sr_open(self, CPORT + 7));
	rej0 = tsecr_rejected(self);
	ASSERT_EQ(0, sr_send_ts(self, SEG_ACK, self->irs + 1, self->iss + 1, ++self->tsval,
				self->synack_tsval + 100000, 0));
	EXPECT_REQ_ACK(self);
	ASSERT_EQ(0, sr_send_ts(self, SEG_ACK, self->irs + 1, self->iss + 1, ++self->tsval,
				self->synack_tsval - 100000, 0));
	EXPECT_REQ_ACK(self);
	EXPECT_EQ(1, requests(self));
	EXPECT_EQ(-1, accept(self->lfd, NULL, NULL));
	EXPECT_EQ(rej0 + 2, tsecr_rejected(self));

	ASSERT_EQ(0, sr_send_ts(self, SEG_ACK, self->irs + 1, self->iss + 1, ++self->tsval,
				self->synack_tsval, 0));
	ASSERT_EQ(POLLIN, poll_fd(self->lfd, POLLIN, WAIT_MS));
	fd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, fd);
	abort_fd(fd);
}

TEST_HARNESS_MAIN
