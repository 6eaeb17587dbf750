// SPDX-License-Identifier: GPL-2.0
/*
 * sock_diag for atcp (atcp_diag.ko): a NETLINK_SOCK_DIAG dump of protocol
 * 253 lists exactly the open entries of the asking namespace (LISTEN,
 * SYN_RECV requests, SYN_SENT, ESTABLISHED, TIME_WAIT) with the right
 * states and ports, honours the state mask and the port filters of the
 * bytecode, carries struct atcp_info in INET_DIAG_INFO, and shows nothing
 * of other namespaces.  The last test unloads atcp_diag.ko again (atcp.ko
 * cannot go while atcp_diag.ko uses it).
 *
 * The VM's modprobe cannot find modules of the checkout, so the test
 * insmods ../mod/atcp_diag.ko itself (after modprobe inet_diag).
 */
#include "atcp_nl.h"

#define PORT	7200
#define ALL	0xffe

FIXTURE(diag) {
	int lfd, cli1, srv1, cli3;
	int cport1, cport2, cport3;
};

FIXTURE_SETUP(diag)
{
	int cli2, srv2;
	char byte;

	if (!proto_available(IPPROTO_ATCP))
		SKIP_SETUP("atcp not available (module not loaded?)");
	ASSERT_EQ(0, diag_module_load()) TH_LOG("cannot load mod/atcp_diag.ko");
	ASSERT_EQ(0, net_setup(NULL));

	/* B: a listener; A <-> B: one established connection */
	self->lfd = ns_listen(NS_B, IPPROTO_ATCP, PORT, 16);
	ASSERT_GE(self->lfd, 0);
	self->cli1 = ns_connect(NS_A, IPPROTO_ATCP, NS_B, PORT);
	ASSERT_GE(self->cli1, 0);
	self->srv1 = accept(self->lfd, NULL, NULL);
	ASSERT_GE(self->srv1, 0);
	self->cport1 = local_port(self->cli1);

	/* a second one, closed by A first: A keeps a TIME_WAIT entry */
	cli2 = ns_connect(NS_A, IPPROTO_ATCP, NS_B, PORT);
	ASSERT_GE(cli2, 0);
	srv2 = accept(self->lfd, NULL, NULL);
	ASSERT_GE(srv2, 0);
	self->cport2 = local_port(cli2);
	close(cli2);
	ASSERT_EQ(0, recv(srv2, &byte, 1, 0));
	close(srv2);

	/* a third one that cannot complete: B's SYN-ACKs are lost */
	ASSERT_EQ(0, netem(NS_B, "loss 100%"));
	self->cli3 = ns_socket(NS_A, IPPROTO_ATCP);
	ASSERT_GE(self->cli3, 0);
	ASSERT_EQ(0, set_nonblock(self->cli3, true));
	ASSERT_EQ(-1, connect_ns(self->cli3, NS_B, PORT));
	ASSERT_EQ(EINPROGRESS, errno);
	self->cport3 = local_port(self->cli3);
}

/* abort what is left (RST, no orphans retransmitting into netem's loss) */
static void abort_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

FIXTURE_TEARDOWN(diag)
{
	abort_close(self->cli1);
	abort_close(self->srv1);
	abort_close(self->cli3);
	abort_close(self->lfd);
	net_teardown();
}

static void dump_log(struct __test_metadata *_metadata, const char *what,
		     const struct diag_list *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		TH_LOG("%s: state %d %d -> %d", what, l->e[i].state, l->e[i].sport, l->e[i].dport);
}

/* Exactly the open entries of each side, with the right states and ports. */
TEST_F(diag, lists_open_sockets)
{
	struct diag_list *l = calloc(1, sizeof(*l));
	int i;

	ASSERT_NE(NULL, l);
	/* the request appears at B once the SYN arrived */
	ASSERT_TRUE(WAIT_UNTIL(!diag_dump(NS_B, IPPROTO_ATCP, 1 << ATCP_SYN_RECV, -1, -1, false,
					 l) && l->n == 1, 2000));
	/* and A's TIME_WAIT entry is there once B's FIN arrived */
	ASSERT_TRUE(WAIT_UNTIL(!diag_dump(NS_A, IPPROTO_ATCP, 1 << ATCP_TIME_WAIT, -1, -1, false,
					 l) && l->n == 1, 2000));

	ASSERT_EQ(0, diag_dump(NS_A, IPPROTO_ATCP, ALL, -1, -1, false, l));
	dump_log(_metadata, "A", l);
	EXPECT_EQ(3, l->n);
	EXPECT_EQ(1, diag_count(l, ATCP_ESTABLISHED, self->cport1, PORT));
	EXPECT_EQ(1, diag_count(l, ATCP_TIME_WAIT, self->cport2, PORT));
	EXPECT_EQ(1, diag_count(l, ATCP_SYN_SENT, self->cport3, PORT));
	for (i = 0; i < l->n; i++) {
		EXPECT_EQ(ns_inaddr(NS_A), l->e[i].saddr);
		EXPECT_EQ(ns_inaddr(NS_B), l->e[i].daddr);
	}

	ASSERT_EQ(0, diag_dump(NS_B, IPPROTO_ATCP, ALL, -1, -1, false, l));
	dump_log(_metadata, "B", l);
	EXPECT_EQ(3, l->n);
	EXPECT_EQ(1, diag_count(l, ATCP_LISTEN, PORT, 0));
	EXPECT_EQ(1, diag_count(l, ATCP_ESTABLISHED, PORT, self->cport1));
	EXPECT_EQ(1, diag_count(l, ATCP_SYN_RECV, PORT, self->cport3));
	for (i = 0; i < l->n; i++) {
		EXPECT_EQ(ns_inaddr(NS_B), l->e[i].saddr);
		if (l->e[i].state == ATCP_LISTEN) {
			EXPECT_EQ(0, l->e[i].daddr);
			EXPECT_NE(0, l->e[i].inode);
		} else {
			EXPECT_EQ(ns_inaddr(NS_A), l->e[i].daddr);
		}
		/* the request has its SYN-ACK timer, the listener none */
		if (l->e[i].state == ATCP_SYN_RECV)
			EXPECT_EQ(1, l->e[i].timer);
	}
	free(l);
}

/* INET_DIAG_INFO carries struct atcp_info for full sockets. */
TEST_F(diag, info)
{
	struct diag_list *l = calloc(1, sizeof(*l));
	struct atcp_info gs;
	socklen_t len = sizeof(gs);

	ASSERT_NE(NULL, l);
	ASSERT_EQ(0, diag_dump(NS_A, IPPROTO_ATCP, 1 << ATCP_ESTABLISHED, -1, -1, true, l));
	ASSERT_EQ(1, l->n);
	ASSERT_TRUE(l->e[0].has_info);
	ASSERT_EQ(0, getsockopt(self->cli1, SOL_ATCP, ATCP_INFO, &gs, &len));
	EXPECT_EQ(ATCP_ESTABLISHED, l->e[0].info.state);
	EXPECT_EQ(gs.iss, l->e[0].info.iss);
	EXPECT_EQ(gs.irs, l->e[0].info.irs);
	EXPECT_EQ(gs.snd_mss, l->e[0].info.snd_mss);
	EXPECT_GT(l->e[0].info.snd_mss, 0);
	/* without the extension: no INFO */
	ASSERT_EQ(0, diag_dump(NS_A, IPPROTO_ATCP, 1 << ATCP_ESTABLISHED, -1, -1, false, l));
	ASSERT_EQ(1, l->n);
	EXPECT_FALSE(l->e[0].has_info);
	free(l);
}

/* The state mask and the port filters of the bytecode. */
TEST_F(diag, filters)
{
	struct diag_list *l = calloc(1, sizeof(*l));

	ASSERT_NE(NULL, l);
	ASSERT_TRUE(WAIT_UNTIL(!diag_dump(NS_B, IPPROTO_ATCP, 1 << ATCP_SYN_RECV, -1, -1, false,
					 l) && l->n == 1, 2000));
	ASSERT_TRUE(WAIT_UNTIL(!diag_dump(NS_A, IPPROTO_ATCP, 1 << ATCP_TIME_WAIT, -1, -1, false,
					 l) && l->n == 1, 2000));

	ASSERT_EQ(0, diag_dump(NS_B, IPPROTO_ATCP, 1 << ATCP_LISTEN, -1, -1, false, l));
	EXPECT_EQ(1, l->n);
	EXPECT_EQ(1, diag_count(l, ATCP_LISTEN, PORT, 0));
	ASSERT_EQ(0, diag_dump(NS_A, IPPROTO_ATCP, 1 << ATCP_TIME_WAIT, -1, -1, false, l));
	EXPECT_EQ(1, l->n);
	EXPECT_EQ(1, diag_count(l, ATCP_TIME_WAIT, self->cport2, PORT));
	ASSERT_EQ(0, diag_dump(NS_A, IPPROTO_ATCP,
			       (1 << ATCP_SYN_SENT) | (1 << ATCP_ESTABLISHED), -1, -1, false, l));
	EXPECT_EQ(2, l->n);
	ASSERT_EQ(0, diag_dump(NS_A, IPPROTO_ATCP, 1 << ATCP_LISTEN, -1, -1, false, l));
	EXPECT_EQ(0, l->n);

	/* source port */
	ASSERT_EQ(0, diag_dump(NS_A, IPPROTO_ATCP, ALL, self->cport1, -1, false, l));
	EXPECT_EQ(1, l->n);
	EXPECT_EQ(1, diag_count(l, ATCP_ESTABLISHED, self->cport1, PORT));
	ASSERT_EQ(0, diag_dump(NS_B, IPPROTO_ATCP, ALL, PORT, -1, false, l));
	EXPECT_EQ(3, l->n);
	ASSERT_EQ(0, diag_dump(NS_B, IPPROTO_ATCP, ALL, PORT + 1, -1, false, l));
	EXPECT_EQ(0, l->n);
	/* destination port */
	ASSERT_EQ(0, diag_dump(NS_A, IPPROTO_ATCP, ALL, -1, PORT, false, l));
	EXPECT_EQ(3, l->n);
	ASSERT_EQ(0, diag_dump(NS_B, IPPROTO_ATCP, ALL, -1, self->cport3, false, l));
	EXPECT_EQ(1, l->n);
	EXPECT_EQ(1, diag_count(l, ATCP_SYN_RECV, PORT, self->cport3));
	/* both, and with a state mask */
	ASSERT_EQ(0, diag_dump(NS_A, IPPROTO_ATCP, ALL, self->cport2, PORT, false, l));
	EXPECT_EQ(1, l->n);
	EXPECT_EQ(1, diag_count(l, ATCP_TIME_WAIT, self->cport2, PORT));
	ASSERT_EQ(0, diag_dump(NS_A, IPPROTO_ATCP, 1 << ATCP_ESTABLISHED, self->cport2, PORT,
			       false, l));
	EXPECT_EQ(0, l->n);
	free(l);
}

/* Nothing of A or B in another namespace; TCP dumps do not show atcp sockets. */
TEST_F(diag, netns_isolation)
{
	struct diag_list *l = calloc(1, sizeof(*l));
	int me = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), fd;

	ASSERT_NE(NULL, l);
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	fd = net_fd[NS_ROOT];
	net_fd[NS_ROOT] = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	EXPECT_EQ(0, diag_dump(NS_ROOT, IPPROTO_ATCP, ALL, -1, -1, true, l));
	EXPECT_EQ(0, l->n);
	close(net_fd[NS_ROOT]);
	net_fd[NS_ROOT] = fd;
	ASSERT_EQ(0, setns(me, CLONE_NEWNET));
	close(me);

	if (!system("modprobe tcp_diag 2>/dev/null")) {
		ASSERT_EQ(0, diag_dump(NS_A, IPPROTO_TCP, ALL, -1, -1, false, l));
		EXPECT_EQ(0, l->n);
	}
	free(l);
}

FIXTURE(unload) {
};

FIXTURE_SETUP(unload)
{
}

FIXTURE_TEARDOWN(unload)
{
}

/* Last: atcp.ko cannot be removed under atcp_diag.ko; atcp_diag.ko can. */
TEST_F(unload, zz_rmmod_atcp_diag)
{
	if (access("/sys/module/atcp_diag", F_OK))
		SKIP(return, "atcp_diag not loaded");
	EXPECT_NE(0, system("rmmod atcp 2>/dev/null"));
	EXPECT_EQ(0, access("/sys/module/atcp", F_OK));
	EXPECT_EQ(0, system("rmmod atcp_diag"));
	EXPECT_NE(0, access("/sys/module/atcp_diag", F_OK));
	EXPECT_TRUE(proto_available(IPPROTO_ATCP));
}

TEST_HARNESS_MAIN
