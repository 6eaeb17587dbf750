// SPDX-License-Identifier: GPL-2.0
/*
 * SO_ZEROCOPY / MSG_ZEROCOPY: completion notifications on the error queue
 * (origin SO_EE_ORIGIN_ZEROCOPY, ee_info .. ee_data a range of write ids),
 * as Linux TCP gives them.  TCP and atcp.  atcp always copies, so its
 * notifications carry SO_EE_CODE_ZEROCOPY_COPIED (Linux TCP's do here too:
 * the peer is local and its pages get copied); on 6.1 atcp takes the flag
 * as ATCP_ZEROCOPY when SOL_SOCKET refuses it (Documentation/design.md).
 *
 *  ids_in_order        three writes, each read after its ACK: ids 0, 1, 2
 *  batch_covers_all    three writes, read after all are ACKed: ids 0..2
 *                      exactly once, in order
 *  failed_write_no_id  a write on an unconnected socket fails (EPIPE) and
 *                      uses no id: the first notification is id 0
 *  flag_needed         without SO_ZEROCOPY, MSG_ZEROCOPY is ignored (no id)
 *  accepted_inherits   an accepted socket has its listener's SO_ZEROCOPY
 */
#include "atcp_lib.h"

#include <linux/errqueue.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>

#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY	60
#endif
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY	0x4000000
#endif

#define PORT	5300
#define WLEN	4000

FIXTURE(zc) {
	struct conn c;
};

PROTO_VARIANTS(zc);

FIXTURE_SETUP(zc)
{
	conn_init(&self->c);
	NET_SETUP(variant->proto);
}

FIXTURE_TEARDOWN(zc)
{
	conn_close(&self->c);
	net_teardown();
}

/* SO_ZEROCOPY on; atcp on 6.1: the socket layer refuses it, ATCP_ZEROCOPY */
static int zc_enable(int fd, int proto)
{
	if (!set_int(fd, SOL_SOCKET, SO_ZEROCOPY, 1))
		return 0;
	if (proto != IPPROTO_ATCP || errno != EOPNOTSUPP)
		return -1;
	return set_int(fd, SOL_ATCP, ATCP_ZEROCOPY, 1);
}

struct zc_note {
	uint32_t lo, hi;
	uint8_t code;
};

/* One notification: 1, 0 if the error queue is empty, -1 on a bad one. */
static int zc_read(int fd, struct zc_note *n)
{
	char ctl[CMSG_SPACE(sizeof(struct sock_extended_err) + sizeof(struct sockaddr_in))];
	struct msghdr msg = { .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct sock_extended_err *ee = NULL;
	struct cmsghdr *cm;

	if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
		return errno == EAGAIN ? 0 : -1;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR)
			ee = (struct sock_extended_err *)CMSG_DATA(cm);
	if (!ee || ee->ee_errno || ee->ee_origin != SO_EE_ORIGIN_ZEROCOPY || ee->ee_type)
		return -1;
	n->lo = ee->ee_info;
	n->hi = ee->ee_data;
	n->code = ee->ee_code;
	return 1;
}

/* Everything written was ACKed (SIOCOUTQ 0), within IO_TIMEOUT_MS. */
static int wait_acked(int fd)
{
	int outq = -1;

	if (!WAIT_UNTIL(!ioctl(fd, SIOCOUTQ, &outq) && outq == 0, IO_TIMEOUT_MS))
		return -1;
	return 0;
}

/* A MSG_ZEROCOPY write of WLEN bytes from @fd, read whole by @peer. */
static int zc_write(int fd, int peer)
{
	static char buf[WLEN], in[WLEN];

	memset(buf, 'z', sizeof(buf));
	if (send(fd, buf, sizeof(buf), MSG_ZEROCOPY) != sizeof(buf))
		return -1;
	return recv_all(peer, in, sizeof(in));
}

/*
 * Notifications until ids @lo..@hi are all reported (each once, in
 * order); returns how many notifications that took, -1 on a wrong one.
 */
static int zc_collect(int fd, int proto, uint32_t lo, uint32_t hi)
{
	uint32_t next = lo;
	int notes = 0;

	while (next <= hi) {
		struct zc_note n;
		int r;

		if (!(poll_fd(fd, 0, IO_TIMEOUT_MS) & POLLERR))
			return -1;
		r = zc_read(fd, &n);
		if (r < 0)
			return -1;
		if (!r)
			continue;
		if (n.lo != next || n.hi < n.lo || n.hi > hi)
			return -1;
		/* atcp always copies */
		if (proto == IPPROTO_ATCP && n.code != SO_EE_CODE_ZEROCOPY_COPIED)
			return -1;
		next = n.hi + 1;
		notes++;
	}
	return notes;
}

TEST_F(zc, ids_in_order)
{
	struct zc_note n;
	uint32_t id;

	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT));
	ASSERT_EQ(0, zc_enable(self->c.cli, variant->proto));
	ASSERT_EQ(1, get_int(self->c.cli, SOL_SOCKET, SO_ZEROCOPY));
	for (id = 0; id < 3; id++) {
		ASSERT_EQ(0, zc_write(self->c.cli, self->c.srv));
		ASSERT_EQ(1, zc_collect(self->c.cli, variant->proto, id, id));
	}
	ASSERT_EQ(0, zc_read(self->c.cli, &n));
}

TEST_F(zc, batch_covers_all)
{
	struct zc_note n;
	int i;

	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT));
	ASSERT_EQ(0, zc_enable(self->c.cli, variant->proto));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, zc_write(self->c.cli, self->c.srv));
	ASSERT_EQ(0, wait_acked(self->c.cli));
	ASSERT_LE(1, zc_collect(self->c.cli, variant->proto, 0, 2));
	ASSERT_EQ(0, zc_read(self->c.cli, &n));
}

TEST_F(zc, failed_write_no_id)
{
	struct sockaddr_in sa = ns_sockaddr(NS_B, PORT);
	char buf[WLEN] = { 0 };
	struct zc_note n;
	int fd;

	self->c.proto = variant->proto;
	self->c.lfd = ns_listen(NS_B, variant->proto, PORT, 4);
	ASSERT_LE(0, self->c.lfd);
	fd = ns_socket(NS_A, variant->proto);
	ASSERT_LE(0, fd);
	self->c.cli = fd;
	ASSERT_EQ(0, zc_enable(fd, variant->proto));
	ASSERT_EQ(-1, send(fd, buf, sizeof(buf), MSG_ZEROCOPY | MSG_NOSIGNAL));
	ASSERT_EQ(EPIPE, errno);
	ASSERT_EQ(0, zc_read(fd, &n));
	ASSERT_EQ(0, connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	self->c.srv = accept(self->c.lfd, NULL, NULL);
	ASSERT_LE(0, self->c.srv);
	set_io_timeout(self->c.srv, IO_TIMEOUT_MS);
	ASSERT_EQ(0, zc_write(fd, self->c.srv));
	ASSERT_EQ(1, zc_collect(fd, variant->proto, 0, 0));
}

TEST_F(zc, flag_needed)
{
	struct zc_note n;

	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT));
	ASSERT_EQ(0, get_int(self->c.cli, SOL_SOCKET, SO_ZEROCOPY));
	ASSERT_EQ(0, zc_write(self->c.cli, self->c.srv));
	ASSERT_EQ(0, wait_acked(self->c.cli));
	/* the ignored write used no id: the next one is 0, and alone */
	ASSERT_EQ(0, zc_enable(self->c.cli, variant->proto));
	ASSERT_EQ(0, zc_write(self->c.cli, self->c.srv));
	ASSERT_EQ(1, zc_collect(self->c.cli, variant->proto, 0, 0));
	ASSERT_EQ(0, zc_read(self->c.cli, &n));
}

TEST_F(zc, accepted_inherits)
{
	self->c.proto = variant->proto;
	self->c.lfd = ns_bound_socket(NS_B, variant->proto, PORT);
	ASSERT_LE(0, self->c.lfd);
	ASSERT_EQ(0, zc_enable(self->c.lfd, variant->proto));
	ASSERT_EQ(0, listen(self->c.lfd, 4));
	self->c.cli = ns_connect(NS_A, variant->proto, NS_B, PORT);
	ASSERT_LE(0, self->c.cli);
	self->c.srv = accept(self->c.lfd, NULL, NULL);
	ASSERT_LE(0, self->c.srv);
	set_io_timeout(self->c.cli, IO_TIMEOUT_MS);
	ASSERT_EQ(1, get_int(self->c.srv, SOL_SOCKET, SO_ZEROCOPY));
	ASSERT_EQ(0, zc_write(self->c.srv, self->c.cli));
	ASSERT_EQ(1, zc_collect(self->c.srv, variant->proto, 0, 0));
}

TEST_HARNESS_MAIN
