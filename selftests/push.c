// SPDX-License-Identifier: GPL-2.0
/*
 * PSH and held data, as Linux TCP does them, watched on the wire (a raw
 * socket in B sees A's segments; no TSO/GSO on A's veth so every segment
 * is a packet).  TCP and atcp.
 *
 *  last_segment_of_write  one write of 3 MSS + 100 bytes: PSH on its last
 *                         segment only
 *  every_write            two writes of 2 MSS: PSH on the last segment of each
 *  long_write             one 1 MiB write: PSH also inside it, at least
 *                         every half of the largest window the peer offered
 *  msg_more_joins         100 bytes with MSG_MORE, then 100 more: one
 *                         200-byte segment, with PSH
 *  msg_more_flushed       100 bytes with MSG_MORE and nothing after them:
 *                         sent anyway about an RTO later, with PSH
 *  cork_flushed           the same under TCP_CORK
 *  msg_eor                under TCP_CORK, a write after one with MSG_EOR
 *                         goes in a segment of its own (without it: joined)
 *  gso_packets_pushed     with TSO/GSO back on: every super-segment carries
 *                         PSH (Linux forces it on GSO packets), also the
 *                         first one that cwnd cut out of a longer write
 *  first_data_quickack    the first data segment of a connection is
 *                         acknowledged at once, not after the delayed-ACK
 *                         timer (atcp's delack_ms raised to 1 s to show it;
 *                         Linux TCP's is 40 ms at most here)
 */
#include "atcp_lib.h"
#include <pthread.h>

#define PORT	5300
#define MAX_SEGS	2048

FIXTURE(push) {
	struct conn c;
	int raw_b;
	uint32_t mss;
};

PROTO_VARIANTS(push);

FIXTURE_SETUP(push)
{
	struct conn_xinfo x;

	conn_init(&self->c);
	self->raw_b = -1;
	NET_SETUP(variant->proto);
	ASSERT_EQ(0, no_offload(NS_A));
	/*
	 * Held data goes out from the probe timer an RTO later: 1 s, so
	 * that msg_more_joins' second write comes first on a slow machine
	 * (before the connection: a new route would change its MSS).
	 */
	ASSERT_EQ(0, fast_rto(variant->proto, 1000));
	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT));
	ASSERT_EQ(0, set_int(self->c.cli, SOL_TCP, TCP_NODELAY, 1));
	ASSERT_EQ(0, sock_xinfo(self->c.cli, &x));
	self->mss = x.snd_mss;
	self->raw_b = raw_open(NS_B, variant->proto);
	ASSERT_LE(0, self->raw_b);
	/* room for a burst of segments while the test is not reading */
	set_int(self->raw_b, SOL_SOCKET, SO_RCVBUFFORCE, 16 << 20);
}

FIXTURE_TEARDOWN(push)
{
	conn_raws_teardown(&self->c, -1, self->raw_b);
}

struct seg_log {
	int n;
	size_t bytes;
	uint32_t len[MAX_SEGS];
	uint32_t seq[MAX_SEGS];
	bool psh[MAX_SEGS];
};

/*
 * Record A's data segments until @bytes new bytes were seen (a resent
 * segment is logged but not counted twice); @srv, if >= 0, is read on
 * the way so the window stays open.  0, or -1 after @timeout_ms.
 */
static int collect(FIXTURE_DATA(push) *self, struct seg_log *log, size_t bytes, int srv,
		   int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	static char sink[1 << 16];
	uint32_t next = 0;
	bool started = false;
	struct seen_seg s;

	while (log->bytes < bytes) {
		if (now_ms() > deadline)
			return -1;
		if (srv >= 0)
			while (recv(srv, sink, sizeof(sink), MSG_DONTWAIT) > 0)
				;
		if (raw_wait(self->raw_b, self->c.cport, PORT, 0, 0, &s, 20) || !s.len)
			continue;
		if (log->n < MAX_SEGS) {
			log->len[log->n] = s.len;
			log->seq[log->n] = s.seq;
			log->psh[log->n] = s.flags & SEG_PSH;
			log->n++;
		}
		if (!started || (int32_t)(s.seq + s.len - next) > 0) {
			uint32_t from = started && (int32_t)(next - s.seq) > 0 ? next : s.seq;

			log->bytes += s.seq + s.len - from;
			next = s.seq + s.len;
			started = true;
		}
	}
	return 0;
}

static void dump(struct __test_metadata *_metadata, const struct seg_log *log)
{
	int i;

	for (i = 0; i < log->n && i < 40; i++)
		TH_LOG("segment %d: seq %u len %u%s", i, log->seq[i], log->len[i],
		       log->psh[i] ? " PSH" : "");
}

static void write_all(int fd, size_t len, int flags)
{
	static char buf[1 << 20];
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(fd, buf, len - off < sizeof(buf) ? len - off : sizeof(buf),
				 flags | MSG_NOSIGNAL);

		if (n <= 0)
			return;
		off += n;
	}
}

TEST_F(push, last_segment_of_write)
{
	static struct seg_log log;
	size_t len = 3 * self->mss + 100;
	int i;

	memset(&log, 0, sizeof(log));
	write_all(self->c.cli, len, 0);
	ASSERT_EQ(0, collect(self, &log, len, -1, 10000));
	dump(_metadata, &log);
	ASSERT_EQ(4, log.n);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(self->mss, log.len[i]);
		EXPECT_FALSE(log.psh[i]);
	}
	EXPECT_EQ(100, log.len[3]);
	EXPECT_TRUE(log.psh[3]);
}

TEST_F(push, every_write)
{
	static struct seg_log log;
	size_t len = 2 * self->mss;

	memset(&log, 0, sizeof(log));
	write_all(self->c.cli, len, 0);
	ASSERT_EQ(0, collect(self, &log, len, -1, 10000));
	write_all(self->c.cli, len, 0);
	ASSERT_EQ(0, collect(self, &log, 2 * len, -1, 10000));
	dump(_metadata, &log);
	ASSERT_EQ(4, log.n);
	EXPECT_FALSE(log.psh[0]);
	EXPECT_TRUE(log.psh[1]);
	EXPECT_FALSE(log.psh[2]);
	EXPECT_TRUE(log.psh[3]);
}

struct writer {
	int fd;
	size_t len;
};

static void *writer_fn(void *arg)
{
	struct writer *w = arg;

	write_all(w->fd, w->len, 0);
	return NULL;
}

TEST_F_TIMEOUT(push, long_write, 120)
{
	static struct seg_log log;
	struct writer w = { .fd = self->c.cli, .len = 1 << 20 };
	uint32_t since = 0, longest = 0;
	struct conn_xinfo x;
	pthread_t th;
	int i, inner = 0;

	memset(&log, 0, sizeof(log));
	ASSERT_EQ(0, pthread_create(&th, NULL, writer_fn, &w));
	ASSERT_EQ(0, collect(self, &log, w.len, self->c.srv, 60000));
	pthread_join(th, NULL);
	ASSERT_EQ(0, sock_xinfo(self->c.srv, &x));
	for (i = 0; i < log.n; i++) {
		since += log.len[i];
		if (log.psh[i]) {
			if (i != log.n - 1)
				inner++;
			longest = since > longest ? since : longest;
			since = 0;
		}
	}
	TH_LOG("%d segments, %d pushed inside the write, longest run %u bytes",
	       log.n, inner, longest);
	ASSERT_GT(MAX_SEGS, log.n);
	EXPECT_TRUE(log.psh[log.n - 1]);
	/* a 1 MiB write is more than half of any window the peer offers here */
	EXPECT_LT(0, inner);
}

TEST_F(push, msg_more_joins)
{
	static struct seg_log log;

	memset(&log, 0, sizeof(log));
	write_all(self->c.cli, 100, MSG_MORE);
	write_all(self->c.cli, 100, 0);
	ASSERT_EQ(0, collect(self, &log, 200, -1, 10000));
	dump(_metadata, &log);
	ASSERT_EQ(1, log.n);
	EXPECT_EQ(200, log.len[0]);
	EXPECT_TRUE(log.psh[0]);
}

TEST_F(push, msg_more_flushed)
{
	static struct seg_log log;

	memset(&log, 0, sizeof(log));
	write_all(self->c.cli, 100, MSG_MORE);
	/* Linux TCP sends it from its probe timer, an RTO (1 s here) later */
	ASSERT_EQ(0, collect(self, &log, 100, -1, 10000));
	dump(_metadata, &log);
	ASSERT_EQ(1, log.n);
	EXPECT_EQ(100, log.len[0]);
	EXPECT_TRUE(log.psh[0]);
}

TEST_F(push, cork_flushed)
{
	static struct seg_log log;

	memset(&log, 0, sizeof(log));
	ASSERT_EQ(0, set_int(self->c.cli, SOL_TCP, TCP_CORK, 1));
	write_all(self->c.cli, 100, 0);
	ASSERT_EQ(0, collect(self, &log, 100, -1, 10000));
	dump(_metadata, &log);
	ASSERT_EQ(1, log.n);
	EXPECT_EQ(100, log.len[0]);
}

TEST_F(push, msg_eor)
{
	static struct seg_log log;

	memset(&log, 0, sizeof(log));
	ASSERT_EQ(0, set_int(self->c.cli, SOL_TCP, TCP_CORK, 1));
	write_all(self->c.cli, 100, 0);
	write_all(self->c.cli, 100, MSG_EOR);
	write_all(self->c.cli, 100, 0);
	ASSERT_EQ(0, set_int(self->c.cli, SOL_TCP, TCP_CORK, 0));
	ASSERT_EQ(0, collect(self, &log, 300, -1, 10000));
	dump(_metadata, &log);
	/* the first two writes join, the EOR ends that segment */
	ASSERT_EQ(2, log.n);
	EXPECT_EQ(200, log.len[0]);
	EXPECT_EQ(100, log.len[1]);
}

TEST_F(push, gso_packets_pushed)
{
	int proto = variant->proto, cli, srv, lfd, big = 0, unpushed = 0;
	size_t got = 0, want;
	struct seen_seg s;

	/* offloads back on, then a connection that sees them */
	ASSERT_EQ(0, ns_sh(NS_A, "ethtool -K %s tso on gso on >/dev/null 2>&1; "
			   "ip link set dev %s gso_max_segs 65535", ns_dev(NS_A), ns_dev(NS_A)));
	lfd = conn_pair(proto, PORT + 1, &cli, &srv);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, set_int(cli, SOL_TCP, TCP_NODELAY, 1));
	/* more than the initial window: cwnd cuts the first packet out of it */
	want = 12 * self->mss;
	raw_drain(self->raw_b);
	write_all(cli, want, 0);
	while (got < want && !raw_wait(self->raw_b, local_port(cli), PORT + 1, 0, 0, &s, 5000)) {
		got += s.len;
		if (s.len <= self->mss)
			continue;
		big++;
		if (!(s.flags & SEG_PSH))
			unpushed++;
		TH_LOG("packet of %zu bytes%s", s.len, s.flags & SEG_PSH ? " PSH" : "");
	}
	close(cli);
	close(srv);
	close(lfd);
	ASSERT_LT(0, big) TH_LOG("no super-segment seen");
	EXPECT_EQ(0, unpushed);
}

TEST_F(push, first_data_quickack)
{
	int raw_a = raw_open(NS_A, variant->proto);
	static struct seg_log log;
	struct seen_seg s;
	long t0, waited = -1;

	ASSERT_LE(0, raw_a);
	if (variant->proto == IPPROTO_ATCP)
		ASSERT_EQ(0, ns_sysctl_set_int(NS_B, "net/atcp/delack_ms", 1000));
	memset(&log, 0, sizeof(log));
	raw_drain(raw_a);
	t0 = now_ms();
	write_all(self->c.cli, 10, 0);
	EXPECT_EQ(0, collect(self, &log, 10, -1, 10000));
	while (!raw_wait(raw_a, PORT, self->c.cport, SEG_ACK, SEG_ACK, &s, 5000)) {
		if (s.ack == log.seq[0] + 10) {
			waited = now_ms() - t0;
			break;
		}
	}
	close(raw_a);
	TH_LOG("ACK after %ld ms", waited);
	ASSERT_LE(0, waited);
	/* a delayed ACK would take the whole second */
	EXPECT_GT(700, waited);
}

TEST_HARNESS_MAIN
