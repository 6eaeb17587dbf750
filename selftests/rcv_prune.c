// SPDX-License-Identifier: GPL-2.0
/*
 * Receive memory pressure: a receiver whose buffer is full of out-of-order
 * data above a hole must still take the segment that fills the hole, by
 * giving up out-of-order data (Linux TCP's tcp_prune_ofo_queue(), atcp's
 * atcp_ofo_prune()).  Run for Linux TCP (the oracle) and atcp.
 *
 *  hole_fill       raw injection: a 2-byte hole, then 1-byte segments
 *                  above it (every other byte, so nothing merges) until the
 *                  small SO_RCVBUF is full.  Memory stays within twice
 *                  SO_RCVBUF, reclaim runs (PruneCalled), the hole-filling
 *                  segment is acknowledged and readable, out-of-order data
 *                  was pruned (OfoPruned), the SACK blocks sent after the
 *                  prune only cover data the receiver still holds, and the
 *                  stream completes byte for byte once the rest is sent.
 *  small_segments  a real transfer with 100-byte segments (small MSS, so
 *                  skb overhead dominates) through netem reordering (every
 *                  other segment 2 ms late: many separate out-of-order
 *                  skbs) into a small SO_RCVBUF: the buffer runs out
 *                  (PruneCalled), out-of-order data gets pruned, the data
 *                  that fills the holes still gets in, and the transfer
 *                  completes byte for byte (an atcp sender forgets the
 *                  SACKs the receiver reneged on: SACKReneging).  Up to
 *                  three transfers until the buffer has run out once, the
 *                  later ones with strict alternation (every other segment
 *                  10 ms, then 20 ms late: no two queued segments meet):
 *                  atcp merges neighbours in its out-of-order queue, and on
 *                  6.12 and 7.2 the random pattern alone left so few
 *                  separate skbs that its buffer never ran out (2647
 *                  segments queued out of order, 1653 of them merged).
 *                  ATCP_PRUNE_NETEM="loss 3%" (netem parameters on A's
 *                  veth, every round) and ATCP_PRUNE_BYTES=1M (per
 *                  transfer) change it.
 */
#include <linux/sock_diag.h>
#include "atcp_lib.h"

#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif

#define PORT	5300
#define NSEG	120		/* 1-byte segments injected above the hole */
#define TOTAL	(2 * NSEG + 1)	/* bytes of the stream: [0, TOTAL) */

FIXTURE(prune) {
	struct conn c;
	int raw_a, raw_b;
};

PROTO_VARIANTS(prune);

FIXTURE_SETUP(prune)
{
	conn_init(&self->c);
	self->raw_a = self->raw_b = -1;
	NET_SETUP(variant->proto);
}

FIXTURE_TEARDOWN(prune)
{
	conn_raws_teardown(&self->c, self->raw_a, self->raw_b);
}

/* Receive memory charged to @fd (sk_rmem_alloc), -1 on error. */
static long rmem_alloc(int fd)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len))
		return -1;
	return mem[SK_MEMINFO_RMEM_ALLOC];
}

/* The client's next seq, ack and TSval, from a data segment it sends. */
static int learn_client(FIXTURE_DATA(prune) *self, uint32_t *seq, uint32_t *ack,
			uint32_t *tsval)
{
	struct seen_seg s;
	char b[8];

	raw_drain(self->raw_b);
	if (send_all(self->c.cli, "hello", 5) || recv_all(self->c.srv, b, 5))
		return -1;
	do {
		if (raw_wait(self->raw_b, self->c.cport, PORT, 0, 0, &s, 1000))
			return -1;
	} while (s.len != 5);
	if (hdr_tsval(&s, tsval))
		return -1;
	*seq = s.seq + 5;
	*ack = s.ack;
	sleep_ms(50);	/* the server's ACK of it: nothing pending */
	return 0;
}

/* Send bytes [off, off + len) of @want as the client, with a timestamp. */
static int inject(FIXTURE_DATA(prune) *self, uint32_t seq, uint32_t ack, uint32_t tsval,
		  const uint8_t *want, uint32_t off, size_t len)
{
	uint8_t opts[12] = { 1, 1, 8, 10 }, pkt[1600];
	uint32_t v = htonl(tsval);
	struct seg sg = {
		.saddr = ns_inaddr(NS_A), .daddr = ns_inaddr(NS_B),
		.sport = self->c.cport, .dport = PORT,
		.seq = seq + off, .ack = ack, .flags = SEG_ACK | SEG_PSH, .win = 1000,
		.opts = opts, .optlen = sizeof(opts), .data = want + off, .len = len,
	};
	size_t n;

	memcpy(opts + 4, &v, 4);
	n = seg_build(&sg, pkt, sizeof(pkt));
	return n ? raw_send(self->raw_a, ns_inaddr(NS_B), pkt, n) : -1;
}

/* Wait for an ACK from the server acknowledging at least @seq; 0 if seen. */
static int wait_ack(FIXTURE_DATA(prune) *self, uint32_t seq, struct seen_seg *s, int ms)
{
	long deadline = now_ms() + ms;

	while (now_ms() < deadline)
		if (!raw_wait(self->raw_a, PORT, self->c.cport, SEG_ACK, SEG_ACK, s,
			      deadline - now_ms()) && (int32_t)(s->ack - seq) >= 0)
			return 0;
	return -1;
}

/* Read what @fd has now (non-blocking) into @buf at *@got. */
static void read_avail(int fd, uint8_t *buf, size_t size, size_t *got)
{
	ssize_t n;

	while (*got < size && (n = recv(fd, buf + *got, size - *got, MSG_DONTWAIT)) > 0)
		*got += n;
}

TEST_F_TIMEOUT(prune, hole_fill, 60)
{
	int proto = variant->proto, rcvbuf, i, nblk, inq = -1;
	long long prune0, pruned0, prune1, pruned1, drop1;
	uint8_t want[TOTAL], got[TOTAL];
	uint32_t seq, ack, tsval, blk[4][2];
	size_t have = 0;
	struct seen_seg s;
	long rmem;

	ASSERT_EQ(0, conn_open_rcvbuf(&self->c, proto, PORT, 4096));
	self->raw_a = raw_open(NS_A, proto);
	self->raw_b = raw_open(NS_B, proto);
	ASSERT_LE(0, self->raw_a);
	ASSERT_LE(0, self->raw_b);
	ASSERT_EQ(0, learn_client(self, &seq, &ack, &tsval));
	rcvbuf = get_int(self->c.srv, SOL_SOCKET, SO_RCVBUF);
	pattern_fill(want, sizeof(want), 41, 0);
	prune0 = proto_counter(NS_B, proto, "PruneCalled", "PruneCalled");
	pruned0 = proto_counter(NS_B, proto, "OfoPruned", "OfoPruned");
	ASSERT_LE(0, prune0);
	ASSERT_LE(0, pruned0);

	/* bytes 2, 4, 6, ...: far more skbs than the buffer holds */
	for (i = 1; i <= NSEG; i++) {
		ASSERT_EQ(0, inject(self, seq, ack, tsval, want, 2 * i, 1));
		if (i % 8 == 0)
			sleep_ms(10);
	}
	sleep_ms(200);
	rmem = rmem_alloc(self->c.srv);
	prune1 = proto_counter(NS_B, proto, "PruneCalled", "PruneCalled");
	drop1 = proto_counter(NS_B, proto, "OfoDrop", "TCPOFODrop");
	TH_LOG("%d 1-byte segments above the hole: rmem_alloc %ld (SO_RCVBUF %d), PruneCalled +%lld, OfoPruned +%lld, ofo drops %lld",
	       NSEG, rmem, rcvbuf, prune1 - prune0,
	       proto_counter(NS_B, proto, "OfoPruned", "OfoPruned") - pruned0, drop1);
	EXPECT_LT(0, rmem);
	EXPECT_GE(2L * rcvbuf, rmem) TH_LOG("receive memory not bounded");
	EXPECT_LT(prune0, prune1) TH_LOG("the buffer never ran out: nothing tested");
	ASSERT_EQ(0, ioctl(self->c.srv, SIOCINQ, &inq));
	EXPECT_EQ(0, inq);

	/* the hole: must get in although the buffer is full */
	raw_drain(self->raw_a);
	ASSERT_EQ(0, inject(self, seq, ack, tsval, want, 0, 2));
	ASSERT_EQ(0, wait_ack(self, seq + 2, &s, 2000)) TH_LOG("the hole-filling segment was dropped");
	pruned1 = proto_counter(NS_B, proto, "OfoPruned", "OfoPruned");
	nblk = hdr_sack(&s, blk);
	TH_LOG("hole filled: ACK +%d, %d SACK blocks, first [%d,%d); OfoPruned +%lld, rmem_alloc %ld",
	       (int)(s.ack - seq), nblk, nblk ? (int)(blk[0][0] - seq) : -1,
	       nblk ? (int)(blk[0][1] - seq) : -1, pruned1 - pruned0, rmem_alloc(self->c.srv));
	EXPECT_LT(pruned0, pruned1) TH_LOG("no out-of-order data was pruned");
	EXPECT_GE(2L * rcvbuf, rmem_alloc(self->c.srv));
	ASSERT_TRUE(WAIT_UNTIL((read_avail(self->c.srv, got, sizeof(got), &have), have >= 2),
			       SOON_MS));
	EXPECT_EQ(0, memcmp(want, got, have));
	EXPECT_EQ(s.ack - seq, have);

	/*
	 * What the SACK blocks claim must be there: send everything below the
	 * highest block but not the block itself, and the cumulative ACK must
	 * pass the block.
	 */
	for (i = 0; i < nblk; i++) {
		uint32_t start = blk[i][0] - seq, end = blk[i][1] - seq, from = s.ack - seq;

		if ((int32_t)(blk[i][1] - s.ack) <= 0 || end > TOTAL)
			continue;	/* a D-SACK, or nothing we sent */
		if (start > from) {
			raw_drain(self->raw_a);
			ASSERT_EQ(0, inject(self, seq, ack, tsval, want, from, start - from));
		}
		EXPECT_EQ(0, wait_ack(self, seq + end, &s, 2000))
			TH_LOG("SACKed [%u,%u) is not held: ACK stays at +%u", start, end,
			       s.ack - seq);
		read_avail(self->c.srv, got, sizeof(got), &have);
		break;
	}

	/* the rest of the stream, in order, as a sender after its timeout would */
	while (have < TOTAL) {
		uint32_t from = have, len = TOTAL - from < 100 ? TOTAL - from : 100;
		long deadline = now_ms() + 2000;

		ASSERT_EQ(0, inject(self, seq, ack, tsval, want, from, len));
		while (have <= from && now_ms() < deadline) {
			read_avail(self->c.srv, got, sizeof(got), &have);
			if (have <= from)
				sleep_ms(5);
		}
		ASSERT_LT(from, have) TH_LOG("in-order data at +%u not accepted", from);
	}
	EXPECT_EQ(0, memcmp(want, got, TOTAL)) TH_LOG("the stream differs");
	EXPECT_TRUE(WAIT_UNTIL(rmem_alloc(self->c.srv) == 0, SOON_MS))
		TH_LOG("%ld bytes still charged after reading everything", rmem_alloc(self->c.srv));
}

/* Listener in B with SO_RCVBUF @rcvbuf; client in A sends segments of @mss bytes. */
static int conn_open_small(struct conn *c, int proto, int rcvbuf, int mss)
{
	c->proto = proto;
	c->port = PORT;
	c->lfd = ns_bound_socket(NS_B, proto, PORT);
	if (c->lfd < 0 || set_int(c->lfd, SOL_SOCKET, SO_RCVBUF, rcvbuf) || listen(c->lfd, 4))
		return -1;
	c->cli = ns_socket(NS_A, proto);
	if (c->cli < 0 || set_int(c->cli, sol(proto), TCP_MAXSEG, mss) ||
	    connect_ns(c->cli, NS_B, PORT))
		return -1;
	c->srv = accept(c->lfd, NULL, NULL);
	if (c->srv < 0)
		return -1;
	c->cport = local_port(c->cli);
	return 0;
}

TEST_F_TIMEOUT(prune, small_segments, 300)
{
	static const char * const rounds[] = {
		"delay 2ms reorder 50% 50%",
		"delay 10ms reorder 100% gap 2",
		"delay 20ms reorder 100% gap 2",
	};
	const char *params = getenv("ATCP_PRUNE_NETEM");
	size_t len = env_size("ATCP_PRUNE_BYTES", 256 << 10);
	long long p0, o0, d0, r0, rt0, q0, m0, c0;
	int proto = variant->proto, round;

	ASSERT_EQ(0, fast_rto(proto, 20));
	ASSERT_EQ(0, ns_sh(NS_A, "ethtool -K %s tso off gso off >/dev/null 2>&1", DEV_A));
	ASSERT_EQ(0, conn_open_small(&self->c, proto, 4096, 100));
	ASSERT_EQ(0, set_int(self->c.cli, sol(proto), TCP_NODELAY, 1));
	p0 = proto_counter(NS_B, proto, "PruneCalled", "PruneCalled");
	o0 = proto_counter(NS_B, proto, "OfoPruned", "OfoPruned");
	d0 = proto_counter(NS_B, proto, "OfoDrop", "TCPOFODrop");
	r0 = proto_counter(NS_A, proto, "SACKReneging", "TCPSACKReneging");
	rt0 = retrans_counter(NS_A, proto);
	q0 = proto_counter(NS_B, proto, "OfoQueue", "TCPOFOQueue");
	m0 = proto_counter(NS_B, proto, "OfoMerge", "TCPOFOMerge");
	c0 = proto_counter(NS_B, proto, "RcvCoalesce", "TCPRcvCoalesce");

	/* netem is random: up to three transfers until the buffer has run out once */
	for (round = 0; round < 3; round++) {
		const char *now = params ? : rounds[round];

		ASSERT_EQ(0, netem(NS_A, now));
		ASSERT_EQ(0, transfer_one_way(self->c.cli, self->c.srv, len, 43 + round, 200000));
		TH_LOG("%zu bytes in 100-byte segments (%s): PruneCalled +%lld, OfoPruned +%lld, ofo drops +%lld, sender SACK reneging +%lld, retransmissions %lld",
		       len, now, proto_counter(NS_B, proto, "PruneCalled", "PruneCalled") - p0,
		       proto_counter(NS_B, proto, "OfoPruned", "OfoPruned") - o0,
		       proto_counter(NS_B, proto, "OfoDrop", "TCPOFODrop") - d0,
		       proto_counter(NS_A, proto, "SACKReneging", "TCPSACKReneging") - r0,
		       retrans_counter(NS_A, proto) - rt0);
		TH_LOG("receiver: out-of-order queued +%lld, merged +%lld, receive queue coalesced +%lld",
		       proto_counter(NS_B, proto, "OfoQueue", "TCPOFOQueue") - q0,
		       proto_counter(NS_B, proto, "OfoMerge", "TCPOFOMerge") - m0,
		       proto_counter(NS_B, proto, "RcvCoalesce", "TCPRcvCoalesce") - c0);
		if (proto_counter(NS_B, proto, "PruneCalled", "PruneCalled") > p0)
			break;
	}
	EXPECT_LT(p0, proto_counter(NS_B, proto, "PruneCalled", "PruneCalled"))
		TH_LOG("the buffer never ran out: nothing tested");
}

TEST_HARNESS_MAIN
