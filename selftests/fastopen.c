// SPDX-License-Identifier: GPL-2.0
/*
 * TCP Fast Open (RFC 7413), for Linux TCP (the oracle) and atcp
 * (net.atcp.fastopen[_key], net.ipv4.tcp_fastopen[_key] for TCP).  The
 * server in B has a Fast Open queue (TCP_FASTOPEN), the client in A the
 * default mode (client only):
 *
 *  sendto_data_in_syn  the first sendto(MSG_FASTOPEN) asks for a cookie
 *                      (TCPFastOpenCookieReqd); the second carries its data
 *                      in the SYN: the child is made from it
 *                      (TCPFastOpenPassive), the data is read after accept()
 *                      and both ends report TCPI_OPT_SYN_DATA
 *  connect_data_in_syn TCP_FASTOPEN_CONNECT with a cached cookie: connect()
 *                      returns 0 at once, the first write sends SYN + data
 *  cookie_fallback     a new server key invalidates the cached cookie: the
 *                      server falls back to the three-way handshake
 *                      (TCPFastOpenPassiveFail), the client sends the data
 *                      again after the SYN-ACK, and its next SYN, with the
 *                      new cookie, makes the child at once
 *  nonblocking         a non-blocking sendto(MSG_FASTOPEN) without a cookie:
 *                      EINPROGRESS, as Linux
 *  refused             a blocking sendto(MSG_FASTOPEN) whose SYN + data is
 *                      answered with RST (no listener any more):
 *                      ECONNREFUSED
 *  sysctl              the bitmask and the key as text: bad values -EINVAL;
 *                      TCP_FASTOPEN_CONNECT needs the client bit; getsockopt
 *                      of the options
 */
#include "atcp_lib.h"

#ifndef TCP_FASTOPEN_CONNECT
#define TCP_FASTOPEN_CONNECT	30
#endif
#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN		0x20000000
#endif
#ifndef TCPI_OPT_SYN_DATA
#define TCPI_OPT_SYN_DATA	32
#endif

#define PORT		5600
#define KEY1		"a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4"
#define KEY2		"00000001-00000002-00000003-00000004"

FIXTURE(tfo) {
	struct conn c;
	int cli2;
};

PROTO_VARIANTS(tfo);

FIXTURE_SETUP(tfo)
{
	conn_init(&self->c);
	self->cli2 = -1;
	NET_SETUP(variant->proto);
}

FIXTURE_TEARDOWN(tfo)
{
	if (self->cli2 >= 0)
		abort_fd(self->cli2);
	conn_close(&self->c);
	net_teardown();
}

static long long counter(int ns, int proto, const char *name)
{
	return proto_counter(ns, proto, name, name);
}

static int tfo_mode(int ns, int proto, long mode)
{
	return proto_sysctl_set(ns, proto, "fastopen", "tcp_fastopen", mode);
}

static int tfo_key(int ns, int proto, const char *key)
{
	return ns_sysctl_set(ns, proto == IPPROTO_ATCP ? "net/atcp/fastopen_key" :
			     "net/ipv4/tcp_fastopen_key", key);
}

static int tcpi_options(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return -1;
	return ti.tcpi_options;
}

/* B: a listener with a Fast Open queue; A: the client side */
static int tfo_listener(struct conn *c, int proto)
{
	c->proto = proto;
	c->port = PORT;
	if (tfo_mode(NS_B, proto, 0x3) || tfo_key(NS_B, proto, KEY1))
		return -1;
	c->lfd = ns_bound_socket(NS_B, proto, PORT);
	if (c->lfd < 0 || set_int(c->lfd, IPPROTO_TCP, TCP_FASTOPEN, 16) || listen(c->lfd, 16))
		return -1;
	set_io_timeout(c->lfd, IO_TIMEOUT_MS);
	return 0;
}

/* sendto(MSG_FASTOPEN) of @len bytes of @buf from a new socket in A; the socket or -1 */
static int fastopen_sendto(int proto, const char *buf, size_t len, ssize_t *sent)
{
	struct sockaddr_in sa = ns_sockaddr(NS_B, PORT);
	int fd = ns_socket(NS_A, proto);

	if (fd < 0)
		return -1;
	set_io_timeout(fd, IO_TIMEOUT_MS);
	*sent = sendto(fd, buf, len, MSG_FASTOPEN, (struct sockaddr *)&sa, sizeof(sa));
	return fd;
}

/* accept the next child and read @len bytes, which must be @buf */
static int accept_and_read(struct conn *c, const char *buf, size_t len)
{
	char got[256];

	if (c->srv >= 0)
		abort_fd(c->srv);
	c->srv = accept(c->lfd, NULL, NULL);
	if (c->srv < 0)
		return -1;
	set_io_timeout(c->srv, IO_TIMEOUT_MS);
	if (recv_all(c->srv, got, len) || memcmp(got, buf, len))
		return -1;
	return 0;
}

/* a first connection that gets the client its cookie (and proves the fallback) */
static int warm_up(struct conn *c, int proto)
{
	static const char hello[] = "hello";
	ssize_t sent;

	c->cli = fastopen_sendto(proto, hello, sizeof(hello), &sent);
	if (c->cli < 0 || sent != sizeof(hello))
		return -1;
	if (accept_and_read(c, hello, sizeof(hello)))
		return -1;
	/* no data in that SYN: the client had no cookie yet */
	if (tcpi_options(c->srv) & TCPI_OPT_SYN_DATA)
		return -1;
	abort_fd(c->cli);
	c->cli = -1;
	return 0;
}

TEST_F(tfo, sendto_data_in_syn)
{
	static const char data[] = "data carried by the SYN";
	int proto = variant->proto;
	long long reqd0, passive0, active0;
	ssize_t sent;

	ASSERT_EQ(0, tfo_listener(&self->c, proto));
	reqd0 = counter(NS_B, proto, "TCPFastOpenCookieReqd");
	passive0 = counter(NS_B, proto, "TCPFastOpenPassive");
	active0 = counter(NS_A, proto, "TCPFastOpenActive");
	ASSERT_LE(0, reqd0);
	ASSERT_EQ(0, warm_up(&self->c, proto));
	EXPECT_EQ(1, counter(NS_B, proto, "TCPFastOpenCookieReqd") - reqd0);
	EXPECT_EQ(0, counter(NS_B, proto, "TCPFastOpenPassive") - passive0);

	self->cli2 = fastopen_sendto(proto, data, sizeof(data), &sent);
	ASSERT_LE(0, self->cli2);
	ASSERT_EQ((ssize_t)sizeof(data), sent) TH_LOG("sendto: %s", strerror(errno));
	ASSERT_EQ(0, accept_and_read(&self->c, data, sizeof(data)));
	EXPECT_EQ(1, counter(NS_B, proto, "TCPFastOpenPassive") - passive0);
	EXPECT_EQ(1, counter(NS_A, proto, "TCPFastOpenActive") - active0);
	EXPECT_TRUE(tcpi_options(self->c.srv) & TCPI_OPT_SYN_DATA);
	EXPECT_TRUE(tcpi_options(self->cli2) & TCPI_OPT_SYN_DATA);
	/* and the connection goes on as any other */
	ASSERT_EQ(0, exchange(self->cli2, self->c.srv));
}

TEST_F(tfo, connect_data_in_syn)
{
	static const char data[] = "first write";
	int proto = variant->proto, fd;
	long long passive0;
	struct sockaddr_in sa;

	ASSERT_EQ(0, tfo_listener(&self->c, proto));
	ASSERT_EQ(0, warm_up(&self->c, proto));
	passive0 = counter(NS_B, proto, "TCPFastOpenPassive");

	fd = self->cli2 = ns_socket(NS_A, proto);
	ASSERT_LE(0, fd);
	set_io_timeout(fd, IO_TIMEOUT_MS);
	ASSERT_EQ(0, set_int(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 1));
	EXPECT_EQ(1, get_int(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT));
	sa = ns_sockaddr(NS_B, PORT);
	/* a cookie is cached: no SYN yet, connect() returns at once */
	ASSERT_EQ(0, connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(TCP_SYN_SENT, sock_state(fd));
	EXPECT_EQ(0, counter(NS_B, proto, "TCPFastOpenPassive") - passive0);
	ASSERT_EQ((ssize_t)sizeof(data), write(fd, data, sizeof(data)));
	ASSERT_EQ(0, accept_and_read(&self->c, data, sizeof(data)));
	EXPECT_EQ(1, counter(NS_B, proto, "TCPFastOpenPassive") - passive0);
	EXPECT_TRUE(tcpi_options(self->c.srv) & TCPI_OPT_SYN_DATA);
	ASSERT_EQ(0, exchange(fd, self->c.srv));
}

TEST_F(tfo, cookie_fallback)
{
	static const char data[] = "sent again after the SYN-ACK";
	int proto = variant->proto;
	long long fail0, passive0;
	ssize_t sent;

	ASSERT_EQ(0, tfo_listener(&self->c, proto));
	ASSERT_EQ(0, warm_up(&self->c, proto));
	/* the server's key changes: the client's cookie is no longer valid */
	ASSERT_EQ(0, tfo_key(NS_B, proto, KEY2));
	fail0 = counter(NS_B, proto, "TCPFastOpenPassiveFail");
	passive0 = counter(NS_B, proto, "TCPFastOpenPassive");

	self->cli2 = fastopen_sendto(proto, data, sizeof(data), &sent);
	ASSERT_LE(0, self->cli2);
	ASSERT_EQ((ssize_t)sizeof(data), sent);
	ASSERT_EQ(0, accept_and_read(&self->c, data, sizeof(data)));
	EXPECT_EQ(1, counter(NS_B, proto, "TCPFastOpenPassiveFail") - fail0);
	EXPECT_EQ(0, counter(NS_B, proto, "TCPFastOpenPassive") - passive0);
	EXPECT_FALSE(tcpi_options(self->c.srv) & TCPI_OPT_SYN_DATA);
	abort_fd(self->cli2);

	/* that SYN-ACK brought the new cookie */
	self->cli2 = fastopen_sendto(proto, data, sizeof(data), &sent);
	ASSERT_LE(0, self->cli2);
	ASSERT_EQ((ssize_t)sizeof(data), sent);
	ASSERT_EQ(0, accept_and_read(&self->c, data, sizeof(data)));
	EXPECT_EQ(1, counter(NS_B, proto, "TCPFastOpenPassive") - passive0);
	EXPECT_TRUE(tcpi_options(self->c.srv) & TCPI_OPT_SYN_DATA);
}

TEST_F(tfo, nonblocking)
{
	struct sockaddr_in sa = ns_sockaddr(NS_B, PORT);
	int proto = variant->proto, fd;

	ASSERT_EQ(0, tfo_listener(&self->c, proto));
	fd = self->c.cli = ns_socket(NS_A, proto);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, set_nonblock(fd, true));
	/* no cookie: the SYN asks for one, the data waits for the handshake */
	EXPECT_EQ(-1, sendto(fd, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(EINPROGRESS, errno);
	ASSERT_TRUE(WAIT_UNTIL(sock_state(fd) == TCP_ESTABLISHED, SOON_MS));
	/* a second MSG_FASTOPEN on the connected socket is an ordinary send */
	EXPECT_EQ(1, sendto(fd, "y", 1, MSG_FASTOPEN, NULL, 0));
	ASSERT_EQ(0, accept_and_read(&self->c, "y", 1));
}

TEST_F(tfo, refused)
{
	static const char data[] = "nobody listens";
	int proto = variant->proto;
	ssize_t sent;

	ASSERT_EQ(0, tfo_listener(&self->c, proto));
	ASSERT_EQ(0, warm_up(&self->c, proto));
	close(self->c.lfd);
	self->c.lfd = -1;
	/* the cached cookie puts the data in the SYN; the RST ends the call */
	self->cli2 = fastopen_sendto(proto, data, sizeof(data), &sent);
	ASSERT_LE(0, self->cli2);
	EXPECT_EQ(-1, sent);
	EXPECT_EQ(ECONNREFUSED, errno);
	EXPECT_FALSE(tcpi_options(self->cli2) & TCPI_OPT_SYN_DATA);
}

TEST_F(tfo, sysctl)
{
	const char *key_name = variant->proto == IPPROTO_ATCP ? "net/atcp/fastopen_key" :
			       "net/ipv4/tcp_fastopen_key";
	int proto = variant->proto, fd;
	char buf[128];

	/* the key reads back as written */
	ASSERT_EQ(0, tfo_key(NS_B, proto, KEY2));
	ASSERT_EQ(0, ns_sysctl_str(NS_B, key_name, buf, sizeof(buf)));
	EXPECT_STREQ(KEY2, buf);
	EXPECT_EQ(-EINVAL, tfo_key(NS_B, proto, "not-a-key"));
	EXPECT_EQ(-EINVAL, tfo_key(NS_B, proto, "1-2-3"));
	ASSERT_EQ(0, ns_sysctl_str(NS_B, key_name, buf, sizeof(buf)));
	EXPECT_STREQ(KEY2, buf);
	/* a key and a backup key */
	ASSERT_EQ(0, tfo_key(NS_B, proto, KEY1 "," KEY2));
	ASSERT_EQ(0, ns_sysctl_str(NS_B, key_name, buf, sizeof(buf)));
	EXPECT_STREQ(KEY1 "," KEY2, buf);

	/* the mode: a bitmask, any positive value; not a negative one (atcp) */
	ASSERT_EQ(0, tfo_mode(NS_A, proto, 0x70403));
	EXPECT_EQ(0x70403, ns_sysctl_get(NS_A, proto == IPPROTO_ATCP ? "net/atcp/fastopen" :
					 "net/ipv4/tcp_fastopen"));
	if (proto == IPPROTO_ATCP)
		EXPECT_EQ(-EINVAL, tfo_mode(NS_A, proto, -1));

	/* TCP_FASTOPEN_CONNECT needs the client bit */
	ASSERT_EQ(0, tfo_mode(NS_A, proto, 0));
	fd = self->c.cli = ns_socket(NS_A, proto);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, set_int(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 1));
	EXPECT_EQ(EOPNOTSUPP, errno);
	ASSERT_EQ(0, tfo_mode(NS_A, proto, 1));
	EXPECT_EQ(-1, set_int(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 2));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, set_int(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 1));
	EXPECT_EQ(1, get_int(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT));
	/* TCP_FASTOPEN: the queue length, not negative */
	EXPECT_EQ(0, get_int(fd, IPPROTO_TCP, TCP_FASTOPEN));
	EXPECT_EQ(0, set_int(fd, IPPROTO_TCP, TCP_FASTOPEN, 5));
	EXPECT_EQ(5, get_int(fd, IPPROTO_TCP, TCP_FASTOPEN));
	EXPECT_EQ(-1, set_int(fd, IPPROTO_TCP, TCP_FASTOPEN, -1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_HARNESS_MAIN
