// SPDX-License-Identifier: GPL-2.0
/*
 * TCP_INFO (getsockopt IPPROTO_TCP) after known traffic: the byte and
 * segment counters, the RTT minimum, the "ms since" fields, the path MTU,
 * the bytes written but not sent while the peer's window is shut, and the
 * retransmission counters after loss.  Every assertion holds for Linux TCP
 * too (the tcp variant is the oracle).
 */
#include "atcp_lib.h"

#include <linux/sockios.h>

#define PORT		5600
#define XFER_LEN	(256 * 1024)
/*
 * The bound on the "ms since" fields right after a transfer, and on waits
 * for the last ACK: far below what an uninitialised stamp would give
 * (uptime), far above what a loaded TCG guest needs.
 */
#define RECENT_MS	10000
/* tc filter: an ECT(0) packet leaves marked CE */
#define CE_MARK		"match ip tos 0x02 0x03 action pedit ex munge ip tos set 0x03 retain 0x03 " \
			"pipe action csum ip"

FIXTURE(tinfo) {
	struct conn c;
};

PROTO_VARIANTS(tinfo);

FIXTURE_SETUP(tinfo)
{
	conn_init(&self->c);
	NET_SETUP(variant->proto);
}

FIXTURE_TEARDOWN(tinfo)
{
	conn_close(&self->c);
	net_teardown();
}

static int tinfo_get(int fd, struct ktcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len);
}

/* The MTU of @ns's veth, -1 on error. */
static int dev_mtu(int ns)
{
	struct ifreq ifr = { };
	int fd = ns_socket_type(ns, SOCK_DGRAM, 0);
	int ret;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ns_dev(ns));
	ret = ioctl(fd, SIOCGIFMTU, &ifr) ? -1 : ifr.ifr_mtu;
	close(fd);
	return ret;
}

/* The send-side counters of @s after it sent @len bytes in a lossless run. */
static void check_sender(struct __test_metadata *_metadata, const struct ktcp_info *s,
			 size_t len)
{
	EXPECT_LE(len, s->tcpi_bytes_sent);
	EXPECT_LE(len, s->tcpi_bytes_acked);
	EXPECT_LT(0, s->tcpi_data_segs_out);
	EXPECT_LE(s->tcpi_data_segs_out, s->tcpi_segs_out);
	/* no segment carries more than one MSS */
	ASSERT_LT(0, s->tcpi_snd_mss);
	EXPECT_LE((len + s->tcpi_snd_mss - 1) / s->tcpi_snd_mss, s->tcpi_data_segs_out);
	EXPECT_LT(0, s->tcpi_min_rtt);
	EXPECT_LE(s->tcpi_min_rtt, s->tcpi_rtt);
	EXPECT_GT(RECENT_MS, s->tcpi_last_data_sent);
	EXPECT_GT(RECENT_MS, s->tcpi_last_ack_recv);
	EXPECT_EQ(0, s->tcpi_notsent_bytes);
}

/* A one-way transfer: both ends' counters agree with what moved. */
TEST_F(tinfo, transfer_counters)
{
	struct ktcp_info s, r;
	int mtu;

	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT));
	ASSERT_EQ(0, transfer_one_way(self->c.cli, self->c.srv, XFER_LEN, 1, 30000));
	/* everything acknowledged: the sender's counters are final */
	ASSERT_TRUE(WAIT_UNTIL(!tinfo_get(self->c.cli, &s) && !s.tcpi_unacked, RECENT_MS));
	ASSERT_EQ(0, tinfo_get(self->c.srv, &r));

	check_sender(_metadata, &s, XFER_LEN);
	/*
	 * Nothing is lost on the veth, yet a loaded host can delay ACKs past a
	 * tail loss probe or the RTO (Linux TCP resent 504 bytes so in CI):
	 * resends are counted in bytes_sent on top of the data.
	 */
	EXPECT_LE(XFER_LEN + s.tcpi_bytes_retrans, s.tcpi_bytes_sent);
	EXPECT_EQ(XFER_LEN, r.tcpi_bytes_received);
	EXPECT_LT(0, r.tcpi_data_segs_in);
	EXPECT_LE(r.tcpi_data_segs_in, r.tcpi_segs_in);
	EXPECT_LE((XFER_LEN + s.tcpi_snd_mss - 1) / s.tcpi_snd_mss, r.tcpi_data_segs_in);
	/* no loss on the veth: the receiver got no more than was sent */
	EXPECT_LE(r.tcpi_data_segs_in, s.tcpi_data_segs_out);
	/* (not last_ack_recv: Linux's bulk receiver fast path does not update it) */
	EXPECT_GT(RECENT_MS, r.tcpi_last_data_recv);
	/* the receiver sent ACKs only */
	EXPECT_EQ(0, r.tcpi_data_segs_out);
	EXPECT_EQ(0, r.tcpi_bytes_sent);
	EXPECT_LT(0, s.tcpi_rcv_ssthresh);
	EXPECT_LT(0, r.tcpi_rcv_ssthresh);

	mtu = dev_mtu(NS_A);
	ASSERT_LT(0, mtu);
	EXPECT_EQ(mtu, s.tcpi_pmtu);
	mtu = dev_mtu(NS_B);
	ASSERT_LT(0, mtu);
	EXPECT_EQ(mtu, r.tcpi_pmtu);
}

/* Data both ways: each end counts what it sent and what it received. */
TEST_F(tinfo, both_ways)
{
	struct ktcp_info a, b;

	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT));
	ASSERT_EQ(0, transfer_both_ways(self->c.cli, self->c.srv, 64 * 1024, false, 30000));
	ASSERT_TRUE(WAIT_UNTIL(!tinfo_get(self->c.cli, &a) && !a.tcpi_unacked &&
			       !tinfo_get(self->c.srv, &b) && !b.tcpi_unacked, RECENT_MS));
	check_sender(_metadata, &a, 64 * 1024);
	check_sender(_metadata, &b, 64 * 1024);
	EXPECT_EQ(64 * 1024, a.tcpi_bytes_received);
	EXPECT_EQ(64 * 1024, b.tcpi_bytes_received);
	EXPECT_LT(0, a.tcpi_data_segs_in);
	EXPECT_LT(0, b.tcpi_data_segs_in);
	EXPECT_GT(RECENT_MS, a.tcpi_last_data_recv);
	EXPECT_GT(RECENT_MS, b.tcpi_last_data_recv);
}

/*
 * The peer does not read and its buffer is small: once its window is
 * shut and what was sent is acknowledged, tcpi_notsent_bytes is the part
 * of what was written that the peer does not hold (SIOCOUTQ, too).
 */
TEST_F(tinfo, notsent_bytes)
{
	static char buf[16384];
	struct ktcp_info ti;
	long long written = 0;
	int inq = -1, outq = -1;
	long deadline;

	ASSERT_EQ(0, conn_open_rcvbuf(&self->c, variant->proto, PORT, 4096));
	ASSERT_EQ(0, set_int(self->c.cli, SOL_SOCKET, SO_SNDBUF, 65536));
	ASSERT_EQ(0, set_nonblock(self->c.cli, true));
	/* write until the send buffer is full and stays full */
	deadline = now_ms() + 10000;
	for (;;) {
		ssize_t n = send(self->c.cli, buf, sizeof(buf), MSG_NOSIGNAL);

		if (n > 0) {
			written += n;
			continue;
		}
		ASSERT_EQ(EAGAIN, errno);
		if (poll_fd(self->c.cli, POLLOUT, 300) == 0)
			break;
		ASSERT_GT(deadline, now_ms());
	}
	EXPECT_TRUE(WAIT_UNTIL(!tinfo_get(self->c.cli, &ti) && !ti.tcpi_unacked &&
			       !ioctl(self->c.srv, SIOCINQ, &inq) &&
			       ti.tcpi_notsent_bytes == written - inq, RECENT_MS))
		TH_LOG("written %lld, peer holds %d, unacked %u, notsent %u",
		       written, inq, ti.tcpi_unacked, ti.tcpi_notsent_bytes);
	EXPECT_LT(0, ti.tcpi_notsent_bytes);
	ASSERT_EQ(0, ioctl(self->c.cli, SIOCOUTQ, &outq));
	EXPECT_EQ(outq, ti.tcpi_notsent_bytes);

	/* the reader drains it: nothing left unsent */
	ASSERT_EQ(0, set_nonblock(self->c.cli, false));
	ASSERT_EQ(0, set_nonblock(self->c.srv, true));
	EXPECT_TRUE(WAIT_UNTIL(((void)recv(self->c.srv, buf, sizeof(buf), 0), true) &&
			       !tinfo_get(self->c.cli, &ti) && !ti.tcpi_notsent_bytes,
			       10000))
		TH_LOG("notsent %u after the peer read", ti.tcpi_notsent_bytes);
}

/* Loss on the data path: resent bytes are counted, and are part of bytes_sent. */
TEST_F(tinfo, retrans_after_loss)
{
	struct ktcp_info s, r;

	/* single segments, so that 10% loss hits a few of them for certain */
	ASSERT_EQ(0, no_offload(NS_A));
	ASSERT_EQ(0, fast_rto(variant->proto, 50));
	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT));
	ASSERT_EQ(0, netem(NS_A, "loss 10%"));
	ASSERT_EQ(0, transfer_one_way(self->c.cli, self->c.srv, XFER_LEN, 2, 120000));
	ASSERT_EQ(0, netem(NS_A, NULL));
	ASSERT_TRUE(WAIT_UNTIL(!tinfo_get(self->c.cli, &s) && !s.tcpi_unacked, 10000));
	ASSERT_EQ(0, tinfo_get(self->c.srv, &r));

	EXPECT_LT(0, s.tcpi_total_retrans);
	EXPECT_LT(0, s.tcpi_bytes_retrans);
	/* every byte went once, and the resent ones again */
	EXPECT_LE(XFER_LEN + s.tcpi_bytes_retrans, s.tcpi_bytes_sent);
	EXPECT_LE(s.tcpi_data_segs_out, s.tcpi_segs_out);
	/* segments after a lost one came out of order */
	EXPECT_LT(0, r.tcpi_rcv_ooopack);
	EXPECT_EQ(XFER_LEN, r.tcpi_bytes_received);
}

/*
 * ECN agreed and every data segment marked CE on the way: the receiver
 * echoes ECE, and the data those ACKs acknowledge counts in delivered_ce.
 */
TEST_F(tinfo, delivered_ce)
{
	struct ktcp_info s;

	ASSERT_EQ(0, no_offload(NS_A));
	ASSERT_EQ(0, proto_sysctl_set(NS_A, variant->proto, "ecn", "tcp_ecn", 1));
	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT));
	ASSERT_EQ(0, tinfo_get(self->c.cli, &s));
	ASSERT_TRUE(s.tcpi_options & TCPI_OPT_ECN);
	/* a router that marks: every ECT packet leaving A becomes CE */
	ASSERT_EQ(0, ns_sh(NS_A, "tc qdisc add dev %s clsact", DEV_A));
	ASSERT_EQ(0, ns_sh(NS_A, "tc filter add dev %s egress u32 %s", DEV_A, CE_MARK));
	ASSERT_EQ(0, transfer_one_way(self->c.cli, self->c.srv, 64 * 1024, 3, 30000));
	ASSERT_TRUE(WAIT_UNTIL(!tinfo_get(self->c.cli, &s) && !s.tcpi_unacked, RECENT_MS));
	EXPECT_LT(0, s.tcpi_delivered_ce);
	EXPECT_LE(s.tcpi_delivered_ce, s.tcpi_delivered);
}

/* SO_MAX_PACING_RATE shows in tcpi_max_pacing_rate; unset it is all ones. */
TEST_F(tinfo, max_pacing_rate)
{
	struct ktcp_info ti;

	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT));
	ASSERT_EQ(0, tinfo_get(self->c.cli, &ti));
	EXPECT_EQ(~0ULL, ti.tcpi_max_pacing_rate);
	ASSERT_EQ(0, set_int(self->c.cli, SOL_SOCKET, SO_MAX_PACING_RATE, 1000000));
	ASSERT_EQ(0, tinfo_get(self->c.cli, &ti));
	EXPECT_EQ(1000000, ti.tcpi_max_pacing_rate);
	EXPECT_GE(1000000, ti.tcpi_pacing_rate);
}

TEST_HARNESS_MAIN
