// SPDX-License-Identifier: GPL-2.0
/*
 * Adaptive reordering, for Linux TCP (the oracle) and atcp: a path that
 * reorders (netem on the sender's veth delays each segment 10 ms +- 5 ms,
 * so segments overtake each other) is noticed through SACK: segments never retransmitted
 * arrive after SACKed ones above them.  The sender raises its duplicate
 * threshold (tcpi_reordering > 3) and counts it (SACKReorder; TCP's
 * TCPSACKReorder), and the data arrives intact.  Without reordering the
 * threshold stays 3.
 */
#include "atcp_lib.h"

#define PORT	5500
#define BYTES	(2 << 20)

FIXTURE(reo) {
	struct conn c;
};

PROTO_VARIANTS(reo);

FIXTURE_SETUP(reo)
{
	conn_init(&self->c);
	NET_SETUP(variant->proto);
	/* one segment per skb, so netem reorders segments */
	ASSERT_EQ(0, ns_sh(NS_A, "ethtool -K %s tso off gso off >/dev/null 2>&1; true",
			   ns_dev(NS_A)));
}

FIXTURE_TEARDOWN(reo)
{
	conn_close(&self->c);
	net_teardown();
}

static int reordering_of(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return -1;
	return ti.tcpi_reordering;
}

TEST_F_TIMEOUT(reo, threshold_adapts, 120)
{
	int proto = variant->proto, reo;
	long long r0;

	ASSERT_EQ(0, fast_rto(proto, 100));
	ASSERT_EQ(0, conn_open(&self->c, proto, PORT));
	r0 = proto_counter(NS_A, proto, "SACKReorder", "TCPSACKReorder");
	ASSERT_LE(0, r0);
	ASSERT_EQ(0, netem(NS_A, "delay 10ms 5ms"));
	ASSERT_EQ(0, transfer_one_way(self->c.cli, self->c.srv, BYTES, 11, 60000));
	reo = reordering_of(self->c.cli);
	TH_LOG("reordering %d, counter +%lld", reo, proto_counter(NS_A, proto, "SACKReorder", "TCPSACKReorder") - r0);
	EXPECT_LT(3, reo);
	EXPECT_LT(0, proto_counter(NS_A, proto, "SACKReorder", "TCPSACKReorder") - r0);
	ASSERT_EQ(0, netem(NS_A, NULL));
}

TEST_F_TIMEOUT(reo, in_order_path_keeps_three, 60)
{
	int proto = variant->proto;
	long long r0;

	ASSERT_EQ(0, conn_open(&self->c, proto, PORT));
	r0 = proto_counter(NS_A, proto, "SACKReorder", "TCPSACKReorder");
	ASSERT_EQ(0, transfer_one_way(self->c.cli, self->c.srv, BYTES, 12, 60000));
	EXPECT_EQ(3, reordering_of(self->c.cli));
	EXPECT_EQ(0, proto_counter(NS_A, proto, "SACKReorder", "TCPSACKReorder") - r0);
}

TEST_HARNESS_MAIN
