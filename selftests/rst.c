// SPDX-License-Identifier: GPL-2.0
/*
 * Aborts: close() with SO_LINGER {1, 0} and close() with unread data send a
 * RST; the peer sees ECONNRESET (recv, send, or a blocked recv woken up)
 * and neither side keeps an entry (no TIME_WAIT).
 */
#include "atcp_lib.h"

#include <pthread.h>

#define PORT	5003

FIXTURE(rst) {
	struct conn c;
};

PROTO_VARIANTS(rst);

FIXTURE_SETUP(rst)
{
	conn_init(&self->c);
	NET_SETUP(variant->proto);
	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT))
		TH_LOG("connect: %s", strerror(errno));
}

FIXTURE_TEARDOWN(rst)
{
	conn_close(&self->c);
	net_teardown();
}

static int set_linger0(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	return setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

/* the reset reached @fd: POLLERR, then the error through @op */
#define ASSERT_RESET(fd) do {						\
	ASSERT_TRUE(WAIT_UNTIL(poll_fd(fd, POLLIN, 0) & POLLERR, SOON_MS)) \
		TH_LOG(#fd " saw no reset, state %s", state_name(sock_state(fd))); \
	ASSERT_STATE(fd, TCP_CLOSE);					\
} while (0)

/* nothing left of the connection on either side */
#define ASSERT_NO_ENTRIES() do {					\
	ASSERT_TRUE(WAIT_UNTIL(conn_count(&self->c, NS_A, ANY) == 0 &&	\
			       conn_count(&self->c, NS_B, ANY) == 0, SOON_MS)) { \
		proc_dump(NS_A, variant->proto);			\
		proc_dump(NS_B, variant->proto);			\
	}								\
} while (0)

/* SO_LINGER {1, 0}: close() resets; the peer's recv() fails ECONNRESET */
TEST_F(rst, linger0_close_peer_recv)
{
	char c;

	ASSERT_EQ(0, set_linger0(self->c.cli));
	close_fd(&self->c.cli);
	ASSERT_RESET(self->c.srv);
	ASSERT_EQ(-1, recv(self->c.srv, &c, 1, 0));
	ASSERT_EQ(ECONNRESET, errno);
	/* the error is reported once; then the socket is just closed */
	ASSERT_EQ(0, recv(self->c.srv, &c, 1, 0));
	ASSERT_NO_ENTRIES();
}

/* SO_LINGER {1, 0} on the accepted side: the client's send() fails ECONNRESET */
TEST_F(rst, linger0_close_peer_send)
{
	ASSERT_EQ(0, set_linger0(self->c.srv));
	close_fd(&self->c.srv);
	ASSERT_RESET(self->c.cli);
	ASSERT_EQ(-1, send(self->c.cli, "x", 1, MSG_NOSIGNAL));
	ASSERT_EQ(ECONNRESET, errno);
	ASSERT_EQ(-1, send(self->c.cli, "x", 1, MSG_NOSIGNAL));
	ASSERT_EQ(EPIPE, errno);
	ASSERT_NO_ENTRIES();
}

/* close() with received data nobody read sends RST instead of FIN */
TEST_F(rst, close_with_unread_data)
{
	char buf[1000] = { 1 };

	ASSERT_EQ(0, send_all(self->c.cli, buf, sizeof(buf)));
	ASSERT_EQ(POLLIN, poll_fd(self->c.srv, POLLIN, SOON_MS));
	close_fd(&self->c.srv);
	ASSERT_RESET(self->c.cli);
	ASSERT_EQ(-1, recv(self->c.cli, buf, sizeof(buf), 0));
	ASSERT_EQ(ECONNRESET, errno);
	ASSERT_NO_ENTRIES();
}

struct delayed_close {
	int fd;
	int delay_ms;
};

static void *close_later(void *arg)
{
	struct delayed_close *dc = arg;

	sleep_ms(dc->delay_ms);
	close(dc->fd);
	return NULL;
}

/* a recv() blocked on the client is woken by the peer's RST */
TEST_F(rst, blocked_recv_woken)
{
	struct delayed_close dc = { .fd = self->c.srv, .delay_ms = 200 };
	pthread_t thread;
	long t0;
	char c;

	ASSERT_EQ(0, set_linger0(self->c.srv));
	self->c.srv = -1;	/* the thread closes it */
	ASSERT_EQ(0, pthread_create(&thread, NULL, close_later, &dc));
	t0 = now_ms();
	ASSERT_EQ(-1, recv(self->c.cli, &c, 1, 0));
	ASSERT_EQ(ECONNRESET, errno);
	ASSERT_LT(now_ms() - t0, IO_TIMEOUT_MS - 1000);
	pthread_join(thread, NULL);
	ASSERT_STATE(self->c.cli, TCP_CLOSE);
	ASSERT_NO_ENTRIES();
}

TEST_HARNESS_MAIN
