// SPDX-License-Identifier: GPL-2.0
/*
 * Old segments are answered with an ACK in every synchronized state (RFC
 * 9293 3.10.7.4: a segment that is not acceptable, or a duplicate, draws an
 * ACK; Linux TCP sends it at once and does not rate limit it for segments
 * that occupy sequence space).  If the one ACK of a FIN is lost, the peer
 * retransmits its FIN; without the answer it would do so until it gives up.
 *
 * The socket under test is the server in B, driven into ESTABLISHED,
 * FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK or TIME_WAIT by the
 * real client in A.  A raw socket in A then sends, in the client's name,
 * (a) a FIN one below rcv_nxt: the client's FIN again where it sent one
 * (the retransmission of a FIN whose ACK was lost), an impossible old FIN
 * otherwise, and (b) old data, entirely below rcv_nxt.  Each must draw a
 * pure ACK of rcv_nxt from the server (seen by a raw socket in A).
 *
 * The client's segments are watched in B (sequence numbers, its FIN); tc
 * on A's egress drops the client's pure ACKs where the state needs its ACK
 * of the server's FIN lost (FIN_WAIT_1, CLOSING, LAST_ACK; the injected
 * segments carry FIN or data and pass), and every RST from A (the client
 * gone, A's stack answers the server's ACKs with RSTs that would end
 * TIME_WAIT).  Timestamps are off: the injected segments carry no options.
 *
 * Answers to segments without data (out-of-window pure ACKs) are rate
 * limited, by the same rule and knob in both stacks (oow_ratelimit,
 * oow_no_ratelimit).
 */
#include "atcp_lib.h"

#define PORT	5208

FIXTURE(reack) {
	struct conn c;
	int raw_a, raw_b;
	/* the client's side of the stream, as B saw it */
	uint32_t data_end;	/* end of its data */
	uint32_t last_ack;	/* its latest ACK field */
	bool fin;
	uint32_t fin_seq;
};

PROTO_VARIANTS(reack);

FIXTURE_SETUP(reack)
{
	int proto = variant->proto;

	conn_init(&self->c);
	self->raw_a = self->raw_b = -1;
	self->fin = false;
	self->data_end = 0;
	NET_SETUP(proto);
	ASSERT_EQ(0, sysctl_both(proto == IPPROTO_ATCP ? "net/atcp/timestamps" :
				 "net/ipv4/tcp_timestamps", 0));
	/* no RST from A: the real client may be gone when the server answers */
	ASSERT_EQ(0, ns_sh(NS_A, "tc qdisc add dev %s clsact && "
			   "tc filter add dev %s egress protocol ip prio 1 u32 "
			   "match ip protocol %d 0xff match u8 0x04 0x04 at 33 action drop",
			   DEV_A, DEV_A, proto));
	ASSERT_EQ(0, conn_open(&self->c, proto, PORT));
	self->raw_a = raw_open(NS_A, proto);
	self->raw_b = raw_open(NS_B, proto);
	ASSERT_LE(0, self->raw_a);
	ASSERT_LE(0, self->raw_b);
	ASSERT_EQ(0, exchange(self->c.cli, self->c.srv));
}

FIXTURE_TEARDOWN(reack)
{
	conn_raws_teardown(&self->c, self->raw_a, self->raw_b);
}

/* Drop the client's pure ACKs on A's egress (flags exactly ACK). */
static int drop_client_acks(int proto)
{
	return ns_sh(NS_A, "tc filter add dev %s egress protocol ip prio 2 u32 "
		     "match ip protocol %d 0xff match u8 0x10 0xff at 33 action drop",
		     DEV_A, proto);
}

/* Sequence comparison, as the kernel's before(). */
static bool seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/* Take in what the client sent so far (queued on raw_b). */
static void watch_client(FIXTURE_DATA(reack) *self)
{
	struct seen_seg s;

	while (!raw_wait(self->raw_b, self->c.cport, PORT, 0, 0, &s, 0)) {
		self->last_ack = s.ack;
		if (s.len && (!self->data_end || seq_before(self->data_end, s.seq + s.len)))
			self->data_end = s.seq + s.len;
		if (s.flags & SEG_FIN) {
			self->fin = true;
			self->fin_seq = s.seq + s.len;
		}
	}
}

static uint32_t rcv_nxt(const FIXTURE_DATA(reack) *self)
{
	return self->fin ? self->fin_seq + 1 : self->data_end;
}

/*
 * Wait until the server has acknowledged all the client sent (a segment of
 * it with ack == rcv_nxt reached A) and nothing more is pending, then send
 * @s from A and expect a pure ACK of rcv_nxt in answer.
 */
static void expect_reack(struct __test_metadata *_metadata, FIXTURE_DATA(reack) *self,
			 struct seg *s, const char *what)
{
	uint32_t want = rcv_nxt(self);
	struct seen_seg r;
	uint8_t buf[256];
	size_t len;

	s->saddr = ns_inaddr(NS_A);
	s->daddr = ns_inaddr(NS_B);
	s->sport = self->c.cport;
	s->dport = PORT;
	len = seg_build(s, buf, sizeof(buf));
	ASSERT_LT(0, len);
	raw_drain(self->raw_a);
	ASSERT_EQ(0, raw_send(self->raw_a, s->daddr, buf, len));
	for (;;) {
		ASSERT_EQ(0, raw_wait(self->raw_a, PORT, self->c.cport,
				      SEG_ACK | SEG_FIN | SEG_SYN | SEG_RST, SEG_ACK, &r, SOON_MS))
			TH_LOG("%s: no ACK from %s", what, state_name(sock_state(self->c.srv)));
		if (!r.len)
			break;
	}
	EXPECT_EQ(want, r.ack) TH_LOG("%s: ACK of %u, rcv_nxt %u", what, r.ack, want);
}

/* The server acknowledged everything the client sent: its ACK reached A. */
static void settle(struct __test_metadata *_metadata, FIXTURE_DATA(reack) *self)
{
	struct seen_seg r;
	long deadline;

	watch_client(self);
	ASSERT_NE(0, self->data_end) TH_LOG("no data from the client seen");
	deadline = now_ms() + SOON_MS;
	do {
		ASSERT_EQ(0, raw_wait(self->raw_a, PORT, self->c.cport, 0, 0, &r,
				      deadline - now_ms()))
			TH_LOG("the server never acknowledged %u", rcv_nxt(self));
	} while (r.ack != rcv_nxt(self));
}

/* The server is in @state (TIME_WAIT: its entry, the socket itself is closed). */
static void assert_state(struct __test_metadata *_metadata, FIXTURE_DATA(reack) *self,
			 int state)
{
	if (state == TCP_TIME_WAIT) {
		ASSERT_EQ(1, conn_count(&self->c, NS_B, TCP_TIME_WAIT));
	} else {
		ASSERT_STATE(self->c.srv, state);
	}
}

/*
 * (a) a FIN at rcv_nxt - 1, (b) the last 3 bytes of the client's data,
 * both with the client's latest ACK field: each draws an ACK of rcv_nxt.
 */
static void check_reacks(struct __test_metadata *_metadata, FIXTURE_DATA(reack) *self,
			 int state)
{
	static const char old[3] = "ng";
	struct seg fin = { 0 }, data = { 0 };

	settle(_metadata, self);
	assert_state(_metadata, self, state);
	fin.seq = rcv_nxt(self) - 1;
	fin.ack = self->last_ack;
	fin.flags = SEG_FIN | SEG_ACK;
	expect_reack(_metadata, self, &fin, self->fin ? "retransmitted FIN" : "old FIN");

	data.seq = self->data_end - sizeof(old);
	data.ack = self->last_ack;
	data.flags = SEG_ACK | SEG_PSH;
	data.data = old;
	data.len = sizeof(old);
	expect_reack(_metadata, self, &data, "old data");
	assert_state(_metadata, self, state);
}

TEST_F(reack, established)
{
	check_reacks(_metadata, self, TCP_ESTABLISHED);
}

/* The server's FIN is never acknowledged: the client's ACKs are dropped. */
TEST_F(reack, fin_wait1)
{
	ASSERT_EQ(0, drop_client_acks(variant->proto));
	ASSERT_EQ(0, shutdown(self->c.srv, SHUT_WR));
	check_reacks(_metadata, self, TCP_FIN_WAIT1);
}

TEST_F(reack, fin_wait2)
{
	ASSERT_EQ(0, shutdown(self->c.srv, SHUT_WR));
	ASSERT_REACHES(self->c.srv, TCP_FIN_WAIT2);
	check_reacks(_metadata, self, TCP_FIN_WAIT2);
}

/* The case: the client retransmits its FIN, the server is in CLOSE_WAIT. */
TEST_F(reack, close_wait)
{
	char c;

	ASSERT_EQ(0, shutdown(self->c.cli, SHUT_WR));
	ASSERT_EQ(0, recv(self->c.srv, &c, 1, 0));
	ASSERT_TRUE(WAIT_UNTIL((watch_client(self), self->fin), SOON_MS));
	check_reacks(_metadata, self, TCP_CLOSE_WAIT);
}

/*
 * Simultaneous close: the server's FIN is held 100 ms, so the client's
 * crosses it.  The server reaches CLOSING and, the client's ACK of its FIN
 * dropped, stays there (the client's own FIN is acknowledged within those
 * 100 ms, before it is retransmitted with the ACK the server waits for).
 */
TEST_F(reack, closing)
{
	ASSERT_EQ(0, drop_client_acks(variant->proto));
	ASSERT_EQ(0, netem(NS_B, "delay 100ms"));
	ASSERT_EQ(0, shutdown(self->c.srv, SHUT_WR));
	ASSERT_EQ(0, shutdown(self->c.cli, SHUT_WR));
	ASSERT_REACHES(self->c.srv, TCP_CLOSING);
	ASSERT_TRUE(WAIT_UNTIL((watch_client(self), self->fin), SOON_MS));
	check_reacks(_metadata, self, TCP_CLOSING);
}

/* The client closed first; the client's ACK of the server's FIN is dropped. */
TEST_F(reack, last_ack)
{
	char c;

	ASSERT_EQ(0, shutdown(self->c.cli, SHUT_WR));
	ASSERT_EQ(0, recv(self->c.srv, &c, 1, 0));
	ASSERT_EQ(0, drop_client_acks(variant->proto));
	ASSERT_EQ(0, shutdown(self->c.srv, SHUT_WR));
	ASSERT_STATE(self->c.srv, TCP_LAST_ACK);
	ASSERT_TRUE(WAIT_UNTIL((watch_client(self), self->fin), SOON_MS));
	check_reacks(_metadata, self, TCP_LAST_ACK);
}

/* The server closed first and gets the client's FIN: its TIME_WAIT entry answers. */
TEST_F(reack, time_wait)
{
	ASSERT_EQ(0, shutdown(self->c.srv, SHUT_WR));
	ASSERT_REACHES(self->c.srv, TCP_FIN_WAIT2);
	ASSERT_EQ(0, shutdown(self->c.cli, SHUT_WR));
	ASSERT_TRUE(WAIT_UNTIL(conn_count(&self->c, NS_B, TCP_TIME_WAIT) == 1, SOON_MS));
	ASSERT_TRUE(WAIT_UNTIL((watch_client(self), self->fin), SOON_MS));
	check_reacks(_metadata, self, TCP_TIME_WAIT);
}

/*
 * Answers to segments that occupy no sequence space are rate limited per
 * connection (Linux: net.ipv4.tcp_invalid_ratelimit, atcp:
 * net.atcp.invalid_ratelimit_ms, both 500 ms by default; 0: no limit).
 * Two out-of-window pure ACKs back to back draw one ACK with the limit,
 * two without it.
 */
static void oow_acks(struct __test_metadata *_metadata, FIXTURE_DATA(reack) *self,
		     int proto, int limit_ms, int answers)
{
	struct seg s = { 0 };
	struct seen_seg r;
	uint8_t buf[64];
	size_t len;
	int n = 0;

	ASSERT_EQ(0, ns_sysctl_set_int(NS_B, proto == IPPROTO_ATCP ? "net/atcp/invalid_ratelimit_ms" :
				       "net/ipv4/tcp_invalid_ratelimit", limit_ms));
	settle(_metadata, self);
	s.saddr = ns_inaddr(NS_A);
	s.daddr = ns_inaddr(NS_B);
	s.sport = self->c.cport;
	s.dport = PORT;
	s.seq = rcv_nxt(self) + 0x40000000;	/* far beyond the window */
	s.ack = self->last_ack;
	s.flags = SEG_ACK;
	len = seg_build(&s, buf, sizeof(buf));
	ASSERT_LT(0, len);
	raw_drain(self->raw_a);
	ASSERT_EQ(0, raw_send(self->raw_a, s.daddr, buf, len));
	ASSERT_EQ(0, raw_send(self->raw_a, s.daddr, buf, len));
	/* each answer within SOON_MS; then 300 ms without another */
	while (!raw_wait(self->raw_a, PORT, self->c.cport, SEG_ACK | SEG_FIN | SEG_SYN | SEG_RST,
			 SEG_ACK, &r, n < answers ? SOON_MS : 300)) {
		if (r.len)
			continue;
		EXPECT_EQ(rcv_nxt(self), r.ack);
		n++;
	}
	EXPECT_EQ(answers, n) TH_LOG("limit %d ms: %d answers to two out-of-window ACKs",
				     limit_ms, n);
}

TEST_F(reack, oow_ratelimit)
{
	oow_acks(_metadata, self, variant->proto, 500, 1);
}

TEST_F(reack, oow_no_ratelimit)
{
	oow_acks(_metadata, self, variant->proto, 0, 2);
}

TEST_HARNESS_MAIN
