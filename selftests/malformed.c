// SPDX-License-Identifier: GPL-2.0
/*
 * Malformed and hostile segments, made by hand and sent from a raw socket
 * in namespace A (SOCK_RAW of the variant's protocol: Linux TCP, the
 * oracle, gets the very same bytes under protocol 6):
 *
 * - at a listener (from a port of A without a socket): truncated header,
 *   data offset below 5 or beyond the segment, bad checksum, SYN+FIN,
 *   SYN+RST get no answer and create no request; the listener still
 *   accepts.  Controls: a valid SYN draws a SYN-ACK, a bare ACK a RST.
 *
 * - at an established connection (in its 4-tuple, exact sequence numbers
 *   learned from the wire): the same malformations of a data or RST
 *   segment, SYN+FIN, SYN+RST, an out-of-window RST and an in-window but
 *   inexact RST (answered by a challenge ACK, RFC 5961) leave the
 *   connection ESTABLISHED with its byte stream intact.  Controls: a valid
 *   data segment is delivered, an exact RST resets.
 */
#include "atcp_lib.h"

#define PORT		5006
#define FAKE_PORT	40000	/* A's side of segments aimed at the listener */
#define NO_ANSWER_MS	300	/* how long silence must last */

static const char evil[] = "EVIL";

/* How a segment is damaged after it was built correctly. */
enum mangle {
	INTACT,
	SHORT_HEADER,		/* only the first 12 bytes of the header */
	DOFF_SMALL,		/* data offset 4 (16 bytes), checksum right */
	DOFF_LARGE,		/* data offset 15 (60 bytes) > segment, checksum right */
	BAD_CSUM,
};

FIXTURE(mal) {
	struct conn c;
	int raw_a, raw_b;
	/* established connection, as B sees it */
	uint32_t rcv_nxt, snd_nxt;
	uint8_t opts[40];
	size_t optlen;
};

PROTO_VARIANTS(mal);

FIXTURE_SETUP(mal)
{
	conn_init(&self->c);
	self->raw_a = self->raw_b = -1;
	NET_SETUP(variant->proto);
	self->raw_a = raw_open(NS_A, variant->proto);
	ASSERT_GE(self->raw_a, 0) TH_LOG("raw socket: %s", strerror(errno));
	self->raw_b = raw_open(NS_B, variant->proto);
	ASSERT_GE(self->raw_b, 0) TH_LOG("raw socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(mal)
{
	conn_raws_teardown(&self->c, self->raw_a, self->raw_b);
}

/* Build @s, damage it as @how says and send it from A to B. */
static int inject(int raw, const struct seg *s, enum mangle how)
{
	uint8_t buf[256];
	size_t len = seg_build(s, buf, sizeof(buf));

	if (!len)
		return -1;
	switch (how) {
	case INTACT:
		break;
	case SHORT_HEADER:
		len = 12;
		break;
	case DOFF_SMALL:
		buf[12] = 4 << 4;
		seg_fix_csum(s, buf, len);
		break;
	case DOFF_LARGE:
		if (len >= 60)
			return -1;
		buf[12] = 15 << 4;
		seg_fix_csum(s, buf, len);
		break;
	case BAD_CSUM:
		buf[16] ^= 0x5a;
		break;
	}
	return raw_send(raw, s->daddr, buf, len);
}

/* ------------------------------------------------------------ listener */

static struct seg listener_seg(uint8_t flags)
{
	struct seg s = {
		.saddr = ns_inaddr(NS_A), .daddr = ns_inaddr(NS_B),
		.sport = FAKE_PORT, .dport = PORT,
		.seq = 0x12345678, .flags = flags,
	};

	return s;
}

/*
 * Send a SYN-like segment at a listener; it must draw no answer, leave no
 * request behind and the listener must still accept connections.
 */
#define LISTENER_IGNORES(flags, how) do {				\
	struct seg s = listener_seg(flags);				\
	int lfd, cli, srv;						\
									\
	lfd = ns_listen(NS_B, variant->proto, PORT, 8);		\
	ASSERT_GE(lfd, 0);						\
	self->c.lfd = lfd;						\
	raw_drain(self->raw_a);						\
	ASSERT_EQ(0, inject(self->raw_a, &s, how));			\
	ASSERT_NE(0, raw_wait(self->raw_a, PORT, FAKE_PORT, 0, 0, NULL,	\
			      NO_ANSWER_MS)) TH_LOG("the listener answered"); \
	ASSERT_EQ(0, proc_count(NS_B, variant->proto, TCP_SYN_RECV, PORT, ANY)); \
	ASSERT_STATE(lfd, TCP_LISTEN);					\
	cli = ns_connect(NS_A, variant->proto, NS_B, PORT);		\
	ASSERT_GE(cli, 0);						\
	self->c.cli = cli;						\
	srv = accept(lfd, NULL, NULL);					\
	ASSERT_GE(srv, 0);						\
	self->c.srv = srv;						\
	ASSERT_EQ(0, exchange(cli, srv));				\
} while (0)

/* control: the crafted SYN is valid, the listener answers SYN-ACK */
TEST_F(mal, listener_valid_syn_answered)
{
	struct seg s = listener_seg(SEG_SYN);
	struct seen_seg synack;

	self->c.lfd = ns_listen(NS_B, variant->proto, PORT, 8);
	ASSERT_GE(self->c.lfd, 0);
	ASSERT_EQ(0, inject(self->raw_a, &s, INTACT));
	ASSERT_EQ(0, raw_wait(self->raw_a, PORT, FAKE_PORT, 0xff, SEG_SYN | SEG_ACK,
			      &synack, SOON_MS));
	ASSERT_EQ(s.seq + 1, synack.ack);
}

/* control: a bare ACK at a listener is answered by a RST */
TEST_F(mal, listener_bare_ack_reset)
{
	struct seg s = listener_seg(SEG_ACK);
	struct seen_seg rst;

	s.ack = 0x0badcafe;
	self->c.lfd = ns_listen(NS_B, variant->proto, PORT, 8);
	ASSERT_GE(self->c.lfd, 0);
	ASSERT_EQ(0, inject(self->raw_a, &s, INTACT));
	ASSERT_EQ(0, raw_wait(self->raw_a, PORT, FAKE_PORT, SEG_RST, SEG_RST, &rst, SOON_MS));
	ASSERT_EQ(s.ack, rst.seq);
	ASSERT_EQ(0, proc_count(NS_B, variant->proto, TCP_SYN_RECV, PORT, ANY));
}

TEST_F(mal, listener_short_header)
{
	LISTENER_IGNORES(SEG_SYN, SHORT_HEADER);
}

TEST_F(mal, listener_doff_too_small)
{
	LISTENER_IGNORES(SEG_SYN, DOFF_SMALL);
}

TEST_F(mal, listener_doff_beyond_segment)
{
	LISTENER_IGNORES(SEG_SYN, DOFF_LARGE);
}

TEST_F(mal, listener_bad_checksum)
{
	LISTENER_IGNORES(SEG_SYN, BAD_CSUM);
}

TEST_F(mal, listener_syn_fin)
{
	LISTENER_IGNORES(SEG_SYN | SEG_FIN, INTACT);
}

TEST_F(mal, listener_syn_rst)
{
	LISTENER_IGNORES(SEG_SYN | SEG_RST, INTACT);
}

/* ------------------------------------------------------------ established */

/*
 * Open the connection, exchange a little data, let delayed ACKs go out, and
 * learn B's rcv_nxt/snd_nxt and A's current options (timestamps) from the
 * last segment A sent to B.
 */
static int learn_connection(FIXTURE_DATA(mal) *self, int proto)
{
	struct seen_seg seg, last;
	bool seen = false;

	if (conn_open(&self->c, proto, PORT) || exchange(self->c.cli, self->c.srv)) {
		fprintf(stderr, "# connection failed: %s\n", strerror(errno));
		return -1;
	}
	sleep_ms(300);
	while (!raw_wait(self->raw_b, self->c.cport, PORT, 0, 0, &seg, 0)) {
		last = seg;
		seen = true;
	}
	if (!seen) {
		fprintf(stderr, "# no segment from A seen in B\n");
		return -1;
	}
	self->rcv_nxt = last.seq + last.len;
	self->snd_nxt = last.ack;
	self->optlen = last.hdr_len - sizeof(struct tcphdr);
	memcpy(self->opts, last.hdr + sizeof(struct tcphdr), self->optlen);
	raw_drain(self->raw_a);
	return 0;
}

/* A segment in the connection's 4-tuple, A to B, at B's rcv_nxt + @off. */
static struct seg conn_seg(FIXTURE_DATA(mal) *self, uint32_t off, uint8_t flags,
			   const void *data, size_t len)
{
	struct seg s = {
		.saddr = ns_inaddr(NS_A), .daddr = ns_inaddr(NS_B),
		.sport = self->c.cport, .dport = PORT,
		.seq = self->rcv_nxt + off, .ack = self->snd_nxt,
		.flags = flags, .opts = self->opts, .optlen = self->optlen,
		.data = data, .len = len,
	};

	/* RFC 5961: a RST carries no ACK requirement; keep it plain */
	if (flags & SEG_RST)
		s.flags &= ~SEG_ACK;
	return s;
}

/* The connection survived: ESTABLISHED both sides, the streams are intact. */
#define ASSERT_SURVIVED() do {						\
	ASSERT_STATE(self->c.srv, TCP_ESTABLISHED);			\
	ASSERT_STATE(self->c.cli, TCP_ESTABLISHED);			\
	ASSERT_EQ(0, exchange(self->c.cli, self->c.srv))		\
		TH_LOG("the connection no longer carries data intact"); \
	ASSERT_EQ(0, poll_fd(self->c.srv, POLLIN, 0));			\
	ASSERT_EQ(0, poll_fd(self->c.cli, POLLIN, 0));			\
} while (0)

#define LEARN() \
	ASSERT_EQ(0, learn_connection(self, variant->proto)) \
		TH_LOG("could not set up and observe the connection")

/* control: a valid crafted data segment is delivered to the application */
TEST_F(mal, conn_valid_data_delivered)
{
	struct seg s;
	char buf[8] = "";

	LEARN();
	s = conn_seg(self, 0, SEG_ACK | SEG_PSH, evil, 4);
	ASSERT_EQ(0, inject(self->raw_a, &s, INTACT));
	ASSERT_EQ(POLLIN, poll_fd(self->c.srv, POLLIN, SOON_MS));
	ASSERT_EQ(4, recv(self->c.srv, buf, sizeof(buf), 0));
	ASSERT_EQ(0, memcmp(buf, evil, 4));
}

/* control: a RST at exactly rcv_nxt resets the connection */
TEST_F(mal, conn_exact_rst_resets)
{
	struct seg s;

	LEARN();
	s = conn_seg(self, 0, SEG_RST, NULL, 0);
	ASSERT_EQ(0, inject(self->raw_a, &s, INTACT));
	ASSERT_TRUE(WAIT_UNTIL(sock_state(self->c.srv) == TCP_CLOSE, SOON_MS));
	ASSERT_EQ(ECONNRESET, sock_error(self->c.srv));
}

TEST_F(mal, conn_short_header)
{
	struct seg s;

	LEARN();
	s = conn_seg(self, 0, SEG_ACK | SEG_PSH, evil, 4);
	ASSERT_EQ(0, inject(self->raw_a, &s, SHORT_HEADER));
	sleep_ms(NO_ANSWER_MS);
	ASSERT_SURVIVED();
}

TEST_F(mal, conn_doff_too_small)
{
	struct seg s;

	LEARN();
	s = conn_seg(self, 0, SEG_ACK | SEG_PSH, evil, 4);
	ASSERT_EQ(0, inject(self->raw_a, &s, DOFF_SMALL));
	sleep_ms(NO_ANSWER_MS);
	ASSERT_SURVIVED();
}

TEST_F(mal, conn_doff_beyond_segment)
{
	struct seg s;

	LEARN();
	s = conn_seg(self, 0, SEG_ACK | SEG_PSH, evil, 4);
	ASSERT_EQ(0, inject(self->raw_a, &s, DOFF_LARGE));
	sleep_ms(NO_ANSWER_MS);
	ASSERT_SURVIVED();
}

/* bad checksum on data: not delivered */
TEST_F(mal, conn_bad_checksum_data)
{
	struct seg s;

	LEARN();
	s = conn_seg(self, 0, SEG_ACK | SEG_PSH, evil, 4);
	ASSERT_EQ(0, inject(self->raw_a, &s, BAD_CSUM));
	sleep_ms(NO_ANSWER_MS);
	ASSERT_SURVIVED();
}

/* bad checksum on an exact RST: ignored */
TEST_F(mal, conn_bad_checksum_rst)
{
	struct seg s;

	LEARN();
	s = conn_seg(self, 0, SEG_RST, NULL, 0);
	ASSERT_EQ(0, inject(self->raw_a, &s, BAD_CSUM));
	sleep_ms(NO_ANSWER_MS);
	ASSERT_SURVIVED();
}

/* SYN+FIN in the window: the SYN is refused (challenge ACK), the FIN ignored */
TEST_F(mal, conn_syn_fin)
{
	struct seg s;

	LEARN();
	s = conn_seg(self, 0, SEG_SYN | SEG_FIN | SEG_ACK, NULL, 0);
	ASSERT_EQ(0, inject(self->raw_a, &s, INTACT));
	sleep_ms(NO_ANSWER_MS);
	ASSERT_SURVIVED();
}

/* SYN+RST in the window but not at rcv_nxt: no reset */
TEST_F(mal, conn_syn_rst)
{
	struct seg s;

	LEARN();
	s = conn_seg(self, 1, SEG_SYN | SEG_RST, NULL, 0);
	ASSERT_EQ(0, inject(self->raw_a, &s, INTACT));
	sleep_ms(NO_ANSWER_MS);
	ASSERT_SURVIVED();
}

/* RST far outside the window: silently ignored */
TEST_F(mal, conn_rst_out_of_window)
{
	struct seg s;

	LEARN();
	s = conn_seg(self, 0x40000000, SEG_RST, NULL, 0);
	ASSERT_EQ(0, inject(self->raw_a, &s, INTACT));
	ASSERT_NE(0, raw_wait(self->raw_a, PORT, self->c.cport, 0, 0, NULL, NO_ANSWER_MS))
		TH_LOG("B answered an out-of-window RST");
	ASSERT_SURVIVED();
}

/* RST in the window but not exact: challenge ACK (RFC 5961 3.2), no reset */
TEST_F(mal, conn_rst_in_window_challenge_ack)
{
	struct seen_seg ack;
	struct seg s;

	LEARN();
	s = conn_seg(self, 1, SEG_RST, NULL, 0);
	ASSERT_EQ(0, inject(self->raw_a, &s, INTACT));
	ASSERT_EQ(0, raw_wait(self->raw_a, PORT, self->c.cport,
			      SEG_ACK | SEG_RST | SEG_SYN | SEG_FIN, SEG_ACK, &ack, SOON_MS))
		TH_LOG("no challenge ACK");
	ASSERT_EQ(self->rcv_nxt, ack.ack);
	ASSERT_EQ(self->snd_nxt, ack.seq);
	ASSERT_EQ(0, ack.len);
	ASSERT_SURVIVED();
}

TEST_HARNESS_MAIN
