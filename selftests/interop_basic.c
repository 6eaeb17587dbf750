// SPDX-License-Identifier: GPL-2.0
/*
 * Interoperation with Linux TCP, the basics: the handshake, 1 MiB each way
 * at once (byte-exact) and the four-way close with its states on both
 * ends, atcp client -> TCP server and TCP client -> atcp server.  tc on
 * the TCP end's veth renames IP protocol 6 <-> 253 (tcp_speaks_253()).
 *
 * Variant tcp_tcp runs Linux TCP on both ends with the rewrite on both
 * veths, so the wire carries protocol 253 between two Linux TCPs: it
 * validates the rewrite recipe itself, independent of atcp.
 * (selftests/interop.c covers loss and option negotiation.)
 */
#include "atcp_lib.h"

#define PORT	5401

FIXTURE(ib) {
	int lfd, cli, srv;
};

FIXTURE_VARIANT(ib) {
	int proto_a, proto_b;	/* protocol of the socket in A and in B */
};

FIXTURE_VARIANT_ADD(ib, tcp_tcp) { .proto_a = IPPROTO_TCP, .proto_b = IPPROTO_TCP };
FIXTURE_VARIANT_ADD(ib, atcp_tcp) { .proto_a = IPPROTO_ATCP, .proto_b = IPPROTO_TCP };

FIXTURE_SETUP(ib)
{
	int ns;

	self->lfd = self->cli = self->srv = -1;
	if (!proto_available(IPPROTO_ATCP) &&
	    (variant->proto_a == IPPROTO_ATCP || variant->proto_b == IPPROTO_ATCP))
		SKIP_SETUP("atcp not available (module not loaded?)");
	ASSERT_EQ(0, net_setup(NULL));
	for (ns = NS_A; ns <= NS_B; ns++) {
		int proto = ns == NS_A ? variant->proto_a : variant->proto_b;

		if (proto == IPPROTO_TCP)
			ASSERT_EQ(0, tcp_speaks_253(ns));
	}
}

FIXTURE_TEARDOWN(ib)
{
	if (self->cli >= 0)
		abort_fd(self->cli);
	if (self->srv >= 0)
		abort_fd(self->srv);
	if (self->lfd >= 0)
		close(self->lfd);
	net_teardown();
}

/*
 * Client in @cns connects to a listener in the other namespace, 1 MiB each
 * way, then the client closes first: FIN_WAIT_2 / CLOSE_WAIT, LAST_ACK,
 * TIME_WAIT on the client, CLOSE on the server.
 */
static void handshake_data_close(struct __test_metadata *_metadata,
				 FIXTURE_DATA(ib) *self, int cns, int cproto, int sproto)
{
	int sns = cns == NS_A ? NS_B : NS_A, cport;
	char c;

	self->lfd = ns_listen(sns, sproto, PORT, 4);
	ASSERT_GE(self->lfd, 0);
	self->cli = ns_connect(cns, cproto, sns, PORT);
	ASSERT_GE(self->cli, 0) TH_LOG("%s connect to %s: %s", proto_name(cproto),
				       proto_name(sproto), strerror(errno));
	self->srv = accept(self->lfd, NULL, NULL);
	ASSERT_GE(self->srv, 0);
	cport = local_port(self->cli);
	ASSERT_STATE(self->cli, TCP_ESTABLISHED);
	ASSERT_STATE(self->srv, TCP_ESTABLISHED);
	ASSERT_EQ(1, proc_count(sns, sproto, TCP_ESTABLISHED, PORT, cport));

	ASSERT_EQ(0, transfer_both_ways(self->cli, self->srv, 1 << 20, false, 60000));

	ASSERT_EQ(0, shutdown(self->cli, SHUT_WR));
	ASSERT_EQ(0, recv(self->srv, &c, 1, 0));
	ASSERT_STATE(self->srv, TCP_CLOSE_WAIT);
	ASSERT_REACHES(self->cli, TCP_FIN_WAIT2);
	ASSERT_EQ(0, shutdown(self->srv, SHUT_WR));
	ASSERT_EQ(0, recv(self->cli, &c, 1, 0));
	ASSERT_TRUE(WAIT_UNTIL(proc_count(cns, cproto, TCP_TIME_WAIT, cport, PORT) == 1,
			       SOON_MS)) proc_dump(cns, cproto);
	ASSERT_TRUE(state_done(sock_state(self->cli)));
	ASSERT_REACHES(self->srv, TCP_CLOSE);
	ASSERT_EQ(0, proc_count(sns, sproto, ANY, PORT, cport));
}

/* the TCP ends really received protocol 253: their ingress rewrite counted packets */
static void assert_rewritten(struct __test_metadata *_metadata,
			     const FIXTURE_VARIANT(ib) *variant)
{
	int ns;

	for (ns = NS_A; ns <= NS_B; ns++) {
		int proto = ns == NS_A ? variant->proto_a : variant->proto_b;

		if (proto != IPPROTO_TCP)
			continue;
		ASSERT_EQ(0, ns_sh(ns, "tc -s filter show dev %s ingress | "
				   "grep -Eq 'Sent [0-9]+ bytes [1-9][0-9]{2,} pkt'", ns_dev(ns)))
			TH_LOG("no protocol 253 packets rewritten in %s", ns_name(ns));
	}
}

/* the socket in A connects to a listener in B */
TEST_F(ib, a_connects_to_b)
{
	handshake_data_close(_metadata, self, NS_A, variant->proto_a, variant->proto_b);
	assert_rewritten(_metadata, variant);
}

/* the socket in B connects to a listener in A */
TEST_F(ib, b_connects_to_a)
{
	handshake_data_close(_metadata, self, NS_B, variant->proto_b, variant->proto_a);
	assert_rewritten(_metadata, variant);
}

TEST_HARNESS_MAIN
