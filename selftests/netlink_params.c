// SPDX-License-Identifier: GPL-2.0
/*
 * atcp tunables: the net.atcp.* sysctls and the generic netlink family
 * "atcp" (PARAM_GET / PARAM_SET) show the same values, refuse the same
 * out-of-range values, start from the defaults in every new namespace and
 * stay per namespace.  Reads are open to everyone, writes need
 * CAP_NET_ADMIN over the namespace's user namespace.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include "atcp_nl.h"

FIXTURE(params) {
	int fd[NS_NR];		/* genl sockets in A and B */
	struct genl_fam fam;
};

FIXTURE_SETUP(params)
{
	int i;

	if (!proto_available(IPPROTO_ATCP))
		SKIP_SETUP("atcp not available (module not loaded?)");
	ASSERT_EQ(0, net_ns_create());
	for (i = NS_A; i <= NS_B; i++) {
		self->fd[i] = nl_socket_ns(i, NETLINK_GENERIC);
		ASSERT_GE(self->fd[i], 0);
	}
	ASSERT_EQ(0, genl_resolve(self->fd[NS_A], &self->fam));
	ASSERT_NE(0, self->fam.id);
	ASSERT_NE(0, self->fam.mcgrp);
}

FIXTURE_TEARDOWN(params)
{
	net_teardown();
}

/* the sysctl file names of net.atcp in @ns */
static int sysctl_names(int ns, char names[][64], int max)
{
	struct dirent *d;
	DIR *dir;
	int n = 0;

	if (ns_enter(ns))
		return -1;
	dir = opendir("/proc/sys/net/atcp");
	ns_enter(NS_ROOT);
	if (!dir)
		return -1;
	while ((d = readdir(dir)) && n < max) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(names[n++], 64, "%.63s", d->d_name);
	}
	closedir(dir);
	return n;
}

static long sysctl_get(int ns, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "net/atcp/%s", name);
	return ns_sysctl_get(ns, path);
}

static int sysctl_set(int ns, const char *name, long val)
{
	char path[128];

	snprintf(path, sizeof(path), "net/atcp/%s", name);
	return ns_sysctl_set_int(ns, path, val);
}

/* The dump lists every sysctl, with the sysctl's value, and the defaults. */
TEST_F(params, dump_matches_sysctl)
{
	static char names[MAX_PARAMS][64];
	struct genl_params ps;
	int n, i, j;

	ASSERT_EQ(0, genl_param_dump(self->fd[NS_A], &self->fam, &ps));
	n = sysctl_names(NS_A, names, MAX_PARAMS);
	ASSERT_GT(n, 5);
	/* every sysctl is a netlink parameter, integers and text alike */
	for (j = 0; j < n; j++) {
		bool found = false;

		for (i = 0; i < ps.n; i++)
			found |= !strcmp(names[j], ps.p[i].name);
		EXPECT_TRUE(found) TH_LOG("sysctl %s: no netlink parameter", names[j]);
	}
	for (i = 0; i < ps.n; i++) {
		struct genl_param *p = &ps.p[i];
		bool found = false;

		if (p->str[0])
			continue;	/* congestion_control: see string_param */

		for (j = 0; j < n; j++)
			found |= !strcmp(names[j], p->name);
		EXPECT_TRUE(found) TH_LOG("%s: no sysctl", p->name);
		EXPECT_EQ(p->value, sysctl_get(NS_A, p->name)) TH_LOG("%s", p->name);
		/* a new namespace starts from the defaults */
		EXPECT_EQ(p->def, p->value) TH_LOG("%s", p->name);
		EXPECT_LE(p->min, p->def);
		EXPECT_LE(p->def, p->max);
	}
}

/* Every tunable refuses values outside its range, through sysctl and netlink alike. */
TEST_F(params, out_of_range_refused)
{
	struct genl_param unknown;
	struct genl_params ps;
	int i;

	ASSERT_EQ(0, genl_param_dump(self->fd[NS_A], &self->fam, &ps));
	ASSERT_GT(ps.n, 0);
	for (i = 0; i < ps.n; i++) {
		struct genl_param *p = &ps.p[i], now;
		long bad[2] = { (long)p->min - 1, (long)p->max + 1 };
		int k;

		if (p->str[0])
			continue;

		for (k = 0; k < 2; k++) {
			EXPECT_EQ(-EINVAL, sysctl_set(NS_A, p->name, bad[k]))
				TH_LOG("sysctl %s = %ld accepted", p->name, bad[k]);
			if (bad[k] >= INT32_MIN && bad[k] <= INT32_MAX) {
				int err = genl_param_set(self->fd[NS_A], &self->fam, p->name,
							 (int)bad[k]);

				/* the policy refuses negative values (ERANGE), the range check the rest */
				EXPECT_TRUE(err == -EINVAL || (bad[k] < 0 && err == -ERANGE))
					TH_LOG("netlink %s = %ld: %d", p->name, bad[k], err);
				EXPECT_NE(0, nl_extack[0]) TH_LOG("%s: no extack message", p->name);
			}
		}
		/* nothing changed */
		EXPECT_EQ(p->value, sysctl_get(NS_A, p->name));
		ASSERT_EQ(0, genl_param_get(self->fd[NS_A], &self->fam, p->name, &now));
		EXPECT_EQ(p->value, now.value);
	}
	/* negative values fail the netlink policy itself */
	EXPECT_EQ(-ERANGE, genl_param_set(self->fd[NS_A], &self->fam, "msl_ms", -5));
	EXPECT_NE(0, nl_extack[0]);
	/* unknown names */
	EXPECT_EQ(-ENOENT, genl_param_set(self->fd[NS_A], &self->fam, "no_such_param", 1));
	EXPECT_STREQ("no such atcp parameter", nl_extack);
	EXPECT_EQ(-ENOENT, genl_param_get(self->fd[NS_A], &self->fam, "nope", &unknown));
}

static int sysctl_write_str(int ns, const char *name, const char *val)
{
	char path[128];
	int ret;

	snprintf(path, sizeof(path), "/proc/sys/net/atcp/%s", name);
	if (ns_enter(ns))
		return -errno;
	ret = access(path, F_OK) ? -ENOENT : write_file(path, val);
	ns_enter(NS_ROOT);
	return ret;
}

static int sysctl_read_str(int ns, const char *name, char *buf, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), "net/atcp/%s", name);
	return ns_sysctl_str(ns, path, buf, len);
}

/* congestion_control: the string tunable, through netlink and sysctl alike */
TEST_F(params, string_param)
{
	struct genl_param p;
	char buf[64];

	ASSERT_EQ(0, genl_param_get(self->fd[NS_A], &self->fam, "congestion_control", &p));
	ASSERT_EQ(0, sysctl_read_str(NS_A, "congestion_control", buf, sizeof(buf)));
	EXPECT_STREQ(buf, p.str);
	EXPECT_STREQ("cubic", p.str);	/* the default */

	ASSERT_EQ(0, genl_param_set_str(self->fd[NS_A], &self->fam, "congestion_control", "reno"));
	ASSERT_EQ(0, sysctl_read_str(NS_A, "congestion_control", buf, sizeof(buf)));
	EXPECT_STREQ("reno", buf);
	ASSERT_EQ(0, sysctl_write_str(NS_A, "congestion_control", "cubic"));
	ASSERT_EQ(0, genl_param_get(self->fd[NS_A], &self->fam, "congestion_control", &p));
	EXPECT_STREQ("cubic", p.str);

	EXPECT_EQ(-EINVAL, genl_param_set_str(self->fd[NS_A], &self->fam, "congestion_control",
					      "no_such_cc"));
	EXPECT_NE(0, nl_extack[0]);
	/* an integer for a string tunable, a string for an integer one */
	EXPECT_EQ(-EINVAL, genl_param_set(self->fd[NS_A], &self->fam, "congestion_control", 1));
	EXPECT_EQ(-EINVAL, genl_param_set_str(self->fd[NS_A], &self->fam, "msl_ms", "100"));
	ASSERT_EQ(0, genl_param_get(self->fd[NS_B], &self->fam, "congestion_control", &p));
	EXPECT_STREQ("cubic", p.str);
}

/* A text sysctl as netlink shows it: the same words, separated by single spaces. */
static void sysctl_read_words(int ns, const char *name, char *out, size_t size)
{
	char buf[256], *w, *save = NULL;

	out[0] = 0;
	if (sysctl_read_str(ns, name, buf, sizeof(buf)))
		return;
	for (w = strtok_r(buf, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
		if (out[0])
			strncat(out, " ", size - strlen(out) - 1);
		strncat(out, w, size - strlen(out) - 1);
	}
}

/*
 * The triples rmem/wmem (and mem in the initial namespace) and the read-only
 * available_congestion_control: same values through netlink and sysctl, the
 * same refusals, per namespace.
 */
TEST_F(params, text_params)
{
	static const char *const bad[] = { "0 1 2", "3 2 1", "-1 2 3", "a b c" };
	static const char *const triples[] = { "rmem", "wmem" };
	struct genl_param p;
	char buf[256], before[256];
	unsigned int i, j;

	for (i = 0; i < 2; i++) {
		const char *name = triples[i];

		ASSERT_EQ(0, genl_param_get(self->fd[NS_A], &self->fam, name, &p));
		sysctl_read_words(NS_A, name, buf, sizeof(buf));
		EXPECT_STREQ(buf, p.str);
		/* netlink -> sysctl */
		ASSERT_EQ(0, genl_param_set_str(self->fd[NS_A], &self->fam, name,
						"8192 65536 1048576"));
		sysctl_read_words(NS_A, name, buf, sizeof(buf));
		EXPECT_STREQ("8192 65536 1048576", buf);
		/* sysctl -> netlink */
		ASSERT_EQ(0, sysctl_write_str(NS_A, name, "4096 131072 2097152"));
		ASSERT_EQ(0, genl_param_get(self->fd[NS_A], &self->fam, name, &p));
		EXPECT_STREQ("4096 131072 2097152", p.str);
		/* refused, with a message, nothing changed */
		for (j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
			nl_extack[0] = 0;
			EXPECT_EQ(-EINVAL, genl_param_set_str(self->fd[NS_A], &self->fam, name,
							      bad[j])) TH_LOG("%s \"%s\"", name, bad[j]);
			EXPECT_NE(0, nl_extack[0]);
		}
		sysctl_read_words(NS_A, name, buf, sizeof(buf));
		EXPECT_STREQ("4096 131072 2097152", buf);
		/* the other namespace kept its own value */
		ASSERT_EQ(0, genl_param_get(self->fd[NS_B], &self->fam, name, &p));
		EXPECT_STRNE("4096 131072 2097152", p.str);
	}

	ASSERT_EQ(0, genl_param_get(self->fd[NS_A], &self->fam,
				    "available_congestion_control", &p));
	sysctl_read_words(NS_A, "available_congestion_control", buf, sizeof(buf));
	EXPECT_STREQ(buf, p.str);
	EXPECT_NE(NULL, strstr(p.str, "cubic"));
	EXPECT_EQ(-EPERM, genl_param_set_str(self->fd[NS_A], &self->fam,
					     "available_congestion_control", "reno"));
	EXPECT_STREQ("read-only parameter", nl_extack);

	/* net.atcp.mem is global: only the initial namespace has it */
	EXPECT_EQ(-ENOENT, genl_param_get(self->fd[NS_A], &self->fam, "mem", &p));
	if (sysctl_read_str(NS_ROOT, "mem", before, sizeof(before)) == 0) {
		int fd = nl_socket_ns(NS_ROOT, NETLINK_GENERIC);

		ASSERT_GE(fd, 0);
		ASSERT_EQ(0, genl_param_get(fd, &self->fam, "mem", &p));
		sysctl_read_words(NS_ROOT, "mem", buf, sizeof(buf));
		EXPECT_STREQ(buf, p.str);
		EXPECT_EQ(-EINVAL, genl_param_set_str(fd, &self->fam, "mem", "3 2 1"));
		sysctl_read_words(NS_ROOT, "mem", buf, sizeof(buf));
		EXPECT_STREQ(buf, p.str);
		close(fd);
	}
}

/* The sysctls that are not integers refuse bad values too. */
TEST_F(params, non_integer_sysctls_refuse)
{
	static const char *const triples[] = { "rmem", "wmem", "mem" };
	/* below the minimum, out of order, negative, not numbers */
	static const char *const bad[] = { "0 1 2", "3 2 1", "-1 2 3", "a b c" };
	unsigned int i, j;

	EXPECT_NE(0, sysctl_write_str(NS_A, "congestion_control", "no_such_cc"));
	EXPECT_EQ(0, sysctl_write_str(NS_A, "congestion_control", "reno"));
	EXPECT_NE(0, sysctl_write_str(NS_A, "available_congestion_control", "reno"));
	for (i = 0; i < 3; i++) {
		if (sysctl_write_str(NS_A, triples[i], "") == -ENOENT)
			continue;	/* net.atcp.mem: initial namespace only */
		for (j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
			const char *v = bad[j];

			EXPECT_NE(0, sysctl_write_str(NS_A, triples[i], v)) {
				TH_LOG("%s = \"%s\" accepted", triples[i], v);
			}
		}
	}
}

/* A value set through netlink reads back through sysctl, and the reverse. */
TEST_F(params, netlink_sysctl_same_value)
{
	struct genl_params ps;
	int i;

	ASSERT_EQ(0, genl_param_dump(self->fd[NS_A], &self->fam, &ps));
	for (i = 0; i < ps.n; i++) {
		struct genl_param *p = &ps.p[i], now;
		int v1 = p->value != p->min ? p->min : p->min + 1;

		if (p->str[0])
			continue;
		int v2 = p->value != p->max ? p->max : p->max - 1;

		ASSERT_EQ(0, genl_param_set(self->fd[NS_A], &self->fam, p->name, v1))
			TH_LOG("%s = %d: %s", p->name, v1, nl_extack);
		EXPECT_EQ(v1, sysctl_get(NS_A, p->name)) TH_LOG("%s", p->name);

		ASSERT_EQ(0, sysctl_set(NS_A, p->name, v2)) TH_LOG("%s = %d", p->name, v2);
		ASSERT_EQ(0, genl_param_get(self->fd[NS_A], &self->fam, p->name, &now));
		EXPECT_EQ(v2, now.value) TH_LOG("%s", p->name);

		/* the other namespace keeps its own value */
		EXPECT_EQ(p->value, sysctl_get(NS_B, p->name)) TH_LOG("%s", p->name);
		ASSERT_EQ(0, genl_param_get(self->fd[NS_B], &self->fam, p->name, &now));
		EXPECT_EQ(p->value, now.value);

		ASSERT_EQ(0, genl_param_set(self->fd[NS_A], &self->fam, p->name, p->value));
	}
}

/* rto_min_ms <= rto_max_ms holds through netlink as through sysctl, with a reason */
TEST_F(params, rto_order)
{
	struct genl_param now;

	ASSERT_EQ(0, genl_param_set(self->fd[NS_A], &self->fam, "rto_max_ms", 5000));
	EXPECT_EQ(-EINVAL, genl_param_set(self->fd[NS_A], &self->fam, "rto_min_ms", 5001));
	EXPECT_STREQ("rto_min_ms may not exceed rto_max_ms", nl_extack);
	ASSERT_EQ(0, genl_param_get(self->fd[NS_A], &self->fam, "rto_min_ms", &now));
	EXPECT_EQ(200, now.value);
	ASSERT_EQ(0, sysctl_set(NS_A, "rto_min_ms", 5000));
	EXPECT_EQ(-EINVAL, genl_param_set(self->fd[NS_A], &self->fam, "rto_max_ms", 4000));
	EXPECT_STREQ("rto_min_ms may not exceed rto_max_ms", nl_extack);
	EXPECT_EQ(5000, sysctl_get(NS_A, "rto_max_ms"));
}

/* drop CAP_NET_ADMIN (and everything else) but stay uid 0 */
static int drop_caps(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { };

	return syscall(SYS_capset, &h, d);
}

static int run_child(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Who a child becomes before it looks at the parameters of its netns. */
enum who {
	AS_USER,	/* uid 65534 */
	AS_NOCAP,	/* root without any capability */
	AS_ROOT_USERNS,	/* root in a new user namespace (not the netns' owner) */
	AS_USER_USERNS,	/* uid 65534, root in a user namespace of its own */
	AS_USER_OWNER,	/* ... which owns a new netns the child is in */
	AS_OWNER_NOCAP,	/* ... and then drops its capabilities there */
};

/* child exit codes */
enum {
	CHILD_OK,
	CHILD_READ,	/* a read (netlink or sysctl) failed */
	CHILD_SET,	/* a write was not refused, or refused when it should work */
	CHILD_SETUP,
	CHILD_NO_USERNS,	/* no user namespaces in this environment */
	CHILD_NOT_TCP,	/* the atcp sysctl allows what TCP's refuses, or the reverse */
};

/* uid 65534 with no supplementary groups (not even root's) */
static int become_user(void)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return -1;
	/* a setuid process is not dumpable: its /proc/self files are root's */
	return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

/* unshare(@flags | CLONE_NEWUSER) mapping our uid and gid to root inside */
static int new_userns(int flags)
{
	char map[32];

	if (unshare(CLONE_NEWUSER | flags))
		return errno == EPERM || errno == ENOSPC || errno == EINVAL ?
		       CHILD_NO_USERNS : CHILD_SETUP;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)getuid());
	if (write_file("/proc/self/uid_map", map) ||
	    write_file("/proc/self/setgroups", "deny"))
		return CHILD_SETUP;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)getgid());
	return write_file("/proc/self/gid_map", map) ? CHILD_SETUP : CHILD_OK;
}

static int become(enum who who)
{
	int ret = CHILD_OK;

	if (who >= AS_USER_USERNS || who == AS_USER)
		if (become_user())
			return CHILD_SETUP;
	if (who == AS_NOCAP)
		return drop_caps() ? CHILD_SETUP : CHILD_OK;
	if (who == AS_ROOT_USERNS)
		ret = unshare(CLONE_NEWUSER) ? errno == EPERM ? CHILD_NO_USERNS :
		      CHILD_SETUP : CHILD_OK;
	if (who == AS_USER_USERNS)
		ret = new_userns(0);
	if (who >= AS_USER_OWNER)
		ret = new_userns(CLONE_NEWNET);
	if (!ret && who == AS_OWNER_NOCAP && drop_caps())
		ret = CHILD_SETUP;
	return ret;
}

/*
 * Read sysctl @name of the current netns, then write the value back
 * (@val: write that instead).  Returns 0 when the read worked, with
 * *@werr = 0 or the errno of the write.
 */
static int sysctl_rw(const char *name, const char *val, int *werr)
{
	char path[128], buf[64] = "";
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	*werr = -write_file(path, val ? val : buf);
	return 0;
}

/*
 * Read everything, try to set: netlink PARAM_SET must fail with EPERM,
 * net.atcp.msl_ms must be exactly as writable as Linux TCP's per-netns
 * net.ipv4.tcp_fin_timeout, and not writable at all by the unprivileged.
 */
static int read_not_set(void *arg)
{
	enum who who = (long)arg;
	struct genl_params ps;
	struct genl_fam fam;
	struct genl_param p;
	int fd, ret, atcp_err, tcp_err;

	ret = become(who);
	if (ret)
		return ret;
	fd = nl_socket_ns(NS_ROOT, NETLINK_GENERIC);
	if (fd < 0 || genl_resolve(fd, &fam))
		return CHILD_SETUP;
	if (genl_param_get(fd, &fam, "msl_ms", &p) || p.value <= 0 ||
	    genl_param_dump(fd, &fam, &ps) || ps.n < 5)
		return CHILD_READ;
	if (genl_param_set(fd, &fam, "msl_ms", 1234) != -EPERM)
		return CHILD_SET;
	if (sysctl_rw("net/atcp/msl_ms", NULL, &atcp_err) ||
	    sysctl_rw("net/ipv4/tcp_fin_timeout", NULL, &tcp_err))
		return CHILD_READ;
	if (atcp_err != tcp_err)
		return CHILD_NOT_TCP;
	/* root's uid passes the sysctl file's mode, as it does for TCP */
	if (who != AS_NOCAP && who != AS_ROOT_USERNS && !atcp_err)
		return CHILD_SET;
	return CHILD_OK;
}

/* Reads are open to everyone; writes need CAP_NET_ADMIN: EPERM otherwise. */
TEST_F(params, unprivileged_read_only)
{
	struct genl_param p;

	/* the children run in A */
	ASSERT_EQ(0, ns_enter(NS_A));
	EXPECT_EQ(CHILD_OK, run_child(read_not_set, (void *)AS_USER));
	EXPECT_EQ(CHILD_OK, run_child(read_not_set, (void *)AS_NOCAP));
	ASSERT_EQ(0, ns_enter(NS_ROOT));
	ASSERT_EQ(0, genl_param_get(self->fd[NS_A], &self->fam, "msl_ms", &p));
	EXPECT_NE(1234, p.value);
	EXPECT_EQ(p.value, sysctl_get(NS_A, "msl_ms"));
}

/* Run read_not_set(@who) in A; SKIP when there are no user namespaces. */
#define USERNS_READ_ONLY(who) do {					\
	int __ret;							\
									\
	ASSERT_EQ(0, ns_enter(NS_A));					\
	__ret = run_child(read_not_set, (void *)(who));			\
	ASSERT_EQ(0, ns_enter(NS_ROOT));				\
	if (__ret == CHILD_NO_USERNS)					\
		SKIP(return, "no user namespaces in this environment");\
	EXPECT_EQ(CHILD_OK, __ret);					\
	EXPECT_NE(1234, sysctl_get(NS_A, "msl_ms"));			\
} while (0)

/*
 * Root of a user namespace that does not own the netns: netlink reads but
 * may not set.  (Its uid is still root's: the sysctl files let it write,
 * for TCP as for atcp.)
 */
TEST_F(params, root_userns_read_only)
{
	USERNS_READ_ONLY(AS_ROOT_USERNS);
}

/* An unprivileged user's user namespace reads but sets nothing, sysctl nor netlink. */
TEST_F(params, user_userns_read_only)
{
	USERNS_READ_ONLY(AS_USER_USERNS);
}

/*
 * In a netns owned by an unprivileged user namespace, a process of that
 * namespace without CAP_NET_ADMIN reads but sets nothing either.
 */
TEST_F(params, userns_owner_nocap_read_only)
{
	USERNS_READ_ONLY(AS_OWNER_NOCAP);
}

/* The owner of a new netns sets its parameters, through netlink and sysctl, as for TCP. */
static int userns_owner_check(void *arg)
{
	struct genl_fam fam;
	struct genl_param p;
	int fd, ret, err;

	(void)arg;
	ret = become(AS_USER_OWNER);
	if (ret)
		return ret;
	fd = nl_socket_ns(NS_ROOT, NETLINK_GENERIC);
	if (fd < 0 || genl_resolve(fd, &fam))
		return CHILD_SETUP;
	if (genl_param_set(fd, &fam, "msl_ms", 4321))
		return CHILD_SET;
	if (genl_param_get(fd, &fam, "msl_ms", &p) || p.value != 4321)
		return CHILD_READ;
	if (sysctl_rw("net/ipv4/tcp_fin_timeout", "17", &err) || err)
		return CHILD_NOT_TCP;
	if (sysctl_rw("net/atcp/msl_ms", "4322", &err))
		return CHILD_READ;
	if (err)
		return CHILD_SET;
	if (genl_param_get(fd, &fam, "msl_ms", &p) || p.value != 4322)
		return CHILD_READ;
	return CHILD_OK;
}

/* CAP_NET_ADMIN in the user namespace that owns the netns is enough. */
TEST_F(params, userns_owner_may_set)
{
	int ret = run_child(userns_owner_check, NULL);

	if (ret == CHILD_NO_USERNS)
		SKIP(return, "no user namespaces in this environment");
	EXPECT_EQ(CHILD_OK, ret);
	/* and it did not touch any other namespace */
	EXPECT_NE(4321, sysctl_get(NS_A, "msl_ms"));
	EXPECT_NE(4322, sysctl_get(NS_A, "msl_ms"));
	EXPECT_NE(4322, sysctl_get(NS_ROOT, "msl_ms"));
}

TEST_HARNESS_MAIN
