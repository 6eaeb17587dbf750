// SPDX-License-Identifier: GPL-2.0
/*
 * atcp counters and state change events, through the generic netlink
 * family "atcp" and /proc/net/atcp_snmp, for one scripted connection
 * between fresh namespaces A (client) and B (server):
 *
 *   B listen, A connect, B accept, A close, (A in FIN_WAIT2) B close,
 *   A TIME_WAIT expires after 2 * msl_ms, B closes the listener.
 *
 * The counters move by exactly what that implies, each side receives its
 * events in order with the right cause, and a third namespace sees
 * nothing of it (no events, zero counters, empty /proc files).
 */
#include "atcp_nl.h"

#define PORT	7100
#define MSL_MS	100

struct exp_event {
	int kind, old, new, cause, detail;
	bool local_port_is_listener;	/* sport == PORT, else dport == PORT */
};

FIXTURE(ev) {
	int ev[NS_NR];		/* event sockets: A, B, and C (an empty netns, as NS_ROOT slot) */
	int genl[NS_NR];
	struct genl_fam fam;
	struct genl_stats before[NS_NR];
	int ctl_c;		/* netns C */
};

FIXTURE_SETUP(ev)
{
	int i, cfd;

	if (!proto_available(IPPROTO_ATCP))
		SKIP_SETUP("atcp not available (module not loaded?)");
	ASSERT_EQ(0, net_setup(NULL));
	for (i = NS_A; i <= NS_B; i++) {
		ASSERT_EQ(0, ns_sysctl_set_int(i, "net/atcp/msl_ms", MSL_MS));
		self->genl[i] = nl_socket_ns(i, NETLINK_GENERIC);
		ASSERT_GE(self->genl[i], 0);
		self->ev[i] = events_open(i);
		ASSERT_GE(self->ev[i], 0);
	}
	ASSERT_EQ(0, genl_resolve(self->genl[NS_A], &self->fam));
	/* C: a third namespace, only watched */
	self->ctl_c = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	self->ev[NS_ROOT] = events_open(NS_ROOT);
	ASSERT_GE(self->ev[NS_ROOT], 0);
	self->genl[NS_ROOT] = nl_socket_ns(NS_ROOT, NETLINK_GENERIC);
	ASSERT_GE(self->genl[NS_ROOT], 0);
	cfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_EQ(0, setns(self->ctl_c, CLONE_NEWNET));
	close(self->ctl_c);
	self->ctl_c = cfd;
	for (i = 0; i < NS_NR; i++)
		ASSERT_EQ(0, genl_stats_get(self->genl[i], &self->fam, &self->before[i]));
}

FIXTURE_TEARDOWN(ev)
{
	net_teardown();
}

static int64_t delta(const struct genl_stats *a, const struct genl_stats *b, uint32_t id)
{
	return stat_val(b, id) - stat_val(a, id);
}

static const char *ev_str(const struct atcp_event *e, char *buf, size_t len)
{
	snprintf(buf, len, "kind %d %d->%d %s -> %s cause %d/%#x", e->kind, e->sport, e->dport,
		 state_name(e->old), state_name(e->new), e->cause, e->detail);
	return buf;
}

static void check_events(struct __test_metadata *_metadata, const char *side,
			 const struct atcp_event *got, int n, const struct exp_event *exp, int nexp,
			 uint32_t laddr)
{
	char buf[128];
	int i;

	for (i = 0; i < n; i++)
		TH_LOG("%s event %d: %s", side, i, ev_str(&got[i], buf, sizeof(buf)));
	ASSERT_EQ(nexp, n);
	for (i = 0; i < nexp; i++) {
		const struct atcp_event *e = &got[i];

		EXPECT_EQ(exp[i].kind, e->kind) TH_LOG("%s event %d", side, i);
		EXPECT_EQ(exp[i].old, e->old) TH_LOG("%s event %d", side, i);
		EXPECT_EQ(exp[i].new, e->new) TH_LOG("%s event %d", side, i);
		EXPECT_EQ(exp[i].cause, e->cause) TH_LOG("%s event %d", side, i);
		if (exp[i].cause == ATCP_CAUSE_SEGMENT) {
			EXPECT_EQ(exp[i].detail, e->detail & exp[i].detail)
				TH_LOG("%s event %d flags %#x", side, i, e->detail);
		} else {
			EXPECT_EQ(exp[i].detail, e->detail) TH_LOG("%s event %d", side, i);
		}
		if (exp[i].local_port_is_listener) {
			EXPECT_EQ(PORT, e->sport) TH_LOG("%s event %d", side, i);
		} else {
			EXPECT_EQ(PORT, e->dport) TH_LOG("%s event %d", side, i);
		}
		EXPECT_EQ(laddr, e->saddr) TH_LOG("%s event %d", side, i);
		if (i)
			EXPECT_LE(got[i - 1].ns, e->ns);
	}
}

/* counters a clean lifecycle must not move */
static const uint32_t zero_counters[] = {
	ATCP_STAT_ATTEMPTFAILS, ATCP_STAT_ESTABRESETS, ATCP_STAT_RETRANSSEGS,
	ATCP_STAT_INERRS, ATCP_STAT_OUTRSTS, ATCP_STAT_LISTENDROPS,
	ATCP_STAT_LISTENOVERFLOWS, ATCP_STAT_NOSOCKET,
};

TEST_F(ev, lifecycle)
{
	const struct exp_event exp_a[] = {
		{ ATCP_EV_SOCK, ATCP_CLOSE, ATCP_SYN_SENT, ATCP_CAUSE_SYSCALL, ATCP_SYSCALL_CONNECT },
		{ ATCP_EV_SOCK, ATCP_SYN_SENT, ATCP_ESTABLISHED, ATCP_CAUSE_SEGMENT,
		  ATCP_FLAG_SYN | ATCP_FLAG_ACK },
		{ ATCP_EV_SOCK, ATCP_ESTABLISHED, ATCP_FIN_WAIT1, ATCP_CAUSE_SYSCALL,
		  ATCP_SYSCALL_CLOSE },
		{ ATCP_EV_SOCK, ATCP_FIN_WAIT1, ATCP_FIN_WAIT2, ATCP_CAUSE_SEGMENT, ATCP_FLAG_ACK },
		{ ATCP_EV_SOCK, ATCP_FIN_WAIT2, ATCP_TIME_WAIT, ATCP_CAUSE_SEGMENT, ATCP_FLAG_FIN },
		{ ATCP_EV_TIMEWAIT, ATCP_TIME_WAIT, ATCP_CLOSE, ATCP_CAUSE_TIMER,
		  ATCP_TIMER_TIME_WAIT },
	};
	const struct exp_event exp_b[] = {
		{ ATCP_EV_SOCK, ATCP_CLOSE, ATCP_LISTEN, ATCP_CAUSE_SYSCALL, ATCP_SYSCALL_LISTEN,
		  true },
		{ ATCP_EV_REQUEST, ATCP_LISTEN, ATCP_SYN_RECV, ATCP_CAUSE_SEGMENT, ATCP_FLAG_SYN,
		  true },
		{ ATCP_EV_SOCK, ATCP_SYN_RECV, ATCP_ESTABLISHED, ATCP_CAUSE_SEGMENT, ATCP_FLAG_ACK,
		  true },
		{ ATCP_EV_SOCK, ATCP_ESTABLISHED, ATCP_CLOSE_WAIT, ATCP_CAUSE_SEGMENT, ATCP_FLAG_FIN,
		  true },
		{ ATCP_EV_SOCK, ATCP_CLOSE_WAIT, ATCP_LAST_ACK, ATCP_CAUSE_SYSCALL,
		  ATCP_SYSCALL_CLOSE, true },
		{ ATCP_EV_SOCK, ATCP_LAST_ACK, ATCP_CLOSE, ATCP_CAUSE_SEGMENT, ATCP_FLAG_ACK, true },
		{ ATCP_EV_SOCK, ATCP_LISTEN, ATCP_CLOSE, ATCP_CAUSE_SYSCALL, ATCP_SYSCALL_CLOSE,
		  true },
	};
	struct atcp_event ga[16], gb[16], gc[4];
	struct genl_stats mid[NS_NR], after[NS_NR];
	int lfd, cli, srv, na = 0, nb, nc, f, t, want;
	unsigned int i;
	char byte;

	lfd = ns_listen(NS_B, IPPROTO_ATCP, PORT, 16);
	ASSERT_GE(lfd, 0);
	cli = ns_connect(NS_A, IPPROTO_ATCP, NS_B, PORT);
	ASSERT_GE(cli, 0);
	srv = accept(lfd, NULL, NULL);
	ASSERT_GE(srv, 0);

	/* both ends established: CurrEstab 1 on each side */
	ASSERT_EQ(0, genl_stats_get(self->genl[NS_A], &self->fam, &mid[NS_A]));
	ASSERT_EQ(0, genl_stats_get(self->genl[NS_B], &self->fam, &mid[NS_B]));
	EXPECT_EQ(1, stat_val(&mid[NS_A], ATCP_STAT_CURRESTAB));
	EXPECT_EQ(1, stat_val(&mid[NS_B], ATCP_STAT_CURRESTAB));

	/* A closes first and waits in FIN_WAIT2 before B closes */
	close(cli);
	na = events_read(self->ev[NS_A], ga, 4, 2000);
	ASSERT_EQ(4, na);
	ASSERT_EQ(ATCP_FIN_WAIT2, ga[3].new);
	ASSERT_EQ(0, recv(srv, &byte, 1, 0));	/* EOF */
	close(srv);
	/* TIME_WAIT ends after 2 * MSL */
	na += events_read(self->ev[NS_A], ga + na, 16 - na, 20 * MSL_MS);
	ASSERT_EQ(0, genl_stats_get(self->genl[NS_A], &self->fam, &mid[NS_A]));
	close(lfd);
	nb = events_read(self->ev[NS_B], gb, 16, 500);
	nc = events_read(self->ev[NS_ROOT], gc, 4, 100);

	check_events(_metadata, "A", ga, na, exp_a, 6, ns_inaddr(NS_A));
	check_events(_metadata, "B", gb, nb, exp_b, 7, ns_inaddr(NS_B));
	EXPECT_EQ(0, nc) TH_LOG("namespace C saw %d events", nc);

	ASSERT_EQ(0, genl_stats_get(self->genl[NS_A], &self->fam, &after[NS_A]));
	ASSERT_EQ(0, genl_stats_get(self->genl[NS_B], &self->fam, &after[NS_B]));
	ASSERT_EQ(0, genl_stats_get(self->genl[NS_ROOT], &self->fam, &after[NS_ROOT]));

	/* A: an active open ending in TIME_WAIT; B: a passive open ending in LAST_ACK */
	EXPECT_EQ(1, delta(&self->before[NS_A], &after[NS_A], ATCP_STAT_ACTIVEOPENS));
	EXPECT_EQ(0, delta(&self->before[NS_A], &after[NS_A], ATCP_STAT_PASSIVEOPENS));
	EXPECT_EQ(1, delta(&self->before[NS_A], &after[NS_A], ATCP_STAT_TIMEWAITS));
	EXPECT_EQ(0, delta(&self->before[NS_B], &after[NS_B], ATCP_STAT_ACTIVEOPENS));
	EXPECT_EQ(1, delta(&self->before[NS_B], &after[NS_B], ATCP_STAT_PASSIVEOPENS));
	EXPECT_EQ(0, delta(&self->before[NS_B], &after[NS_B], ATCP_STAT_TIMEWAITS));
	/* segments: A sends SYN, ACK, FIN, ACK and receives SYN-ACK, ACK, FIN */
	EXPECT_EQ(4, delta(&self->before[NS_A], &after[NS_A], ATCP_STAT_OUTSEGS));
	EXPECT_EQ(3, delta(&self->before[NS_A], &after[NS_A], ATCP_STAT_INSEGS));
	EXPECT_EQ(3, delta(&self->before[NS_B], &after[NS_B], ATCP_STAT_OUTSEGS));
	EXPECT_EQ(4, delta(&self->before[NS_B], &after[NS_B], ATCP_STAT_INSEGS));
	for (i = 0; i < sizeof(zero_counters) / sizeof(zero_counters[0]); i++) {
		EXPECT_EQ(0, delta(&self->before[NS_A], &after[NS_A], zero_counters[i]))
			TH_LOG("A counter %u", zero_counters[i]);
		EXPECT_EQ(0, delta(&self->before[NS_B], &after[NS_B], zero_counters[i]))
			TH_LOG("B counter %u", zero_counters[i]);
	}
	/* gauges are back to zero */
	EXPECT_EQ(0, stat_val(&after[NS_A], ATCP_STAT_CURRESTAB));
	EXPECT_EQ(0, stat_val(&after[NS_B], ATCP_STAT_CURRESTAB));
	EXPECT_EQ(0, stat_val(&after[NS_A], ATCP_STAT_CURRTIMEWAIT));

	/* every edge counted once, exactly those of the events */
	for (f = 1; f < ATCP_MAX_STATES; f++) {
		for (t = 1; t < ATCP_MAX_STATES; t++) {
			want = 0;
			for (i = 0; i < 6; i++)
				want += exp_a[i].old == f && exp_a[i].new == t;
			EXPECT_EQ(want, after[NS_A].edge[f][t] - self->before[NS_A].edge[f][t])
				TH_LOG("A edge %d>%d", f, t);
			want = 0;
			for (i = 0; i < 7; i++)
				want += exp_b[i].old == f && exp_b[i].new == t;
			EXPECT_EQ(want, after[NS_B].edge[f][t] - self->before[NS_B].edge[f][t])
				TH_LOG("B edge %d>%d", f, t);
			EXPECT_EQ(0, after[NS_ROOT].edge[f][t]) TH_LOG("C edge %d>%d", f, t);
		}
	}
	/* C: all counters zero */
	for (i = 0; i < after[NS_ROOT].n; i++)
		EXPECT_EQ(0, after[NS_ROOT].val[i]) TH_LOG("C %s", after[NS_ROOT].name[i]);
}

/* /proc/net/@file of the namespace open as @nsfd */
static char *proc_in(int nsfd, const char *file)
{
	char *buf = NULL;
	int fd = net_fd[NS_A];

	/* borrow slot A to enter C */
	net_fd[NS_A] = nsfd;
	buf = ns_proc_net(NS_A, file);
	net_fd[NS_A] = fd;
	return buf;
}

/* /proc/net/atcp_snmp agrees with STATS_GET, and is per namespace */
TEST_F(ev, proc_snmp)
{
	struct genl_stats st;
	char *snmp, *hdr, *val, *edges_h, *edges_v, *save1, *save2, *h, *v;
	int lfd, cli, srv, checked = 0;

	lfd = ns_listen(NS_B, IPPROTO_ATCP, PORT, 16);
	ASSERT_GE(lfd, 0);
	cli = ns_connect(NS_A, IPPROTO_ATCP, NS_B, PORT);
	ASSERT_GE(cli, 0);
	srv = accept(lfd, NULL, NULL);
	ASSERT_GE(srv, 0);

	ASSERT_EQ(0, genl_stats_get(self->genl[NS_A], &self->fam, &st));
	snmp = ns_proc_net(NS_A, "atcp_snmp");
	ASSERT_NE(NULL, snmp);
	/* Atcp: names \n Atcp: values \n AtcpEdges: names \n AtcpEdges: values */
	hdr = strtok_r(snmp, "\n", &save1);
	val = strtok_r(NULL, "\n", &save1);
	edges_h = strtok_r(NULL, "\n", &save1);
	edges_v = strtok_r(NULL, "\n", &save1);
	ASSERT_NE(NULL, edges_v);
	h = strtok_r(hdr, " ", &save1);
	v = strtok_r(val, " ", &save2);
	while ((h = strtok_r(NULL, " ", &save1)) && (v = strtok_r(NULL, " ", &save2))) {
		int i;

		for (i = 0; i < st.n; i++) {
			if (!strcmp(st.name[i], h)) {
				EXPECT_EQ(st.val[i], strtoull(v, NULL, 10)) TH_LOG("%s", h);
				checked++;
			}
		}
	}
	EXPECT_EQ(st.n, checked);
	EXPECT_EQ(1, st.edge[ATCP_SYN_SENT][ATCP_ESTABLISHED]);
	EXPECT_NE(NULL, strstr(edges_h, "SYN_SENT>ESTABLISHED"));
	free(snmp);

	/* C's files: no entries, zero counters */
	snmp = proc_in(self->ctl_c, "atcp_snmp");
	ASSERT_NE(NULL, snmp);
	val = strchr(snmp, '\n') + 1;
	for (v = strchr(val, ' '); v && *v && *v != '\n'; v++)
		EXPECT_TRUE(*v == ' ' || *v == '0') TH_LOG("C atcp_snmp: %s", val);
	free(snmp);
	snmp = proc_in(self->ctl_c, "atcp");
	ASSERT_NE(NULL, snmp);
	EXPECT_EQ(NULL, strchr(strchr(snmp, '\n') + 1, '\n')) TH_LOG("C /proc/net/atcp: %s", snmp);
	free(snmp);
	close(srv);
	close(cli);
	close(lfd);
}

TEST_HARNESS_MAIN
