// SPDX-License-Identifier: GPL-2.0
/*
 * TIME_WAIT limits and reuse, for Linux TCP (the oracle) and atcp:
 *
 *  max_tw_buckets        beyond net.atcp.max_tw_buckets (tcp_max_tw_buckets)
 *                        a closing connection gets no TIME_WAIT entry and
 *                        the overflow is counted
 *  tw_reuse_off          one ephemeral port, in TIME_WAIT: connect() fails
 *                        with EADDRNOTAVAIL while tw_reuse is 0
 *  tw_reuse_on           with tw_reuse 1 and the entry a second old, connect()
 *                        takes the port over (TWRecycled) and data flows
 *  tw_reuse_loopback     tw_reuse 2 (the default): only loopback addresses
 *  bound_port_reuses_tw  an explicitly bound port may take over its own
 *                        TIME_WAIT 4-tuple whatever tw_reuse says (timestamps)
 *  too_young             atcp only: an entry younger than one second stays
 *                        (TCP counts whole seconds, so its limit is fuzzy)
 */
#include "atcp_lib.h"

#define PORT		5300
#define ONE_PORT	40000

FIXTURE(tw) {
	int fds[8];
	int lfd;
};

PROTO_VARIANTS(tw);

FIXTURE_SETUP(tw)
{
	int i;

	for (i = 0; i < 8; i++)
		self->fds[i] = -1;
	self->lfd = -1;
	NET_SETUP(variant->proto);
}

FIXTURE_TEARDOWN(tw)
{
	int i;

	for (i = 0; i < 8; i++)
		if (self->fds[i] >= 0)
			abort_fd(self->fds[i]);
	if (self->lfd >= 0)
		close(self->lfd);
	net_teardown();
}

/*
 * One connection from A (source port @cport, 0: ephemeral; bound with
 * SO_REUSEADDR) to the listener on @dst_ns, @dst_addr: a byte each way,
 * then the client closes first, the server after it, and the client's side
 * is left in TIME_WAIT (or gone, when it got no entry).  Returns the
 * client's local port, -1 on failure (errno kept for connect()).
 */
static int tw_conn(int proto, int lfd, int ns, const char *dst_addr, int cport)
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int cli, srv, port, err, one = 1;
	char c = 'x';

	inet_pton(AF_INET, dst_addr, &dst.sin_addr);
	cli = ns_socket(ns, proto);
	if (cli < 0)
		return -1;
	setsockopt(cli, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (cport) {
		struct sockaddr_in src = { .sin_family = AF_INET, .sin_port = htons(cport) };

		if (bind(cli, (struct sockaddr *)&src, sizeof(src)))
			goto fail;
	}
	if (connect(cli, (struct sockaddr *)&dst, sizeof(dst)))
		goto fail;
	set_io_timeout(lfd, IO_TIMEOUT_MS);
	srv = accept(lfd, NULL, NULL);
	if (srv < 0)
		goto fail;
	set_io_timeout(srv, IO_TIMEOUT_MS);
	set_io_timeout(cli, IO_TIMEOUT_MS);
	if (write(cli, &c, 1) != 1 || read(srv, &c, 1) != 1 ||
	    write(srv, &c, 1) != 1 || read(cli, &c, 1) != 1) {
		close(srv);
		goto fail;
	}
	port = local_port(cli);
	close(cli);			/* FIN_WAIT_1 */
	if (read(srv, &c, 1) != 0) {	/* EOF */
		close(srv);
		return -1;
	}
	close(srv);			/* LAST_ACK; the client goes to TIME_WAIT */
	return port;
fail:
	err = errno;
	close(cli);
	errno = err;
	return -1;
}

static int tw_count(int ns, int proto, int cport)
{
	return proc_count(ns, proto, TCP_TIME_WAIT, cport, ANY);
}

static int listen_on(struct __test_metadata *_metadata, int ns, int proto, const char *addr)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int fd = ns_socket(ns, proto), one = 1;

	inet_pton(AF_INET, addr, &sa.sin_addr);
	EXPECT_LE(0, fd);
	EXPECT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	EXPECT_EQ(0, bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(0, listen(fd, 8));
	return fd;
}

TEST_F(tw, max_tw_buckets)
{
	int proto = variant->proto, i, port[4];
	long long over0, over1;

	ASSERT_EQ(0, proto_sysctl_set(NS_A, proto, "max_tw_buckets", "tcp_max_tw_buckets", 2));
	self->lfd = listen_on(_metadata, NS_B, proto, ADDR_B);
	over0 = proto_counter(NS_A, proto, "TimeWaitOverflow", "TCPTimeWaitOverflow");
	ASSERT_LE(0, over0);
	for (i = 0; i < 4; i++) {
		port[i] = tw_conn(proto, self->lfd, NS_A, ADDR_B, 0);
		ASSERT_LT(0, port[i]) TH_LOG("connection %d: %s", i, strerror(errno));
		/* the first two wait, the others close at once */
		ASSERT_TRUE(WAIT_UNTIL(tw_count(NS_A, proto, port[i]) == (i < 2) &&
				       proc_count(NS_A, proto, ANY, port[i], ANY) == (i < 2),
				       SOON_MS))
			TH_LOG("connection %d: %d TIME_WAIT", i, tw_count(NS_A, proto, port[i]));
	}
	EXPECT_EQ(2, tw_count(NS_A, proto, ANY));
	over1 = proto_counter(NS_A, proto, "TimeWaitOverflow", "TCPTimeWaitOverflow");
	EXPECT_EQ(2, over1 - over0);

	/* 0: no TIME_WAIT at all */
	ASSERT_EQ(0, proto_sysctl_set(NS_A, proto, "max_tw_buckets", "tcp_max_tw_buckets", 0));
	port[0] = tw_conn(proto, self->lfd, NS_A, ADDR_B, 0);
	ASSERT_LT(0, port[0]);
	EXPECT_TRUE(WAIT_UNTIL(proc_count(NS_A, proto, ANY, port[0], ANY) == 0, SOON_MS));
	EXPECT_EQ(2, tw_count(NS_A, proto, ANY));
}

/* Only @port for connect() in @ns, so the next connection needs the TIME_WAIT one. */
static int one_ephemeral_port(int ns)
{
	return ns_sysctl_set(ns, "net/ipv4/ip_local_port_range", "40000 40000");
}

/* tw_reuse @mode in A, one ephemeral port, and it left in TIME_WAIT towards B */
static void tw_on_one_port(struct __test_metadata *_metadata, FIXTURE_DATA(tw) *self,
			   int proto, int mode)
{
	ASSERT_EQ(0, proto_sysctl_set(NS_A, proto, "tw_reuse", "tcp_tw_reuse", mode));
	ASSERT_EQ(0, one_ephemeral_port(NS_A));
	self->lfd = listen_on(_metadata, NS_B, proto, ADDR_B);
	ASSERT_EQ(ONE_PORT, tw_conn(proto, self->lfd, NS_A, ADDR_B, 0));
	ASSERT_TRUE(WAIT_UNTIL(tw_count(NS_A, proto, ONE_PORT) == 1, SOON_MS));
}

/* A connect() from A to B's listener: errno if it failed, 0 if it connected. */
static int connect_error(int proto)
{
	int fd = ns_connect(NS_A, proto, NS_B, PORT);

	if (fd < 0)
		return errno;
	abort_fd(fd);
	return 0;
}

TEST_F(tw, tw_reuse_off)
{
	int proto = variant->proto;

	tw_on_one_port(_metadata, self, proto, 0);
	sleep_ms(1100);
	EXPECT_EQ(EADDRNOTAVAIL, connect_error(proto));
	EXPECT_EQ(1, tw_count(NS_A, proto, ONE_PORT));
}

TEST_F(tw, tw_reuse_on)
{
	int proto = variant->proto, fd;
	long long rec0, rec1;

	tw_on_one_port(_metadata, self, proto, 1);
	rec0 = proto_counter(NS_A, proto, "TWRecycled", "TWRecycled");
	sleep_ms(1100);
	fd = self->fds[0] = ns_connect(NS_A, proto, NS_B, PORT);
	ASSERT_LE(0, fd) TH_LOG("connect: %s", strerror(errno));
	EXPECT_EQ(ONE_PORT, local_port(fd));
	EXPECT_EQ(0, tw_count(NS_A, proto, ANY));
	rec1 = proto_counter(NS_A, proto, "TWRecycled", "TWRecycled");
	EXPECT_EQ(1, rec1 - rec0);
	/* the new incarnation works */
	self->fds[1] = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->fds[1]);
	ASSERT_EQ(0, exchange(fd, self->fds[1]));
}

TEST_F(tw, tw_reuse_loopback)
{
	int proto = variant->proto;

	/* over the veth: not loopback, no reuse */
	tw_on_one_port(_metadata, self, proto, 2);
	sleep_ms(1100);
	EXPECT_EQ(EADDRNOTAVAIL, connect_error(proto));
	close(self->lfd);

	/* over 127.0.0.1 inside A: reused */
	self->lfd = listen_on(_metadata, NS_A, proto, "127.0.0.1");
	ASSERT_EQ(ONE_PORT, tw_conn(proto, self->lfd, NS_A, "127.0.0.1", 0));
	/* the one over the veth is still there too */
	ASSERT_TRUE(WAIT_UNTIL(proc_count(NS_A, proto, TCP_TIME_WAIT, ONE_PORT, PORT) == 2,
			       SOON_MS));
	sleep_ms(1100);
	ASSERT_EQ(ONE_PORT, tw_conn(proto, self->lfd, NS_A, "127.0.0.1", 0))
		TH_LOG("second loopback connection: %s", strerror(errno));
}

TEST_F(tw, bound_port_reuses_tw)
{
	int proto = variant->proto;

	ASSERT_EQ(0, proto_sysctl_set(NS_A, proto, "tw_reuse", "tcp_tw_reuse", 0));
	self->lfd = listen_on(_metadata, NS_B, proto, ADDR_B);
	ASSERT_EQ(41000, tw_conn(proto, self->lfd, NS_A, ADDR_B, 41000));
	ASSERT_TRUE(WAIT_UNTIL(tw_count(NS_A, proto, 41000) == 1, SOON_MS));
	ASSERT_EQ(41000, tw_conn(proto, self->lfd, NS_A, ADDR_B, 41000))
		TH_LOG("bound port over its TIME_WAIT: %s", strerror(errno));

	/* without timestamps PAWS cannot tell the incarnations apart: refused */
	ASSERT_EQ(0, proto_sysctl_set(NS_A, proto, "timestamps", "tcp_timestamps", 0));
	ASSERT_EQ(41002, tw_conn(proto, self->lfd, NS_A, ADDR_B, 41002));
	ASSERT_TRUE(WAIT_UNTIL(tw_count(NS_A, proto, 41002) == 1, SOON_MS));
	EXPECT_EQ(-1, tw_conn(proto, self->lfd, NS_A, ADDR_B, 41002));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	EXPECT_EQ(1, tw_count(NS_A, proto, 41002));
}

TEST_F(tw, too_young)
{
	int proto = variant->proto;

	ATCP_ONLY(proto, "TCP's one-second limit counts whole seconds");
	tw_on_one_port(_metadata, self, proto, 1);
	EXPECT_EQ(EADDRNOTAVAIL, connect_error(proto));
}

TEST_HARNESS_MAIN
