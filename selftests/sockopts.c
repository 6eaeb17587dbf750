// SPDX-License-Identifier: GPL-2.0
/*
 * The socket API programs written for TCP expect: readiness (poll, epoll
 * level and edge triggered), MSG_PEEK / MSG_WAITALL / MSG_DONTWAIT,
 * SIOCINQ / SIOCOUTQ, sendfile, splice, SO_RCVLOWAT, and the TCP-level
 * socket options.  On atcp every option test runs at both SOL_ATCP and
 * IPPROTO_TCP; out-of-range values must give TCP's errno.
 */
#include "atcp_lib.h"

#include <stddef.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <linux/sockios.h>

#define PORT	5300

FIXTURE(api) {
	struct conn c;
};

PROTO_VARIANTS(api);

FIXTURE_SETUP(api)
{
	conn_init(&self->c);
	NET_SETUP(variant->proto);
}

FIXTURE_TEARDOWN(api)
{
	conn_close(&self->c);
	net_teardown();
}

/* setsockopt's errno (0 on success) */
static int set_err(int fd, int level, int opt, int val)
{
	return set_int(fd, level, opt, val) ? errno : 0;
}

/* The option levels to test: TCP's only, or atcp's own and TCP's. */
static int levels(int proto, int lv[2])
{
	lv[0] = IPPROTO_TCP;
	if (proto != IPPROTO_ATCP)
		return 1;
	lv[1] = SOL_ATCP;
	return 2;
}

/* ------------------------------------------------------------ readiness */

TEST_F(api, epoll_level_and_edge)
{
	struct epoll_event ev, out[4];
	int lt, et;
	char buf[64];

	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT));
	lt = epoll_create1(EPOLL_CLOEXEC);
	et = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, lt);
	ASSERT_LE(0, et);
	ev = (struct epoll_event){ .events = EPOLLIN | EPOLLRDHUP, .data.fd = self->c.srv };
	ASSERT_EQ(0, epoll_ctl(lt, EPOLL_CTL_ADD, self->c.srv, &ev));
	ev.events |= EPOLLET;
	ASSERT_EQ(0, epoll_ctl(et, EPOLL_CTL_ADD, self->c.srv, &ev));

	EXPECT_EQ(0, epoll_wait(lt, out, 4, 50));
	EXPECT_EQ(0, epoll_wait(et, out, 4, 0));
	ASSERT_EQ(0, send_all(self->c.cli, "0123456789", 10));
	ASSERT_EQ(1, epoll_wait(lt, out, 4, SOON_MS));
	EXPECT_EQ(EPOLLIN, out[0].events);
	ASSERT_EQ(1, epoll_wait(et, out, 4, SOON_MS));
	EXPECT_EQ(EPOLLIN, out[0].events);
	/* nothing read: level triggered reports again, edge triggered not */
	EXPECT_EQ(1, epoll_wait(lt, out, 4, 0));
	EXPECT_EQ(0, epoll_wait(et, out, 4, 50));
	/* new data is a new edge */
	ASSERT_EQ(0, send_all(self->c.cli, "abc", 3));
	ASSERT_EQ(1, epoll_wait(et, out, 4, SOON_MS));
	ASSERT_EQ(13, recv(self->c.srv, buf, sizeof(buf), 0));
	EXPECT_EQ(0, epoll_wait(lt, out, 4, 50));
	/* peer's FIN: EPOLLIN | EPOLLRDHUP */
	ASSERT_EQ(0, shutdown(self->c.cli, SHUT_WR));
	ASSERT_EQ(1, epoll_wait(et, out, 4, SOON_MS));
	EXPECT_EQ(EPOLLIN | EPOLLRDHUP, out[0].events);
	EXPECT_EQ(1, epoll_wait(lt, out, 4, 0));

	/* EPOLLOUT on the sender, edge triggered: once, until it fills */
	ev = (struct epoll_event){ .events = EPOLLOUT | EPOLLET, .data.fd = self->c.srv };
	ASSERT_EQ(0, epoll_ctl(et, EPOLL_CTL_MOD, self->c.srv, &ev));
	ASSERT_EQ(1, epoll_wait(et, out, 4, SOON_MS));
	EXPECT_TRUE(out[0].events & EPOLLOUT);
	EXPECT_EQ(0, epoll_wait(et, out, 4, 50));
	close(lt);
	close(et);
}

TEST_F(api, rcvlowat)
{
	char buf[200];

	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT));
	ASSERT_EQ(0, set_int(self->c.srv, SOL_SOCKET, SO_RCVLOWAT, 100));
	ASSERT_EQ(0, send_all(self->c.cli, buf, 50));
	sleep_ms(50);
	EXPECT_EQ(0, poll_fd(self->c.srv, POLLIN, 100)) TH_LOG("POLLIN below SO_RCVLOWAT");
	ASSERT_EQ(0, send_all(self->c.cli, buf, 60));
	EXPECT_EQ(POLLIN, poll_fd(self->c.srv, POLLIN, SOON_MS) & POLLIN);
	ASSERT_EQ(0, recv_all(self->c.srv, buf, 110));
}

/* ------------------------------------------------------------ recv flags */

TEST_F(api, msg_peek)
{
	char buf[16];
	int inq = -1;

	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT));
	ASSERT_EQ(0, send_all(self->c.cli, "abcdef", 6));
	ASSERT_TRUE(WAIT_UNTIL(!ioctl(self->c.srv, SIOCINQ, &inq) && inq == 6, SOON_MS));
	ASSERT_EQ(3, recv(self->c.srv, buf, 3, MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	ASSERT_EQ(6, recv(self->c.srv, buf, sizeof(buf), MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "abcdef", 6));
	ASSERT_EQ(0, ioctl(self->c.srv, SIOCINQ, &inq));
	EXPECT_EQ(6, inq);
	ASSERT_EQ(2, recv(self->c.srv, buf, 2, 0));
	EXPECT_EQ(0, memcmp(buf, "ab", 2));
	ASSERT_EQ(4, recv(self->c.srv, buf, sizeof(buf), MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "cdef", 4));
	ASSERT_EQ(4, recv(self->c.srv, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "cdef", 4));
	EXPECT_EQ(-1, recv(self->c.srv, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(api, msg_waitall)
{
	char buf[3000];
	pid_t pid;
	int i, st;

	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		for (i = 0; i < 3; i++) {
			pattern_fill((uint8_t *)buf, 1000, 5, 1000 * i);
			sleep_ms(50);
			if (send_all(self->c.cli, buf, 1000))
				_exit(1);
		}
		_exit(0);
	}
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(3000, recv(self->c.srv, buf, 3000, MSG_WAITALL));
	EXPECT_EQ(-1, pattern_check((uint8_t *)buf, 3000, 5, 0));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, st);
	/* WAITALL returns short at EOF */
	ASSERT_EQ(0, send_all(self->c.cli, "xy", 2));
	ASSERT_EQ(0, shutdown(self->c.cli, SHUT_WR));
	EXPECT_EQ(2, recv(self->c.srv, buf, 100, MSG_WAITALL));
}

TEST_F(api, msg_dontwait)
{
	static char buf[65536];
	size_t sent = 0;
	ssize_t n;

	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT));
	EXPECT_EQ(-1, recv(self->c.srv, buf, 10, MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	/* the socket stays blocking: a later recv waits for data */
	EXPECT_EQ(0, set_nonblock(self->c.srv, false));
	while ((n = send(self->c.cli, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL)) > 0) {
		sent += n;
		ASSERT_GT(256u << 20, sent);
	}
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LT(0, sent);
	EXPECT_EQ(0, poll_fd(self->c.cli, POLLOUT, 0) & POLLOUT);
}

/* ------------------------------------------------------------ ioctls */

TEST_F(api, siocinq_siocoutq)
{
	char buf[1000] = { 0 };
	int inq = -1, outq = -1;

	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT));
	ASSERT_EQ(0, ioctl(self->c.srv, SIOCINQ, &inq));
	EXPECT_EQ(0, inq);
	ASSERT_EQ(0, ioctl(self->c.cli, SIOCOUTQ, &outq));
	EXPECT_EQ(0, outq);
	ASSERT_EQ(0, send_all(self->c.cli, buf, 1000));
	EXPECT_TRUE(WAIT_UNTIL(!ioctl(self->c.srv, SIOCINQ, &inq) && inq == 1000, SOON_MS))
		TH_LOG("SIOCINQ %d", inq);
	EXPECT_TRUE(WAIT_UNTIL(!ioctl(self->c.cli, SIOCOUTQ, &outq) && outq == 0, SOON_MS))
		TH_LOG("SIOCOUTQ %d once acked", outq);
	ASSERT_EQ(0, recv_all(self->c.srv, buf, 400));
	ASSERT_EQ(0, ioctl(self->c.srv, SIOCINQ, &inq));
	EXPECT_EQ(600, inq);
	/* unacknowledged data counts in SIOCOUTQ */
	ASSERT_EQ(0, netem(NS_B, "loss 100%"));
	ASSERT_EQ(0, send_all(self->c.cli, buf, 700));
	ASSERT_EQ(0, ioctl(self->c.cli, SIOCOUTQ, &outq));
	EXPECT_EQ(700, outq);
	ASSERT_EQ(0, netem(NS_B, NULL));
	EXPECT_TRUE(WAIT_UNTIL(!ioctl(self->c.cli, SIOCOUTQ, &outq) && outq == 0, 5000))
		TH_LOG("SIOCOUTQ %d after the peer came back", outq);
	/* on a listener: TCP says EINVAL */
	EXPECT_EQ(-1, ioctl(self->c.lfd, SIOCINQ, &inq));
	EXPECT_EQ(EINVAL, errno);
}

/* recvmsg() with TCP_INQ: the unread byte count in a TCP_CM_INQ cmsg */
static int recv_inq(int fd, void *buf, size_t len, int *inq)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int n = recvmsg(fd, &m, 0);

	*inq = -1;
	for (c = CMSG_FIRSTHDR(&m); n >= 0 && c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_TCP && c->cmsg_type == TCP_CM_INQ)
			memcpy(inq, CMSG_DATA(c), sizeof(*inq));
	return n;
}

/* TCP_INQ: 0/1 only; each recvmsg() tells what is left, 1 at the EOF */
TEST_F(api, inq_cmsg)
{
	char buf[1000] = { 0 };
	int inq;

	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT));
	EXPECT_EQ(0, get_int(self->c.srv, SOL_TCP, TCP_INQ));
	EXPECT_EQ(EINVAL, set_err(self->c.srv, SOL_TCP, TCP_INQ, 2));
	EXPECT_EQ(EINVAL, set_err(self->c.srv, SOL_TCP, TCP_INQ, -1));
	ASSERT_EQ(0, set_err(self->c.srv, SOL_TCP, TCP_INQ, 1));
	EXPECT_EQ(1, get_int(self->c.srv, SOL_TCP, TCP_INQ));
	ASSERT_EQ(0, send_all(self->c.cli, buf, 1000));
	ASSERT_TRUE(WAIT_UNTIL(!ioctl(self->c.srv, SIOCINQ, &inq) && inq == 1000, SOON_MS));
	EXPECT_EQ(300, recv_inq(self->c.srv, buf, 300, &inq));
	EXPECT_EQ(700, inq);
	EXPECT_EQ(700, recv_inq(self->c.srv, buf, 1000, &inq));
	EXPECT_EQ(0, inq);
	ASSERT_EQ(0, shutdown(self->c.cli, SHUT_WR));
	ASSERT_EQ(0, recv_inq(self->c.srv, buf, 1000, &inq));
	/* nothing left but the end of the stream: still non-zero */
	EXPECT_EQ(1, inq);
	/* off again: no cmsg */
	ASSERT_EQ(0, set_err(self->c.srv, SOL_TCP, TCP_INQ, 0));
	ASSERT_EQ(0, recv_inq(self->c.srv, buf, 1000, &inq));
	EXPECT_EQ(-1, inq);
}

/* TCP_CC_INFO: NewReno/CUBIC have nothing to report (length 0); read only */
TEST_F(api, cc_info)
{
	char info[64];
	socklen_t len = sizeof(info);

	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT));
	ASSERT_EQ(0, getsockopt(self->c.cli, SOL_TCP, TCP_CC_INFO, info, &len));
	EXPECT_EQ(0, len);
	EXPECT_EQ(ENOPROTOOPT, set_err(self->c.cli, SOL_TCP, TCP_CC_INFO, 1));
}

/* read what @srv has, then: is @cli writable? */
static bool drain_then_writable(int srv, int cli)
{
	static char buf[1 << 16];

	while (recv(srv, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	return poll_fd(cli, POLLOUT, 10) & POLLOUT;
}

/*
 * TCP_NOTSENT_LOWAT: with the peer not reading and its window shut,
 * unsent data piles up; poll() reports POLLOUT only while less than half
 * the low-water mark is unsent, and a non-blocking send() stops at it.
 */
TEST_F(api, notsent_lowat)
{
	static char buf[1 << 16];
	int proto = variant->proto, lowat = 16384, outnsd = -1;
	size_t sent = 0;
	ssize_t n;

	ASSERT_EQ(0, conn_open_rcvbuf(&self->c, proto, PORT, 4096));
	EXPECT_EQ(0, get_int(self->c.cli, SOL_TCP, TCP_NOTSENT_LOWAT));
	ASSERT_EQ(0, set_err(self->c.cli, SOL_TCP, TCP_NOTSENT_LOWAT, lowat));
	EXPECT_EQ(lowat, get_int(self->c.cli, SOL_TCP, TCP_NOTSENT_LOWAT));
	EXPECT_EQ(POLLOUT, poll_fd(self->c.cli, POLLOUT, 0) & POLLOUT);
	set_nonblock(self->c.cli, true);
	/* fill the peer's small window; the rest stays unsent */
	while ((n = send(self->c.cli, buf, 1000, MSG_NOSIGNAL)) > 0)
		sent += n;
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, ioctl(self->c.cli, SIOCOUTQNSD, &outnsd));
	TH_LOG("%zu bytes taken, %d unsent", sent, outnsd);
	/* it stopped at the mark, far below the send buffer */
	EXPECT_LE(lowat, outnsd);
	EXPECT_GT(lowat + 2000, outnsd);
	EXPECT_EQ(0, poll_fd(self->c.cli, POLLOUT, 100) & POLLOUT);
	/* the reader drains: the window opens, data leaves, POLLOUT is back */
	set_nonblock(self->c.srv, true);
	EXPECT_TRUE(WAIT_UNTIL(drain_then_writable(self->c.srv, self->c.cli), 10000));
	ASSERT_EQ(0, ioctl(self->c.cli, SIOCOUTQNSD, &outnsd));
	EXPECT_GT(lowat / 2, outnsd);
}

/* ------------------------------------------------------------ zero copy paths */

TEST_F_TIMEOUT(api, sendfile, 60)
{
	const size_t len = 1 << 20;
	static uint8_t buf[1 << 20], rbuf[1 << 20];
	off_t off = 0;
	size_t got = 0;
	pid_t pid;
	int mfd, st;

	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT));
	mfd = memfd_create("atcp-sendfile", MFD_CLOEXEC);
	ASSERT_LE(0, mfd);
	pattern_fill(buf, len, 11, 0);
	ASSERT_EQ((ssize_t)len, write(mfd, buf, len));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		while ((size_t)off < len) {
			ssize_t n = sendfile(self->c.cli, mfd, &off, len - off);

			if (n <= 0)
				_exit(1);
		}
		_exit(0);
	}
	while (got < len) {
		ssize_t n = recv(self->c.srv, rbuf + got, len - got, 0);

		ASSERT_LT(0, n) TH_LOG("recv after %zu: %s", got, strerror(errno));
		got += n;
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, st) TH_LOG("sendfile failed");
	EXPECT_EQ(-1, pattern_check(rbuf, len, 11, 0));
	close(mfd);
}

TEST_F(api, splice)
{
	char buf[100];
	int p[2];

	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT));
	ASSERT_EQ(0, pipe(p));
	pattern_fill((uint8_t *)buf, 100, 12, 0);
	/* socket -> pipe */
	ASSERT_EQ(0, send_all(self->c.cli, buf, 100));
	ASSERT_TRUE(WAIT_UNTIL(poll_fd(self->c.srv, POLLIN, 0) & POLLIN, SOON_MS));
	EXPECT_EQ(100, splice(self->c.srv, NULL, p[1], NULL, 100, 0))
		TH_LOG("splice from socket: %s", strerror(errno));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(100, read(p[0], buf, 100));
	EXPECT_EQ(-1, pattern_check((uint8_t *)buf, 100, 12, 0));
	/* pipe -> socket */
	ASSERT_EQ(100, write(p[1], buf, 100));
	EXPECT_EQ(100, splice(p[0], NULL, self->c.srv, NULL, 100, 0))
		TH_LOG("splice to socket: %s", strerror(errno));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, recv_all(self->c.cli, buf, 100));
	EXPECT_EQ(-1, pattern_check((uint8_t *)buf, 100, 12, 0));
	close(p[0]);
	close(p[1]);
}

/* ------------------------------------------------------------ options */

TEST_F(api, maxseg)
{
	int proto = variant->proto, lv[2], nl = levels(proto, lv), l;
	struct conn_xinfo x;

	for (l = 0; l < nl; l++) {
		int fd = ns_socket(NS_A, proto), lfd, srv, mss;

		ASSERT_LE(0, fd);
		/* TCP: 0 (no clamp) or 88..65535; else EINVAL */
		EXPECT_EQ(EINVAL, set_err(fd, lv[l], TCP_MAXSEG, 10));
		EXPECT_EQ(EINVAL, set_err(fd, lv[l], TCP_MAXSEG, 70000));
		EXPECT_EQ(0, set_err(fd, lv[l], TCP_MAXSEG, 0));
		ASSERT_EQ(0, set_err(fd, lv[l], TCP_MAXSEG, 536));
		lfd = ns_listen(NS_B, proto, PORT + l, 4);
		ASSERT_LE(0, lfd);
		ASSERT_EQ(0, connect_ns(fd, NS_B, PORT + l));
		srv = accept(lfd, NULL, NULL);
		ASSERT_LE(0, srv);
		mss = get_int(fd, lv[l], TCP_MAXSEG);
		EXPECT_TRUE(mss > 0 && mss <= 536) TH_LOG("level %d: MAXSEG %d", lv[l], mss);
		ASSERT_EQ(0, sock_xinfo(fd, &x));
		EXPECT_GE(536, x.snd_mss);
		/* the peer sends segments no larger than our clamp */
		ASSERT_EQ(0, sock_xinfo(srv, &x));
		EXPECT_GE(536, x.snd_mss) TH_LOG("peer's snd_mss %u", x.snd_mss);
		ASSERT_EQ(0, transfer_one_way(srv, fd, 100000, 1, 10000));
		close(srv);
		close(lfd);
		close(fd);
	}
}

TEST_F(api, congestion)
{
	int proto = variant->proto, lv[2], nl = levels(proto, lv), l;
	char name[32];
	socklen_t len;

	ASSERT_EQ(0, conn_open(&self->c, proto, PORT));
	for (l = 0; l < nl; l++) {
		len = sizeof(name);
		memset(name, 0, sizeof(name));
		ASSERT_EQ(0, getsockopt(self->c.cli, lv[l], TCP_CONGESTION, name, &len));
		EXPECT_STREQ("cubic", name);
		ASSERT_EQ(0, setsockopt(self->c.cli, lv[l], TCP_CONGESTION, "reno", 4));
		len = sizeof(name);
		ASSERT_EQ(0, getsockopt(self->c.cli, lv[l], TCP_CONGESTION, name, &len));
		EXPECT_STREQ("reno", name);
		EXPECT_EQ(-1, setsockopt(self->c.cli, lv[l], TCP_CONGESTION, "nosuchcc", 8));
		EXPECT_EQ(ENOENT, errno);
		len = sizeof(name);
		ASSERT_EQ(0, getsockopt(self->c.cli, lv[l], TCP_CONGESTION, name, &len));
		EXPECT_STREQ("reno", name);
		ASSERT_EQ(0, setsockopt(self->c.cli, lv[l], TCP_CONGESTION, "cubic", 5));
		len = sizeof(name);
		ASSERT_EQ(0, getsockopt(self->c.cli, lv[l], TCP_CONGESTION, name, &len));
		EXPECT_STREQ("cubic", name);
	}
	/* data still flows after switching */
	ASSERT_EQ(0, setsockopt(self->c.cli, IPPROTO_TCP, TCP_CONGESTION, "reno", 4));
	ASSERT_EQ(0, transfer_one_way(self->c.cli, self->c.srv, 1 << 20, 2, 20000));
	/* atcp: the per-netns default follows net.atcp.congestion_control */
	if (proto == IPPROTO_ATCP) {
		int fd;

		ASSERT_EQ(0, ns_sysctl_set(NS_A, "net/atcp/congestion_control", "reno"));
		fd = ns_socket(NS_A, proto);
		len = sizeof(name);
		ASSERT_EQ(0, getsockopt(fd, SOL_ATCP, ATCP_CONGESTION, name, &len));
		EXPECT_STREQ("reno", name);
		close(fd);
		EXPECT_NE(0, ns_sysctl_set(NS_A, "net/atcp/congestion_control", "nosuchcc"));
	}
}

/* Integer options: set/get round trip and TCP's range errors, every level. */
TEST_F(api, int_options)
{
	int proto = variant->proto, lv[2], nl = levels(proto, lv), l;
	int fd = -1, v;
	socklen_t len;

	ASSERT_EQ(0, conn_open(&self->c, proto, PORT));
	fd = self->c.cli;
	for (l = 0; l < nl; l++) {
		int lvl = lv[l];

		TH_LOG("level %d", lvl);
		EXPECT_EQ(0, set_err(fd, lvl, TCP_NODELAY, 1));
		EXPECT_EQ(1, get_int(fd, lvl, TCP_NODELAY));
		EXPECT_EQ(0, set_err(fd, lvl, TCP_NODELAY, 0));
		EXPECT_EQ(0, get_int(fd, lvl, TCP_NODELAY));
		EXPECT_EQ(0, set_err(fd, lvl, TCP_CORK, 1));
		EXPECT_EQ(1, get_int(fd, lvl, TCP_CORK));
		EXPECT_EQ(0, set_err(fd, lvl, TCP_CORK, 0));
		EXPECT_EQ(0, get_int(fd, lvl, TCP_CORK));

		EXPECT_EQ(0, set_err(fd, lvl, TCP_KEEPIDLE, 7));
		EXPECT_EQ(7, get_int(fd, lvl, TCP_KEEPIDLE));
		EXPECT_EQ(0, set_err(fd, lvl, TCP_KEEPINTVL, 3));
		EXPECT_EQ(3, get_int(fd, lvl, TCP_KEEPINTVL));
		EXPECT_EQ(0, set_err(fd, lvl, TCP_KEEPCNT, 4));
		EXPECT_EQ(4, get_int(fd, lvl, TCP_KEEPCNT));
		EXPECT_EQ(0, set_err(fd, lvl, TCP_USER_TIMEOUT, 12345));
		EXPECT_EQ(12345, get_int(fd, lvl, TCP_USER_TIMEOUT));
		EXPECT_EQ(0, set_err(fd, lvl, TCP_USER_TIMEOUT, 0));

		/* TCP's limits: 1..32767 s, 1..32767 s, 1..127, >= 0 */
		EXPECT_EQ(EINVAL, set_err(fd, lvl, TCP_KEEPIDLE, 0));
		EXPECT_EQ(EINVAL, set_err(fd, lvl, TCP_KEEPIDLE, 32768));
		EXPECT_EQ(0, set_err(fd, lvl, TCP_KEEPIDLE, 32767));
		EXPECT_EQ(EINVAL, set_err(fd, lvl, TCP_KEEPINTVL, 0));
		EXPECT_EQ(EINVAL, set_err(fd, lvl, TCP_KEEPINTVL, 32768));
		EXPECT_EQ(EINVAL, set_err(fd, lvl, TCP_KEEPCNT, 0));
		EXPECT_EQ(EINVAL, set_err(fd, lvl, TCP_KEEPCNT, 128));
		EXPECT_EQ(0, set_err(fd, lvl, TCP_KEEPCNT, 127));
		/* TCP_SYNCNT: 1..127 SYN retransmissions */
		EXPECT_EQ(0, set_err(fd, lvl, TCP_SYNCNT, 3));
		EXPECT_EQ(3, get_int(fd, lvl, TCP_SYNCNT));
		EXPECT_EQ(EINVAL, set_err(fd, lvl, TCP_SYNCNT, 0));
		EXPECT_EQ(EINVAL, set_err(fd, lvl, TCP_SYNCNT, 128));
		EXPECT_EQ(3, get_int(fd, lvl, TCP_SYNCNT));
		EXPECT_EQ(EINVAL, set_err(fd, lvl, TCP_USER_TIMEOUT, -1));
		/* a failed set leaves the old value */
		EXPECT_EQ(32767, get_int(fd, lvl, TCP_KEEPIDLE));
		EXPECT_EQ(127, get_int(fd, lvl, TCP_KEEPCNT));

		/* short option buffers */
		v = 1;
		EXPECT_EQ(-1, setsockopt(fd, lvl, TCP_NODELAY, &v, 2));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, setsockopt(fd, lvl, TCP_KEEPIDLE, &v, 0));
		EXPECT_EQ(EINVAL, errno);
		len = 0;
		/* unknown option; read-only TCP_INFO */
		EXPECT_EQ(ENOPROTOOPT, set_err(fd, lvl, 9999, 1));
		len = sizeof(v);
		EXPECT_EQ(-1, getsockopt(fd, lvl, 9999, &v, &len));
		EXPECT_EQ(ENOPROTOOPT, errno);
		EXPECT_EQ(ENOPROTOOPT, set_err(fd, lvl, TCP_INFO, 1));
	}
	/* SO_KEEPALIVE, SO_RCVBUF/SO_SNDBUF behave as on any socket */
	EXPECT_EQ(0, set_err(fd, SOL_SOCKET, SO_KEEPALIVE, 1));
	EXPECT_EQ(1, get_int(fd, SOL_SOCKET, SO_KEEPALIVE));
	EXPECT_EQ(0, set_err(fd, SOL_SOCKET, SO_RCVBUF, 100000));
	EXPECT_EQ(200000, get_int(fd, SOL_SOCKET, SO_RCVBUF));
	EXPECT_EQ(0, exchange(self->c.cli, self->c.srv));
}

/* TCP_INFO at IPPROTO_TCP: a filled struct tcp_info, also on atcp */
TEST_F(api, tcp_info)
{
	int proto = variant->proto;
	struct ktcp_info ti;
	socklen_t len;
	int fd;

	/* before connecting */
	fd = ns_socket(NS_A, proto);
	ASSERT_LE(0, fd);
	len = sizeof(ti);
	ASSERT_EQ(0, getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len));
	EXPECT_EQ(TCP_CLOSE, ti.tcpi_state);
	close(fd);

	ASSERT_EQ(0, conn_open(&self->c, proto, PORT));
	ASSERT_EQ(0, transfer_one_way(self->c.cli, self->c.srv, 100000, 4, 10000));
	sleep_ms(50);
	memset(&ti, 0, sizeof(ti));
	len = sizeof(ti);
	ASSERT_EQ(0, getsockopt(self->c.cli, IPPROTO_TCP, TCP_INFO, &ti, &len));
	EXPECT_LE(offsetof(struct ktcp_info, tcpi_total_retrans) + 4, len);
	EXPECT_EQ(TCP_ESTABLISHED, ti.tcpi_state);
	EXPECT_EQ(0, ti.tcpi_ca_state);
	EXPECT_EQ(TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE,
		  ti.tcpi_options & (TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE));
	EXPECT_NE(0, ti.tcpi_wscale & 0xf);
	EXPECT_NE(0, ti.tcpi_wscale >> 4);
	EXPECT_LT(500, ti.tcpi_snd_mss);
	EXPECT_LT(500, ti.tcpi_rcv_mss);
	EXPECT_LT(0, ti.tcpi_rto);
	EXPECT_LT(0, ti.tcpi_rtt);
	EXPECT_LE(2, ti.tcpi_snd_cwnd);
	EXPECT_EQ(0, ti.tcpi_unacked);
	EXPECT_LT(0, ti.tcpi_advmss);
	if (len >= offsetof(struct ktcp_info, tcpi_segs_in) + 4) {
		EXPECT_LE(100000, ti.tcpi_bytes_acked);
		EXPECT_LT(60, ti.tcpi_segs_out);
		EXPECT_LT(0, ti.tcpi_segs_in);
	}
	/* on atcp, TCP_INFO and ATCP_INFO tell the same story */
	if (proto == IPPROTO_ATCP) {
		struct atcp_info ai;
		socklen_t alen = sizeof(ai);

		ASSERT_EQ(0, getsockopt(self->c.cli, SOL_ATCP, ATCP_INFO, &ai, &alen));
		EXPECT_EQ(ai.state, ti.tcpi_state);
		EXPECT_EQ(ai.snd_mss, ti.tcpi_snd_mss);
		EXPECT_EQ(ai.rcv_mss, ti.tcpi_rcv_mss);
		EXPECT_EQ(ai.snd_cwnd, ti.tcpi_snd_cwnd);
		EXPECT_EQ(ai.snd_ssthresh, ti.tcpi_snd_ssthresh);
		EXPECT_EQ(ai.total_retrans, ti.tcpi_total_retrans);
		EXPECT_EQ(ai.snd_wscale, ti.tcpi_wscale & 0xf);
		EXPECT_EQ(ai.rcv_wscale, ti.tcpi_wscale >> 4);
		EXPECT_EQ(ai.srtt_us, ti.tcpi_rtt);
		EXPECT_EQ(ai.bytes_acked, ti.tcpi_bytes_acked);
		EXPECT_EQ(ai.snd_wnd, ti.tcpi_snd_wnd);
	}
	/* the receiver's view */
	len = sizeof(ti);
	ASSERT_EQ(0, getsockopt(self->c.srv, IPPROTO_TCP, TCP_INFO, &ti, &len));
	EXPECT_EQ(TCP_ESTABLISHED, ti.tcpi_state);
	if (len >= offsetof(struct ktcp_info, tcpi_segs_in) + 4)
		EXPECT_EQ(100000, ti.tcpi_bytes_received);
	/* a short buffer gets the head of the struct */
	len = 8;
	ASSERT_EQ(0, getsockopt(self->c.cli, IPPROTO_TCP, TCP_INFO, &ti, &len));
	EXPECT_EQ(8, len);
	/* state after close by the peer */
	ASSERT_EQ(0, shutdown(self->c.srv, SHUT_WR));
	EXPECT_TRUE(WAIT_UNTIL(!getsockopt(self->c.cli, IPPROTO_TCP, TCP_INFO, &ti, &len) &&
			       ti.tcpi_state == TCP_CLOSE_WAIT, SOON_MS));
	/* listener */
	len = sizeof(ti);
	ASSERT_EQ(0, getsockopt(self->c.lfd, IPPROTO_TCP, TCP_INFO, &ti, &len));
	EXPECT_EQ(TCP_LISTEN, ti.tcpi_state);
}

TEST_HARNESS_MAIN
