// SPDX-License-Identifier: GPL-2.0
/*
 * Data transfer: 16 MiB each way at the same time, byte-exact, through the
 * veth; 2000 short connections one after the other, after which (atcp,
 * short MSL) nothing but the listener is left in /proc/net/atcp.
 */
#include "atcp_lib.h"

#define PORT	5005

FIXTURE(data) {
	struct conn c;
};

PROTO_VARIANTS(data);

FIXTURE_SETUP(data)
{
	conn_init(&self->c);
	NET_SETUP(variant->proto);
}

FIXTURE_TEARDOWN(data)
{
	conn_close(&self->c);
	net_teardown();
}

/* 16 MiB each way simultaneously, checked against the pattern, then EOF */
TEST_F_TIMEOUT(data, bulk_both_ways, 120)
{
	const size_t len = 16 << 20;
	long t0;

	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT));
	t0 = now_ms();
	ASSERT_EQ(0, transfer_both_ways(self->c.cli, self->c.srv, len, true, 100000));
	TH_LOG("2 x %zu MiB in %ld ms", len >> 20, now_ms() - t0);
	/* both sent FIN and got EOF: one side ends in TIME_WAIT */
	ASSERT_TRUE(WAIT_UNTIL(state_done(sock_state(self->c.cli)) &&
			       state_done(sock_state(self->c.srv)), SOON_MS));
}

/* One short request/response connection; returns 0 or -1. */
static int one_connection(int proto, int lfd, int i)
{
	char req[64], resp[64], buf[64];
	int cli, srv, n, ret = -1;

	n = snprintf(req, sizeof(req), "request %d", i) + 1;
	snprintf(resp, sizeof(resp), "response %d", i);
	cli = ns_connect(NS_A, proto, NS_B, PORT);
	if (cli < 0) {
		fprintf(stderr, "# connection %d: connect: %s\n", i, strerror(errno));
		return -1;
	}
	srv = accept(lfd, NULL, NULL);
	if (srv < 0) {
		fprintf(stderr, "# connection %d: accept: %s\n", i, strerror(errno));
		goto out_cli;
	}
	if (send_all(cli, req, n) || recv_all(srv, buf, n) || memcmp(buf, req, n) ||
	    send_all(srv, resp, n) || recv_all(cli, buf, n) || memcmp(buf, resp, n)) {
		fprintf(stderr, "# connection %d: exchange failed: %s\n", i, strerror(errno));
		goto out;
	}
	close_fd(&cli);		/* the client closes first: TIME_WAIT in A */
	if (recv(srv, buf, 1, 0) != 0) {
		fprintf(stderr, "# connection %d: no EOF\n", i);
		goto out;
	}
	ret = 0;
out:
	close(srv);
out_cli:
	if (cli >= 0)
		close(cli);
	return ret;
}

/*
 * 2000 sequential connections.  atcp, msl_ms=50: once TIME_WAIT expired,
 * /proc/net/atcp holds only the listener.
 */
TEST_F_TIMEOUT(data, many_sequential, 180)
{
	enum { NCONN = 2000 };
	const long msl_ms = 50;
	int proto = variant->proto, lfd, i;
	long t0;

	if (proto == IPPROTO_ATCP) {
		ASSERT_EQ(0, ns_sysctl_set_int(NS_A, "net/atcp/msl_ms", msl_ms));
		ASSERT_EQ(0, ns_sysctl_set_int(NS_B, "net/atcp/msl_ms", msl_ms));
	}
	lfd = ns_listen(NS_B, proto, PORT, 128);
	ASSERT_GE(lfd, 0);
	self->c.lfd = lfd;
	t0 = now_ms();
	for (i = 0; i < NCONN; i++)
		ASSERT_EQ(0, one_connection(proto, lfd, i));
	TH_LOG("%d connections in %ld ms", NCONN, now_ms() - t0);

	if (proto != IPPROTO_ATCP)
		return;	/* Linux TCP keeps them in TIME_WAIT for 60 s */
	ASSERT_TRUE(WAIT_UNTIL(proc_count(NS_A, proto, ANY, ANY, ANY) == 0 &&
			       proc_count(NS_B, proto, ANY, ANY, ANY) == 1,
			       2 * msl_ms + SOON_MS)) {
		TH_LOG("A: %d entries, B: %d entries",
		       proc_count(NS_A, proto, ANY, ANY, ANY),
		       proc_count(NS_B, proto, ANY, ANY, ANY));
	}
	ASSERT_EQ(1, proc_count(NS_B, proto, TCP_LISTEN, PORT, 0));
}

TEST_HARNESS_MAIN
