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

	if (!atcp_available())
		CTL_SKIP_SETUP("atcp not available (module not loaded?)");
	ASSERT_EQ(0, ctl_net_setup(false));
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
	ctl_net_teardown();
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
	ret = access(path, F_OK) ? -ENOENT : ctl_write_file(path, val);
	ns_enter(NS_ROOT);
	return ret;
}

static int sysctl_read_str(int ns, const char *name, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/atcp/%s", name);
	if (ns_enter(ns))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ns_enter(NS_ROOT);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
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

/*
 * exit codes: 0 ok, 1 get failed, 2 set not refused with EPERM, 3 setup,
 * 4 no user namespaces here (the test VM runs tests in a chroot, where
 * unshare(CLONE_NEWUSER) fails with EPERM)
 */
static int unpriv_check(void *arg)
{
	const char *how = arg;
	struct genl_fam fam;
	struct genl_param p;
	int fd, err;

	if (!strcmp(how, "user")) {
		/* an ordinary user */
		if (setgid(65534) || setuid(65534))
			return 3;
	} else if (!strcmp(how, "nocap")) {
		/* root without CAP_NET_ADMIN */
		if (drop_caps())
			return 3;
	} else {
		/* root of a new user namespace, which does not own this netns */
		if (unshare(CLONE_NEWUSER))
			return errno == EPERM ? 4 : 3;
	}
	fd = nl_socket_ns(NS_ROOT, NETLINK_GENERIC);
	if (fd < 0 || genl_resolve(fd, &fam))
		return 3;
	if (genl_param_get(fd, &fam, "msl_ms", &p) || p.value <= 0)
		return 1;
	{
		struct genl_params ps;

		if (genl_param_dump(fd, &fam, &ps) || ps.n < 5)
			return 1;
	}
	err = genl_param_set(fd, &fam, "msl_ms", 1234);
	if (err != -EPERM)
		return 2;
	return 0;
}

/* Reads are open to everyone; writes need CAP_NET_ADMIN: EPERM otherwise. */
TEST_F(params, unprivileged_read_only)
{
	struct genl_param p;

	/* the child runs in A */
	int userns;

	ASSERT_EQ(0, ns_enter(NS_A));
	EXPECT_EQ(0, run_child(unpriv_check, "user"));
	EXPECT_EQ(0, run_child(unpriv_check, "nocap"));
	userns = run_child(unpriv_check, "userns");
	ASSERT_EQ(0, ns_enter(NS_ROOT));
	if (userns == 4)
		TH_LOG("no user namespaces in this environment (chroot): userns case not run");
	else
		EXPECT_EQ(0, userns);
	ASSERT_EQ(0, genl_param_get(self->fd[NS_A], &self->fam, "msl_ms", &p));
	EXPECT_NE(1234, p.value);
	EXPECT_EQ(p.value, sysctl_get(NS_A, "msl_ms"));
}

static int userns_owner_check(void *arg)
{
	struct genl_fam fam;
	struct genl_param p;
	int fd;

	(void)arg;
	/* a user namespace with its own network namespace administers that one */
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return errno == EPERM ? 4 : 3;
	fd = nl_socket_ns(NS_ROOT, NETLINK_GENERIC);
	if (fd < 0 || genl_resolve(fd, &fam))
		return 3;
	if (genl_param_set(fd, &fam, "msl_ms", 4321))
		return 2;
	if (genl_param_get(fd, &fam, "msl_ms", &p) || p.value != 4321)
		return 1;
	return 0;
}

/* CAP_NET_ADMIN in the user namespace that owns the netns is enough. */
TEST_F(params, userns_owner_may_set)
{
	int ret = run_child(userns_owner_check, NULL);

	if (ret == 4)
		SKIP(return, "no user namespaces in this environment (chroot)");
	EXPECT_EQ(0, ret);
	/* and it did not touch any other namespace */
	EXPECT_NE(4321, sysctl_get(NS_A, "msl_ms"));
}

TEST_HARNESS_MAIN
