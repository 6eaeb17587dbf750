// SPDX-License-Identifier: GPL-2.0
/*
 * A partial ACK of a multi-segment skb, then its retransmission: the
 * retransmitted bytes must be the stream's bytes at the segment's sequence
 * number.
 *
 * The server in B writes 3000 bytes at once (one skb, one super-segment on
 * the veth).  Nothing of A's but a raw socket's packets leaves A (tc, by
 * SO_MARK), so the client's ACKs never come; the raw socket then ACKs the
 * first 1000 bytes in the client's name (before any timeout: the minimum
 * RTO is 3 s) and waits for the server to resend from there after its RTO.  A second raw socket in A never reads: it keeps
 * a clone of the super-segment (and its fragment array) the whole time, as
 * a slow reader on the path or a queued transmission would.  atcp used to
 * trim that shared array instead of the one it had just made its own, and
 * so sent the bytes from the old start under the new sequence number (and
 * changed the data under the clone's reader): found by
 * fuzz_segments in CLOSE_WAIT, 143 bytes off.
 */
#include "atcp_lib.h"

#define PORT	5230
#define MARK	0x5230
#define LEN	3000
#define ACKED	1000
#define SEED	0x7061636bULL

FIXTURE(pa) {
	struct conn c;
	int raw, hold;
};

PROTO_VARIANTS(pa);

FIXTURE_SETUP(pa)
{
	int proto = variant->proto;

	conn_init(&self->c);
	self->raw = self->hold = -1;
	NET_SETUP(proto);
	/* the injected ACK carries no options */
	ASSERT_EQ(0, sysctl_both(proto == IPPROTO_ATCP ? "net/atcp/timestamps" :
				 "net/ipv4/tcp_timestamps", 0));
	/* the partial ACK comes long before the first timeout (no TCP tail loss probe) */
	ASSERT_EQ(0, fast_rto(proto, 3000));
	if (proto == IPPROTO_TCP)
		ASSERT_EQ(0, ns_sysctl_set_int(NS_B, "net/ipv4/tcp_early_retrans", 0));
	ASSERT_EQ(0, conn_open(&self->c, proto, PORT));
	ASSERT_EQ(0, set_int(self->c.srv, sol(proto), TCP_NODELAY, 1));
	ASSERT_EQ(0, exchange(self->c.cli, self->c.srv));
	/* from now on only the raw socket speaks for A */
	ASSERT_EQ(0, stack_silence(NS_A, DEV_A, proto, MARK));
	self->raw = raw_open(NS_A, proto);
	self->hold = raw_open(NS_A, proto);
	ASSERT_LE(0, self->raw);
	ASSERT_LE(0, self->hold);
	ASSERT_EQ(0, set_int(self->raw, SOL_SOCKET, SO_MARK, MARK));
}

FIXTURE_TEARDOWN(pa)
{
	conn_close(&self->c);
	if (self->raw >= 0)
		close(self->raw);
	if (self->hold >= 0)
		close(self->hold);
	net_teardown();
}

static long long insegs(int proto)
{
	if (proto == IPPROTO_ATCP)
		return atcp_counter(NS_B, "InSegs");
	return ns_counter(NS_B, "snmp", "Tcp", "InSegs");
}

/*
 * Wait up to @ms for a data segment of the server to the client whose
 * sequence number is @seq (any, with @any); its header in *s, its payload
 * in @pl (up to @size bytes, the length in s->len).
 */
static int srv_data(FIXTURE_DATA(pa) *self, bool any, uint32_t seq, struct seen_seg *s,
		    uint8_t *pl, size_t size, int ms)
{
	long deadline = now_ms() + ms;
	static uint8_t buf[70000];

	for (;;) {
		struct iphdr *ip = (struct iphdr *)buf;
		struct tcphdr *th;
		size_t ihl, doff;
		ssize_t n = recv(self->raw, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0) {
			long left = deadline - now_ms();

			if (errno != EAGAIN || left <= 0)
				return -1;
			poll_fd(self->raw, POLLIN, left);
			continue;
		}
		ihl = ip->ihl * 4;
		if (n < (ssize_t)(ihl + sizeof(*th)))
			continue;
		th = (struct tcphdr *)(buf + ihl);
		doff = th->doff * 4;
		if (doff < sizeof(*th) || ihl + doff > (size_t)n || ntohs(th->source) != PORT ||
		    ntohs(th->dest) != self->c.cport || (size_t)n == ihl + doff)
			continue;
		if (!any && ntohl(th->seq) != seq)
			continue;
		s->seq = ntohl(th->seq);
		s->ack = ntohl(th->ack_seq);
		s->flags = buf[ihl + 13];
		s->len = n - ihl - doff;
		memcpy(pl, buf + ihl + doff, s->len < size ? s->len : size);
		return 0;
	}
}

TEST_F_TIMEOUT(pa, retransmit_after_partial_ack, 60)
{
	static uint8_t data[LEN], pl[70000];
	struct conn_xinfo x;
	struct seen_seg s;
	uint32_t s0, rcv_nxt;
	unsigned int out0;
	long long in0;
	uint8_t pkt[64];
	long long bad;
	size_t n;
	struct seg ack = { 0 };

	pattern_fill(data, LEN, SEED, 0);
	ASSERT_EQ(LEN, send(self->c.srv, data, LEN, 0));
	ASSERT_EQ(0, srv_data(self, true, 0, &s, pl, sizeof(pl), 10000))
		TH_LOG("the server's data not seen");
	s0 = s.seq;
	rcv_nxt = s.ack;
	TH_LOG("first data segment: %zu bytes", s.len);

	/*
	 * Before any retransmission (the minimum RTO is 3 s): a timeout would
	 * resend the first MSS as an skb of its own, and an ACK inside a
	 * one-segment skb trims nothing.
	 */
	ASSERT_EQ(0, sock_xinfo(self->c.srv, &x));
	out0 = x.unacked;
	ASSERT_LT(1, out0) TH_LOG("one segment out: no skb to trim");
	ASSERT_EQ(0, x.total_retrans) TH_LOG("retransmitted before the partial ACK");

	/* the client acknowledges the first ACKED bytes, nothing more */
	ack.saddr = ns_inaddr(NS_A);
	ack.daddr = ns_inaddr(NS_B);
	ack.sport = self->c.cport;
	ack.dport = PORT;
	ack.seq = rcv_nxt;
	ack.ack = s0 + ACKED;
	ack.flags = SEG_ACK;
	ack.win = 65535;
	n = seg_build(&ack, pkt, sizeof(pkt));
	ASSERT_LT(0, n);
	in0 = insegs(variant->proto);
	ASSERT_EQ(0, raw_send(self->raw, ns_inaddr(NS_B), pkt, n));
	ASSERT_TRUE(WAIT_UNTIL(insegs(variant->proto) > in0, 10000)) TH_LOG("the ACK did not arrive");
	/* taken: fewer segments out, some still (the skb was trimmed, not freed) */
	ASSERT_TRUE(WAIT_UNTIL(!sock_xinfo(self->c.srv, &x) && x.unacked < out0 && x.unacked,
			       10000))
		TH_LOG("the partial ACK was not taken (%u of %u segments out; ACK %u, seq %u, "
		       "port %d)", x.unacked, out0, s0 + ACKED, rcv_nxt, self->c.cport);

	/* its RTO: the resend starts at the ACK, with the bytes from there */
	ASSERT_EQ(0, srv_data(self, false, s0 + ACKED, &s, pl, sizeof(pl), 20000))
		TH_LOG("no retransmission from the partial ACK");
	ASSERT_GE(LEN - ACKED, s.len);
	bad = pattern_check(pl, s.len, SEED, ACKED);
	if (bad >= 0) {
		long long d, from = -1;

		for (d = 0; d < LEN && from < 0; d++)
			if (pattern_check(pl, 16, SEED, d) < 0)
				from = d;
		TH_LOG("retransmission at offset %d, %zu bytes: wrong from byte %lld, "
		       "they are the stream's bytes from offset %lld", ACKED, s.len, bad, from);
	}
	EXPECT_GT(0, bad);
}

TEST_HARNESS_MAIN
