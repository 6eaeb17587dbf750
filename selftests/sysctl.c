// SPDX-License-Identifier: GPL-2.0
/*
 * The net.atcp.* timer and retry sysctls of the foundation: written values
 * are read back, out-of-range and malformed writes (negative, zero, beyond
 * int, not a number) fail with EINVAL and change nothing, every namespace
 * starts from the defaults and keeps its own values; rto_min_ms never
 * exceeds rto_max_ms.  atcp only (Linux TCP
 * has no such knobs), except notsent_lowat, which takes what Linux's
 * net.ipv4.tcp_notsent_lowat takes on both.  selftests/netlink_params.c
 * checks every parameter's exact range against the netlink interface.
 */
#include "atcp_lib.h"

struct tunable {
	const char *name;
	long def;		/* 0: no fixed default to check */
	long good;		/* a valid non-default value */
};

static const struct tunable tunables[] = {
	{ "net/atcp/msl_ms",		30000,	100 },
	{ "net/atcp/fin_timeout_ms",	60000,	500 },
	{ "net/atcp/syn_retries",	6,	2 },
	{ "net/atcp/synack_retries",	5,	2 },
	{ "net/atcp/retries1",		3,	5 },
	{ "net/atcp/rto_initial_ms",	1000,	100 },
	{ "net/atcp/max_syn_backlog",	0,	16 },
};

#define NTUNABLES ARRAY_SIZE(tunables)

/* zero is meaningless for all of them: no MSL, no retry, no backlog */
static const char *const bad_values[] = {
	"-1", "0", "-2147483648", "2147483648", "4294967296",
	"99999999999999999999", "abc", "12abc",
};

FIXTURE(sysctl) {
	int dummy;
};

FIXTURE_SETUP(sysctl)
{
	if (!proto_available(IPPROTO_ATCP))
		SKIP_SETUP("atcp not available (module not loaded?)");
	ASSERT_EQ(0, net_setup(NULL));
}

FIXTURE_TEARDOWN(sysctl)
{
	net_teardown();
}

/* a fresh namespace has the defaults; valid writes read back */
TEST_F(sysctl, defaults_and_valid_writes)
{
	unsigned int i;

	for (i = 0; i < NTUNABLES; i++) {
		const struct tunable *t = &tunables[i];
		long v = ns_sysctl_get(NS_A, t->name);

		ASSERT_NE(LONG_MIN, v) TH_LOG("%s unreadable", t->name);
		if (t->def) {
			EXPECT_EQ(t->def, v) TH_LOG("%s", t->name);
		} else {
			EXPECT_GT(v, 0) TH_LOG("%s", t->name);
		}
		ASSERT_EQ(0, ns_sysctl_set_int(NS_A, t->name, t->good)) TH_LOG("%s", t->name);
		EXPECT_EQ(t->good, ns_sysctl_get(NS_A, t->name)) TH_LOG("%s", t->name);
	}
}

/* negative, zero, beyond int, garbage: EINVAL, the value stays */
TEST_F(sysctl, out_of_range_refused)
{
	unsigned int i, k;

	for (i = 0; i < NTUNABLES; i++) {
		const struct tunable *t = &tunables[i];

		ASSERT_EQ(0, ns_sysctl_set_int(NS_A, t->name, t->good));
		for (k = 0; k < ARRAY_SIZE(bad_values); k++) {
			EXPECT_EQ(-EINVAL, ns_sysctl_set(NS_A, t->name, bad_values[k]))
				TH_LOG("%s = \"%s\" accepted", t->name, bad_values[k]);
			EXPECT_EQ(t->good, ns_sysctl_get(NS_A, t->name))
				TH_LOG("%s changed by \"%s\"", t->name, bad_values[k]);
		}
	}
}

/* the limits of issue 4 whose zero means "off": defaults, range, garbage */
TEST_F(sysctl, limits_with_zero)
{
	static const struct { const char *name; long def, max; } lims[] = {
		{ "net/atcp/syncookies",	1,	2 },
		{ "net/atcp/tw_reuse",		2,	2 },
		{ "net/atcp/max_tw_buckets",	262144,	INT_MAX },
	};
	static const char *const bad[] = { "-1", "2147483648", "abc" };
	unsigned int i, k;

	for (i = 0; i < ARRAY_SIZE(lims); i++) {
		char over[32];

		EXPECT_EQ(lims[i].def, ns_sysctl_get(NS_A, lims[i].name)) TH_LOG("%s", lims[i].name);
		ASSERT_EQ(0, ns_sysctl_set_int(NS_A, lims[i].name, 0));
		EXPECT_EQ(0, ns_sysctl_get(NS_A, lims[i].name));
		ASSERT_EQ(0, ns_sysctl_set_int(NS_A, lims[i].name, lims[i].max));
		snprintf(over, sizeof(over), "%ld", lims[i].max + 1);
		EXPECT_EQ(-EINVAL, ns_sysctl_set(NS_A, lims[i].name, over)) TH_LOG("%s", over);
		for (k = 0; k < ARRAY_SIZE(bad); k++) {
			int err = ns_sysctl_set(NS_A, lims[i].name, bad[k]);

			EXPECT_EQ(-EINVAL, err);
		}
		EXPECT_EQ(lims[i].max, ns_sysctl_get(NS_A, lims[i].name));
	}
}

/* rto_min_ms may not exceed rto_max_ms, whichever of them is written */
TEST_F(sysctl, rto_min_not_above_max)
{
	ASSERT_EQ(0, ns_sysctl_set_int(NS_A, "net/atcp/rto_max_ms", 5000));
	EXPECT_EQ(-EINVAL, ns_sysctl_set_int(NS_A, "net/atcp/rto_min_ms", 5001));
	EXPECT_EQ(200, ns_sysctl_get(NS_A, "net/atcp/rto_min_ms"));
	ASSERT_EQ(0, ns_sysctl_set_int(NS_A, "net/atcp/rto_min_ms", 5000));
	EXPECT_EQ(-EINVAL, ns_sysctl_set_int(NS_A, "net/atcp/rto_max_ms", 4999));
	EXPECT_EQ(5000, ns_sysctl_get(NS_A, "net/atcp/rto_max_ms"));
	/* rto_max_ms starts at one second, as tcp_rto_max_ms */
	ASSERT_EQ(0, ns_sysctl_set_int(NS_A, "net/atcp/rto_min_ms", 1));
	EXPECT_EQ(-EINVAL, ns_sysctl_set_int(NS_A, "net/atcp/rto_max_ms", 999));
	EXPECT_EQ(0, ns_sysctl_set_int(NS_A, "net/atcp/rto_max_ms", 1000));
}

/*
 * retries1 is a time, as Linux's: once the model time of retries1 timeouts
 * from rto_min_ms (1 -> 3 x 100 ms) has passed since the first
 * retransmission, the route is looked up afresh, once per episode.  With
 * a 100 ms RTO the timeouts come at 0.1 (first retransmission), 0.3 (0.2 s
 * in) and 0.7 s (0.6 s in, past 0.3 s): after the third timeout, where
 * counting timeouts would reroute after the first.
 */
TEST_F(sysctl, retries1_reroutes)
{
	long long r0 = atcp_counter(NS_A, "Retries1Reroutes");
	struct conn_xinfo x;
	char buf[1] = { 'r' };
	struct conn c;

	conn_init(&c);
	ASSERT_LE(0, r0);
	ASSERT_EQ(0, ns_sysctl_set_int(NS_A, "net/atcp/retries1", 1));
	ASSERT_EQ(0, ns_sysctl_set_int(NS_A, "net/atcp/rto_min_ms", 100));
	ASSERT_EQ(0, conn_open(&c, IPPROTO_ATCP, 5010));
	ASSERT_EQ(0, exchange(c.cli, c.srv));
	ASSERT_EQ(0, sock_xinfo(c.cli, &x));
	ASSERT_EQ(100000, x.rto_us);
	ASSERT_EQ(0, netem(NS_B, "loss 100%"));		/* no ACK comes back */
	ASSERT_EQ(1, send(c.cli, buf, 1, 0));
	ASSERT_TRUE(WAIT_UNTIL(atcp_counter(NS_A, "Retries1Reroutes") == r0 + 1, 5000));
	ASSERT_EQ(0, sock_xinfo(c.cli, &x));
	/* the third timeout rerouted, then retransmitted (backoff 3); the next is 0.8 s away */
	EXPECT_EQ(3, x.backoff) TH_LOG("counted after %d timeouts", x.backoff);
	/* more timeouts of the same episode do not count again */
	ASSERT_TRUE(WAIT_UNTIL(sock_xinfo(c.cli, &x) == 0 && x.backoff >= 4, 5000));
	EXPECT_EQ(r0 + 1, atcp_counter(NS_A, "Retries1Reroutes"));
	/* the path heals, the data arrives; a new episode counts again */
	ASSERT_EQ(0, netem(NS_B, NULL));
	set_io_timeout(c.srv, 10000);
	ASSERT_EQ(1, recv(c.srv, buf, 1, 0));
	ASSERT_EQ(0, exchange(c.cli, c.srv));
	ASSERT_EQ(0, netem(NS_B, "loss 100%"));
	ASSERT_EQ(1, send(c.cli, buf, 1, 0));
	EXPECT_TRUE(WAIT_UNTIL(atcp_counter(NS_A, "Retries1Reroutes") == r0 + 2, 5000));
	ASSERT_EQ(0, netem(NS_B, NULL));
	conn_close(&c);
}

/* values are per namespace: changing A leaves B (and a new one) at defaults */
TEST_F(sysctl, per_namespace)
{
	unsigned int i;

	for (i = 0; i < NTUNABLES; i++) {
		const struct tunable *t = &tunables[i];
		long in_b = ns_sysctl_get(NS_B, t->name);

		ASSERT_EQ(0, ns_sysctl_set_int(NS_A, t->name, t->good));
		EXPECT_EQ(in_b, ns_sysctl_get(NS_B, t->name)) TH_LOG("%s", t->name);
		if (t->def) {
			EXPECT_EQ(t->def, in_b) TH_LOG("%s", t->name);
		}
	}
}

/* Close @c with the side in @first_ns first; TIME_WAIT lands there. */
static int close_first(struct conn *c, int first_ns)
{
	int *first = first_ns == NS_A ? &c->cli : &c->srv;
	int *second = first_ns == NS_A ? &c->srv : &c->cli;
	char ch;

	if (shutdown(*first, SHUT_WR) || recv(*second, &ch, 1, 0) != 0)
		return -1;
	close_fd(second);
	if (recv(*first, &ch, 1, 0) != 0)
		return -1;
	close_fd(first);
	return 0;
}

/* the values act per namespace: msl_ms=100 in A, default (30 s) in B */
TEST_F(sysctl, msl_applies_per_namespace)
{
	struct conn ca, cb;

	conn_init(&ca);
	conn_init(&cb);
	ASSERT_EQ(0, ns_sysctl_set_int(NS_A, "net/atcp/msl_ms", 100));
	ASSERT_EQ(0, conn_open(&ca, IPPROTO_ATCP, 5008));
	ASSERT_EQ(0, conn_open(&cb, IPPROTO_ATCP, 5009));
	ASSERT_EQ(0, close_first(&ca, NS_A));
	ASSERT_EQ(0, close_first(&cb, NS_B));
	ASSERT_TRUE(WAIT_UNTIL(conn_count(&ca, NS_A, TCP_TIME_WAIT) == 1 &&
			       conn_count(&cb, NS_B, TCP_TIME_WAIT) == 1, SOON_MS)) {
		proc_dump(NS_A, IPPROTO_ATCP);
		proc_dump(NS_B, IPPROTO_ATCP);
	}
	/* A's TIME_WAIT ends after 2 * 100 ms, B's lasts a minute */
	ASSERT_TRUE(WAIT_UNTIL(conn_count(&ca, NS_A, ANY) == 0, SOON_MS));
	sleep_ms(500);
	ASSERT_EQ(1, conn_count(&cb, NS_B, TCP_TIME_WAIT));
	conn_close(&ca);
	conn_close(&cb);
}

/* net.ipv4.tcp_notsent_lowat and net.atcp.notsent_lowat: the same values */
FIXTURE(lowat) {
	int dummy;
};

PROTO_VARIANTS(lowat);

FIXTURE_SETUP(lowat)
{
	NET_SETUP(variant->proto);
}

FIXTURE_TEARDOWN(lowat)
{
	net_teardown();
}

/* any unsigned int, default UINT_MAX; negative, beyond it, garbage: EINVAL */
TEST_F(lowat, unsigned_range)
{
	static const char *const good[] = { "0", "1", "16384", "2147483647", "2147483648",
					     "4294967294", "4294967295" };
	static const char *const bad[] = { "-1", "-2147483648", "4294967296",
					   "99999999999999999999", "abc", "12abc" };
	const char *name = variant->proto == IPPROTO_TCP ? "net/ipv4/tcp_notsent_lowat" :
							    "net/atcp/notsent_lowat";
	char buf[64];
	unsigned int i;

	ASSERT_EQ(0, ns_sysctl_str(NS_A, name, buf, sizeof(buf)));
	EXPECT_STREQ("4294967295", buf);
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		EXPECT_EQ(0, ns_sysctl_set(NS_A, name, good[i])) TH_LOG("%s", good[i]);
		ASSERT_EQ(0, ns_sysctl_str(NS_A, name, buf, sizeof(buf)));
		EXPECT_STREQ(good[i], buf);
	}
	ASSERT_EQ(0, ns_sysctl_set(NS_A, name, "65536"));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, ns_sysctl_set(NS_A, name, bad[i]))
			TH_LOG("%s = \"%s\" accepted", name, bad[i]);
		ASSERT_EQ(0, ns_sysctl_str(NS_A, name, buf, sizeof(buf)));
		EXPECT_STREQ("65536", buf) TH_LOG("changed by \"%s\"", bad[i]);
	}
	/* the other namespace keeps the default */
	ASSERT_EQ(0, ns_sysctl_str(NS_B, name, buf, sizeof(buf)));
	EXPECT_STREQ("4294967295", buf);
}

TEST_HARNESS_MAIN
