// SPDX-License-Identifier: GPL-2.0
/*
 * poll() events of a connected socket: POLLOUT when writable, POLLIN on
 * data, POLLIN|POLLRDHUP on the peer's FIN, POLLHUP once both directions
 * are shut, POLLERR after a RST; POLLOUT cleared while the send buffer is
 * full.
 */
#include "atcp_lib.h"

#define PORT	5004
#define ALL_EVENTS	(POLLIN | POLLPRI | POLLOUT | POLLRDHUP)

FIXTURE(pl) {
	struct conn c;
};

PROTO_VARIANTS(pl);

FIXTURE_SETUP(pl)
{
	conn_init(&self->c);
	NET_SETUP(variant->proto);
	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT))
		TH_LOG("connect: %s", strerror(errno));
}

FIXTURE_TEARDOWN(pl)
{
	conn_close(&self->c);
	net_teardown();
}

/* revents of @fd for all events, waiting until @want shows up */
#define EVENTS_AFTER(fd, want)						\
	({ WAIT_UNTIL(poll_fd(fd, ALL_EVENTS, 0) & (want), SOON_MS);	\
	   poll_fd(fd, ALL_EVENTS, 0); })

#define ASSERT_EVENTS(expected, seen)					\
	ASSERT_EQ(expected, seen) TH_LOG("revents %#x, expected %#x", seen, expected)

/* an idle connection is writable and nothing else; data makes it readable */
TEST_F(pl, pollin_pollout)
{
	char c;
	int ev;

	ASSERT_EVENTS(POLLOUT, poll_fd(self->c.cli, ALL_EVENTS, 0));
	ASSERT_EVENTS(POLLOUT, poll_fd(self->c.srv, ALL_EVENTS, 0));
	/* nothing to read: a poll for POLLIN times out */
	ASSERT_EQ(0, poll_fd(self->c.cli, POLLIN, 50));

	ASSERT_EQ(1, send(self->c.srv, "x", 1, 0));
	ev = poll_fd(self->c.cli, POLLIN, SOON_MS);
	ASSERT_EVENTS(POLLIN, ev);
	ASSERT_EVENTS(POLLIN | POLLOUT, poll_fd(self->c.cli, ALL_EVENTS, 0));
	ASSERT_EQ(1, recv(self->c.cli, &c, 1, 0));
	ASSERT_EVENTS(POLLOUT, poll_fd(self->c.cli, ALL_EVENTS, 0));
}

/* a full send buffer clears POLLOUT; the peer reading sets it again */
TEST_F(pl, pollout_when_buffer_full)
{
	static char buf[65536];
	size_t queued = 0;
	int rounds = 0;
	ssize_t n;

	/* fill until the send buffer stays full (the peer does not read) */
	ASSERT_EQ(0, set_nonblock(self->c.cli, true));
	do {
		while ((n = send(self->c.cli, buf, sizeof(buf), MSG_NOSIGNAL)) > 0)
			queued += n;
		ASSERT_EQ(EAGAIN, errno);
		ASSERT_LT(rounds++, 100);
		sleep_ms(100);
	} while (poll_fd(self->c.cli, POLLOUT, 0) & POLLOUT);
	TH_LOG("%zu bytes queued when POLLOUT cleared", queued);

	ASSERT_EQ(0, set_nonblock(self->c.srv, true));
	while (!(poll_fd(self->c.cli, POLLOUT, 0) & POLLOUT) && queued) {
		n = recv(self->c.srv, buf, sizeof(buf), 0);
		if (n > 0)
			queued -= n;
		else
			ASSERT_EQ(POLLIN, poll_fd(self->c.srv, POLLIN, SOON_MS));
	}
	ASSERT_EVENTS(POLLOUT, poll_fd(self->c.cli, POLLOUT, 0));
}

/* the peer's FIN: POLLIN | POLLRDHUP (and still POLLOUT), no POLLHUP */
TEST_F(pl, pollrdhup_on_fin)
{
	char c;

	ASSERT_EQ(0, shutdown(self->c.srv, SHUT_WR));
	ASSERT_EVENTS(POLLIN | POLLRDHUP | POLLOUT, EVENTS_AFTER(self->c.cli, POLLRDHUP));
	ASSERT_EQ(0, recv(self->c.cli, &c, 1, 0));
	/* EOF stays readable */
	ASSERT_EVENTS(POLLIN | POLLRDHUP | POLLOUT, poll_fd(self->c.cli, ALL_EVENTS, 0));
}

/* both directions shut: POLLHUP */
TEST_F(pl, pollhup_both_shut)
{
	ASSERT_EQ(0, shutdown(self->c.srv, SHUT_WR));
	ASSERT_TRUE(EVENTS_AFTER(self->c.cli, POLLRDHUP) & POLLRDHUP);
	ASSERT_FALSE(poll_fd(self->c.cli, ALL_EVENTS, 0) & POLLHUP);
	ASSERT_EQ(0, shutdown(self->c.cli, SHUT_WR));
	ASSERT_TRUE(WAIT_UNTIL(poll_fd(self->c.cli, ALL_EVENTS, 0) & POLLHUP, SOON_MS));
	ASSERT_EVENTS(POLLIN | POLLRDHUP | POLLOUT | POLLHUP,
		      poll_fd(self->c.cli, ALL_EVENTS, 0));
	/* the other end too, once our FIN arrived */
	ASSERT_TRUE(WAIT_UNTIL(poll_fd(self->c.srv, ALL_EVENTS, 0) & POLLHUP, SOON_MS));
	ASSERT_FALSE(poll_fd(self->c.srv, ALL_EVENTS, 0) & POLLERR);
}

/* the peer's RST: POLLERR (with POLLHUP, the connection is gone) */
TEST_F(pl, pollerr_on_rst)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int ev;

	ASSERT_EQ(0, setsockopt(self->c.srv, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close_fd(&self->c.srv);
	ev = EVENTS_AFTER(self->c.cli, POLLERR);
	ASSERT_TRUE(ev & POLLERR) TH_LOG("revents %#x", ev);
	ASSERT_TRUE(ev & POLLHUP) TH_LOG("revents %#x", ev);
	ASSERT_EQ(ECONNRESET, sock_error(self->c.cli));
	/* the error is consumed: POLLERR goes away, POLLHUP stays */
	ev = poll_fd(self->c.cli, ALL_EVENTS, 0);
	ASSERT_FALSE(ev & POLLERR) TH_LOG("revents %#x", ev);
	ASSERT_TRUE(ev & POLLHUP) TH_LOG("revents %#x", ev);
}

TEST_HARNESS_MAIN
