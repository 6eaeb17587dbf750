// SPDX-License-Identifier: GPL-2.0
/*
 * SO_REUSEPORT: the bind() and listen() rules (sockets that all set the
 * option before bind and belong to one effective uid share an address and
 * port; without the option on both, or with different owners,
 * EADDRINUSE), the spread of incoming connections over a group of
 * listeners, closing one listener of a group while connections arrive
 * (the others go on accepting, only the closed one's queue is reset), and
 * a classic BPF program choosing the listener.  Also the part
 * SO_BINDTODEVICE plays: two different devices never clash, and a
 * listener bound to one device gets no connection from another.  Each
 * test runs on Linux TCP and on atcp.
 */
#include "atcp_lib.h"

#include <sys/fsuid.h>
#include <linux/filter.h>

#define PORT		5301
#define NLISTEN		4
#define NCONN		200
#define OTHER_UID	65534

FIXTURE(rp) {
	int dummy;
};

PROTO_VARIANTS(rp);

FIXTURE_SETUP(rp)
{
	NET_SETUP(variant->proto);
}

FIXTURE_TEARDOWN(rp)
{
	net_teardown();
}

/*
 * A socket in B, SO_REUSEPORT set to @reuseport, created with @uid as its
 * owner (the file system uid at socket() is what the kernel records).
 */
static int rp_socket(int proto, bool reuseport, uid_t uid)
{
	int fd;

	setfsuid(uid);
	fd = ns_socket(NS_B, proto);
	setfsuid(0);
	if (fd < 0)
		return -1;
	if (reuseport && set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* bind @fd to B's address and PORT: 0 or errno */
static int rp_bind(int fd)
{
	struct sockaddr_in sa = ns_sockaddr(NS_B, PORT);

	return bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? errno : 0;
}

/* a listener of the group on PORT (non-blocking), -1 on error */
static int rp_listener(int proto)
{
	int fd = rp_socket(proto, true, 0);

	if (fd < 0)
		return -1;
	if (rp_bind(fd) || listen(fd, 256) || set_nonblock(fd, true)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* second bind of the same address and port: the option on neither, both, one */
TEST_F(rp, bind_rules)
{
	static const struct { bool first, second; int err; } cases[] = {
		{ false, false, EADDRINUSE },
		{ true, true, 0 },
		{ true, false, EADDRINUSE },
		{ false, true, EADDRINUSE },
	};
	int proto = variant->proto;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int a = rp_socket(proto, cases[i].first, 0);
		int b = rp_socket(proto, cases[i].second, 0);

		ASSERT_GE(a, 0);
		ASSERT_GE(b, 0);
		ASSERT_EQ(0, rp_bind(a));
		EXPECT_EQ(cases[i].err, rp_bind(b))
			TH_LOG("case %u: SO_REUSEPORT %d then %d", i, cases[i].first,
			       cases[i].second);
		if (!cases[i].err) {
			/* both may listen, in either order */
			EXPECT_EQ(0, listen(b, 8));
			EXPECT_EQ(0, listen(a, 8));
			EXPECT_EQ(TCP_LISTEN, sock_state(a));
			EXPECT_EQ(TCP_LISTEN, sock_state(b));
		}
		close(a);
		close(b);
	}
}

/* the option on both, but different owners: EADDRINUSE, bound or listening */
TEST_F(rp, bind_other_owner)
{
	int proto = variant->proto, a, b, c;

	a = rp_socket(proto, true, 0);
	b = rp_socket(proto, true, OTHER_UID);
	ASSERT_GE(a, 0);
	ASSERT_GE(b, 0);
	ASSERT_EQ(0, rp_bind(a));
	EXPECT_EQ(EADDRINUSE, rp_bind(b));
	ASSERT_EQ(0, listen(a, 8));
	EXPECT_EQ(EADDRINUSE, rp_bind(b));
	/* the same owner still may */
	c = rp_socket(proto, true, 0);
	ASSERT_GE(c, 0);
	EXPECT_EQ(0, rp_bind(c));
	EXPECT_EQ(0, listen(c, 8));
	close(a);
	close(b);
	close(c);
}

/* SO_REUSEADDR does not let two sockets listen on one port; SO_REUSEPORT does */
TEST_F(rp, listen_rules)
{
	int proto = variant->proto, a, b;

	a = rp_socket(proto, false, 0);
	b = rp_socket(proto, false, 0);
	ASSERT_GE(a, 0);
	ASSERT_GE(b, 0);
	ASSERT_EQ(0, set_int(a, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, set_int(b, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, rp_bind(a));
	ASSERT_EQ(0, rp_bind(b));
	ASSERT_EQ(0, listen(a, 8));
	ASSERT_EQ(-1, listen(b, 8));
	EXPECT_EQ(EADDRINUSE, errno);
	close(a);
	close(b);
}

struct rp_run {
	int lfd[NLISTEN];
	int cli[NCONN];
	int accepted[NLISTEN];	/* children taken from each listener */
	bool done[NCONN];	/* accepted, or reset */
	bool reset[NCONN];
	short by_port[65536];	/* client local port -> index + 1 */
};

/* blocking connect() of client @i from A to PORT of B */
static int rp_connect(struct rp_run *r, int proto, int i)
{
	int fd = ns_connect(NS_A, proto, NS_B, PORT), port;

	if (fd < 0)
		return -1;
	r->cli[i] = fd;
	port = local_port(fd);
	if (port <= 0 || r->by_port[port])
		return -1;
	r->by_port[port] = i + 1;
	return 0;
}

/*
 * Take what the listeners that are still open have queued, and look for
 * clients that got a reset; true once every client of [0, @n) is settled.
 * Accepted children are aborted at once.
 */
static bool rp_settle(struct rp_run *r, int n)
{
	bool all = true;
	int l, i;

	for (l = 0; l < NLISTEN; l++) {
		struct sockaddr_in peer;
		socklen_t len = sizeof(peer);
		int fd;

		if (r->lfd[l] < 0)
			continue;
		while ((fd = accept(r->lfd[l], (struct sockaddr *)&peer, &len)) >= 0) {
			int idx = r->by_port[ntohs(peer.sin_port)] - 1;

			if (idx >= 0 && !r->done[idx]) {
				r->done[idx] = true;
				r->accepted[l]++;
			}
			abort_fd(fd);
			len = sizeof(peer);
		}
	}
	for (i = 0; i < n; i++) {
		char c;

		if (r->done[i])
			continue;
		if (recv(r->cli[i], &c, 1, MSG_DONTWAIT | MSG_PEEK) < 0 && errno == ECONNRESET) {
			r->done[i] = true;
			r->reset[i] = true;
			continue;
		}
		all = false;
	}
	return all;
}

static void rp_run_init(struct rp_run *r)
{
	int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < NLISTEN; i++)
		r->lfd[i] = -1;
	for (i = 0; i < NCONN; i++)
		r->cli[i] = -1;
}

static void rp_run_close(struct rp_run *r)
{
	int i;

	for (i = 0; i < NCONN; i++)
		if (r->cli[i] >= 0)
			abort_fd(r->cli[i]);
	for (i = 0; i < NLISTEN; i++)
		if (r->lfd[i] >= 0)
			close(r->lfd[i]);
}

/* NCONN connections from distinct source ports: every listener gets some */
TEST_F(rp, spread)
{
	int proto = variant->proto, i, total = 0;
	struct rp_run *r = malloc(sizeof(*r));

	ASSERT_NE(NULL, r);
	rp_run_init(r);
	for (i = 0; i < NLISTEN; i++) {
		r->lfd[i] = rp_listener(proto);
		ASSERT_GE(r->lfd[i], 0) TH_LOG("listener %d: %s", i, strerror(errno));
	}
	for (i = 0; i < NCONN; i++) {
		ASSERT_EQ(0, rp_connect(r, proto, i)) TH_LOG("connect %d: %s", i, strerror(errno));
		rp_settle(r, 0);
	}
	ASSERT_TRUE(WAIT_UNTIL(rp_settle(r, NCONN), 10 * SOON_MS));
	for (i = 0; i < NCONN; i++)
		EXPECT_FALSE(r->reset[i]) TH_LOG("client %d reset", i);
	for (i = 0; i < NLISTEN; i++) {
		TH_LOG("listener %d accepted %d", i, r->accepted[i]);
		EXPECT_GE(r->accepted[i], 1);
		total += r->accepted[i];
	}
	EXPECT_EQ(NCONN, total);
	rp_run_close(r);
	free(r);
}

/*
 * Half the connections, nothing accepted; close listener 0; the other
 * half.  The connections queued at listener 0 are reset (as its close
 * resets every child nobody accepted), every other connection is accepted
 * by the listeners left, and all of those made after the close are.
 */
TEST_F(rp, close_one_listener)
{
	int proto = variant->proto, i, l, resets = 0, total = 0;
	struct rp_run *r = malloc(sizeof(*r));

	ASSERT_NE(NULL, r);
	rp_run_init(r);
	for (i = 0; i < NLISTEN; i++) {
		r->lfd[i] = rp_listener(proto);
		ASSERT_GE(r->lfd[i], 0);
	}
	for (i = 0; i < NCONN / 2; i++)
		ASSERT_EQ(0, rp_connect(r, proto, i)) TH_LOG("connect %d: %s", i, strerror(errno));
	close(r->lfd[0]);
	r->lfd[0] = -1;
	for (; i < NCONN; i++)
		ASSERT_EQ(0, rp_connect(r, proto, i)) TH_LOG("connect %d: %s", i, strerror(errno));
	ASSERT_TRUE(WAIT_UNTIL(rp_settle(r, NCONN), 10 * SOON_MS)) {
		for (i = 0; i < NCONN; i++)
			if (!r->done[i])
				TH_LOG("client %d (port %d) neither accepted nor reset", i,
				       local_port(r->cli[i]));
	}
	for (i = 0; i < NCONN; i++) {
		if (!r->reset[i])
			continue;
		resets++;
		EXPECT_LT(i, NCONN / 2) TH_LOG("client %d, after the close, was reset", i);
	}
	for (l = 1; l < NLISTEN; l++) {
		TH_LOG("listener %d accepted %d", l, r->accepted[l]);
		EXPECT_GE(r->accepted[l], 1);
		total += r->accepted[l];
	}
	TH_LOG("%d reset with listener 0", resets);
	EXPECT_GE(resets, 1);
	EXPECT_EQ(NCONN, total + resets);
	rp_run_close(r);
	free(r);
}

/* SO_ATTACH_REUSEPORT_CBPF: a program that answers 0 sends all to the first listener */
TEST_F(rp, cbpf_select)
{
	struct sock_filter code[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	struct sock_fprog prog = { .len = ARRAY_SIZE(code), .filter = code };
	int proto = variant->proto, i, n = 20;
	struct rp_run *r = malloc(sizeof(*r));

	ASSERT_NE(NULL, r);
	rp_run_init(r);
	for (i = 0; i < NLISTEN; i++) {
		r->lfd[i] = rp_listener(proto);
		ASSERT_GE(r->lfd[i], 0);
	}
	ASSERT_EQ(0, setsockopt(r->lfd[NLISTEN - 1], SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF,
				&prog, sizeof(prog))) TH_LOG("%s", strerror(errno));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, rp_connect(r, proto, i));
	ASSERT_TRUE(WAIT_UNTIL(rp_settle(r, n), 5 * SOON_MS));
	EXPECT_EQ(n, r->accepted[0]);
	rp_run_close(r);
	free(r);
}

/* ------------------------------------------------- SO_BINDTODEVICE */

/*
 * A second veth pair between A and B, veth_a2 10.24.0.1 <-> veth_b2
 * 10.24.0.2, so that B has two devices a connection from A can come in on.
 */
#define DEV_A2		"veth_a2"
#define DEV_B2		"veth_b2"
#define ADDR_A2		"10.24.0.1"
#define ADDR_B2		"10.24.0.2"

static const uint8_t mac_a2[6] = { 0x02, 0x00, 0x0a, 0x18, 0x00, 0x01 };
static const uint8_t mac_b2[6] = { 0x02, 0x00, 0x0a, 0x18, 0x00, 0x02 };

static bool dev_up(int ns, const char *dev)
{
	bool up;

	if (ns_enter(ns))
		return false;
	up = WAIT_UNTIL(link_operstate(dev) == 6 /* IF_OPER_UP */, 5000);
	ns_enter(NS_ROOT);
	return up;
}

/* address @addr/24 on @dev of @ns, link up, a permanent ARP entry for @peer */
static int veth2_configure(int ns, const char *dev, const char *addr, const char *peer,
			   const char *peer_mac)
{
	return ns_sh(ns, "ip addr add %s/24 dev %s && ip link set %s up && ip neigh replace %s lladdr %s dev %s nud permanent",
		     addr, dev, dev, peer, peer_mac, dev);
}

static int second_veth(void)
{
	if (ns_enter(NS_A))
		return -1;
	if (veth_create_named(DEV_A2, mac_a2, 11, net_fd[NS_B], DEV_B2, mac_b2, 21)) {
		ns_enter(NS_ROOT);
		return -1;
	}
	ns_enter(NS_ROOT);
	if (veth2_configure(NS_A, DEV_A2, ADDR_A2, ADDR_B2, "02:00:0a:18:00:02") ||
	    veth2_configure(NS_B, DEV_B2, ADDR_B2, ADDR_A2, "02:00:0a:18:00:01"))
		return -1;
	return dev_up(NS_A, DEV_A2) && dev_up(NS_B, DEV_B2) ? 0 : -1;
}

/* a socket in B bound to device @dev (NULL: none), SO_REUSEPORT @reuseport */
static int dev_socket(int proto, const char *dev, bool reuseport)
{
	int fd = rp_socket(proto, reuseport, 0);

	if (fd < 0 || !dev)
		return fd;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, strlen(dev) + 1)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* bind @fd to the wildcard address and PORT: 0 or errno */
static int any_bind(int fd)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(PORT),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};

	return bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? errno : 0;
}

/*
 * Connect from A to PORT at @addr (B's address on one of the devices);
 * which of the @n listeners @lfd accepts it: its index, -1 if none does.
 */
static int which_accepts(int proto, const char *addr, const int *lfd, int n)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int cli = ns_socket(NS_A, proto), got = -1, i;

	if (cli < 0)
		return -1;
	inet_pton(AF_INET, addr, &sa.sin_addr);
	if (!connect(cli, (struct sockaddr *)&sa, sizeof(sa))) {
		struct pollfd pfd[4];

		for (i = 0; i < n; i++)
			pfd[i] = (struct pollfd){ .fd = lfd[i], .events = POLLIN };
		if (poll(pfd, n, IO_TIMEOUT_MS) > 0) {
			for (i = 0; i < n && got < 0; i++) {
				if (pfd[i].revents & POLLIN) {
					int c = accept(lfd[i], NULL, NULL);

					if (c >= 0) {
						got = i;
						abort_fd(c);
					}
				}
			}
		}
	}
	abort_fd(cli);	/* RST: no TIME_WAIT entry holds PORT */
	return got;
}

/*
 * Two sockets bound to two different devices share an address and port
 * without any option, and both listen; each device's connections reach
 * its own listener.  A socket bound to no device, or to one of the same
 * devices, clashes with them, and one bound to a device clashes with a
 * socket bound to none.
 */
TEST_F(rp, bind_device)
{
	int proto = variant->proto, l[2], s;

	ASSERT_EQ(0, second_veth());
	/* bound to no device first: no room for one bound to a device */
	s = dev_socket(proto, NULL, false);
	ASSERT_GE(s, 0);
	ASSERT_EQ(0, any_bind(s));
	l[0] = dev_socket(proto, DEV_B, false);
	ASSERT_GE(l[0], 0);
	EXPECT_EQ(EADDRINUSE, any_bind(l[0]));
	close(l[0]);
	close(s);

	l[0] = dev_socket(proto, DEV_B, false);
	l[1] = dev_socket(proto, DEV_B2, false);
	ASSERT_GE(l[0], 0);
	ASSERT_GE(l[1], 0);
	ASSERT_EQ(0, any_bind(l[0]));
	EXPECT_EQ(0, any_bind(l[1]));
	/* no device, or the same device: EADDRINUSE */
	s = dev_socket(proto, NULL, false);
	ASSERT_GE(s, 0);
	EXPECT_EQ(EADDRINUSE, any_bind(s));
	close(s);
	s = dev_socket(proto, DEV_B2, false);
	ASSERT_GE(s, 0);
	EXPECT_EQ(EADDRINUSE, any_bind(s));
	close(s);
	/* B's own address on veth_b is as much in use as the wildcard */
	s = dev_socket(proto, DEV_B, false);
	ASSERT_GE(s, 0);
	EXPECT_EQ(EADDRINUSE, rp_bind(s));
	close(s);

	ASSERT_EQ(0, listen(l[0], 8));
	ASSERT_EQ(0, listen(l[1], 8));
	ASSERT_EQ(0, set_nonblock(l[0], true));
	ASSERT_EQ(0, set_nonblock(l[1], true));
	EXPECT_EQ(0, which_accepts(proto, ADDR_B, l, 2));
	EXPECT_EQ(1, which_accepts(proto, ADDR_B2, l, 2));
	/* still no room for a socket bound to no device */
	s = dev_socket(proto, NULL, false);
	ASSERT_GE(s, 0);
	EXPECT_EQ(EADDRINUSE, any_bind(s));
	close(s);
	close(l[0]);
	close(l[1]);
}

/*
 * SO_REUSEPORT lets a socket bound to no device and one bound to veth_b
 * listen on the same address and port (two groups: the device is part of
 * a group's identity).  A connection that comes in on veth_b2 goes to the
 * one bound to no device: veth_b's never sees it.  One that comes in on
 * veth_b goes to the one that listened last, whichever it is: TCP takes
 * the first group member that matches at all, newest first, not the best
 * match (its bonus for the bound device does not come into play).
 */
TEST_F(rp, bind_device_reuseport)
{
	int proto = variant->proto, order;

	ASSERT_EQ(0, second_veth());
	for (order = 0; order < 2; order++) {
		int l[2];	/* 0: bound to veth_b, 1: to no device */
		int first = order, second = !order;

		l[0] = dev_socket(proto, DEV_B, true);
		l[1] = dev_socket(proto, NULL, true);
		ASSERT_GE(l[0], 0);
		ASSERT_GE(l[1], 0);
		ASSERT_EQ(0, any_bind(l[first]));
		ASSERT_EQ(0, listen(l[first], 8));
		ASSERT_EQ(0, any_bind(l[second]));
		ASSERT_EQ(0, listen(l[second], 8));
		ASSERT_EQ(0, set_nonblock(l[0], true));
		ASSERT_EQ(0, set_nonblock(l[1], true));
		EXPECT_EQ(second, which_accepts(proto, ADDR_B, l, 2))
			TH_LOG("%s listened last", second ? "the unbound one" : "veth_b's");
		EXPECT_EQ(1, which_accepts(proto, ADDR_B2, l, 2))
			TH_LOG("%s listened last", second ? "the unbound one" : "veth_b's");
		close(l[0]);
		close(l[1]);
	}
}

TEST_HARNESS_MAIN
