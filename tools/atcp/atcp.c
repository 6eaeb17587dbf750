// SPDX-License-Identifier: GPL-2.0
/*
 * atcp - inspect and tune atcp (IP protocol 253), iproute2 style.
 *
 *   atcp [-j] ss [-l|-a] [-i] [state STATE]... [sport N] [dport N]
 *   atcp [-j] stat [-z] [-a] [-r] [-n] [-s] [-d SECONDS]
 *   atcp [-j] monitor [-c COUNT]
 *   atcp [-j] param [NAME [VALUE]]
 *   atcp [-j] diagram [--dot] [--svg FILE] [--netns NAME]...
 *   atcp [-j] trace [-c COUNT] [-t SECONDS] [port N]... [addr A]... [--svg FILE] [--pcap FILE]
 *
 * ss talks NETLINK_SOCK_DIAG (atcp_diag.ko); everything else talks to the
 * generic netlink family "atcp".  Everything is about the network
 * namespace atcp runs in, but trace (trace.c: tracefs, every namespace).
 * See atcp(8).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include <linux/atcp.h>
#include "atcp_sysfs.h"
#include "atcp_tool.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

bool json;
static const char *prog = "atcp";

/* ------------------------------------------------------------ names */

static const char *const state_names[ATCP_MAX_STATES] = {
	"UNKNOWN",	/* 0 */
#define STATE_NAME(id, name, ss_name) name,
	ATCP_STATE_LIST(STATE_NAME)
#undef STATE_NAME
};

/* ss spells states its own way */
static const char *const ss_state_names[ATCP_MAX_STATES] = {
	"UNKNOWN",	/* 0 */
#define SS_STATE_NAME(id, name, ss_name) ss_name,
	ATCP_STATE_LIST(SS_STATE_NAME)
#undef SS_STATE_NAME
};

static const char *state_name(unsigned int st)
{
	return st < ATCP_MAX_STATES ? state_names[st] : "?";
}

static const char *const timer_names[] = {
	[ATCP_TIMER_NONE]	= "none",
	[ATCP_TIMER_RETRANSMIT]	= "retransmit",
	[ATCP_TIMER_DELACK]	= "delack",
	[ATCP_TIMER_FIN_WAIT2]	= "fin_wait2",
	[ATCP_TIMER_TIME_WAIT]	= "time_wait",
	[ATCP_TIMER_KEEPALIVE]	= "keepalive",
};

static const char *const syscall_names[] = {
	[ATCP_SYSCALL_NONE]		= "none",
	[ATCP_SYSCALL_CONNECT]		= "connect",
	[ATCP_SYSCALL_LISTEN]		= "listen",
	[ATCP_SYSCALL_CLOSE]		= "close",
	[ATCP_SYSCALL_SHUTDOWN]		= "shutdown",
	[ATCP_SYSCALL_DISCONNECT]	= "disconnect",
	[ATCP_SYSCALL_SETSOCKOPT]	= "setsockopt",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void flags_str(unsigned int flags, char *buf, size_t len)
{
	static const struct { unsigned int bit; const char *name; } f[] = {
		{ ATCP_FLAG_SYN, "SYN" }, { ATCP_FLAG_ACK, "ACK" }, { ATCP_FLAG_FIN, "FIN" },
		{ ATCP_FLAG_RST, "RST" }, { ATCP_FLAG_PSH, "PSH" },
	};
	size_t i, n = 0;

	buf[0] = 0;
	for (i = 0; i < ARRAY_SIZE(f); i++) {
		if (!(flags & f[i].bit))
			continue;
		n += snprintf(buf + n, len > n ? len - n : 0, "%s%s", n ? "|" : "", f[i].name);
	}
	if (!n)
		snprintf(buf, len, "none");
}

static void cause_str(unsigned int cause, unsigned int detail, char *buf, size_t len)
{
	char fl[32];

	switch (cause) {
	case ATCP_CAUSE_SEGMENT:
		flags_str(detail, fl, sizeof(fl));
		snprintf(buf, len, "segment %s", fl);
		break;
	case ATCP_CAUSE_TIMER:
		snprintf(buf, len, "timer %s",
			 detail < ARRAY_SIZE(timer_names) ? timer_names[detail] : "?");
		break;
	case ATCP_CAUSE_SYSCALL:
		snprintf(buf, len, "syscall %s",
			 detail < ARRAY_SIZE(syscall_names) ? syscall_names[detail] : "?");
		break;
	default:
		snprintf(buf, len, "unknown");
	}
}

static const char *cause_kind(unsigned int cause)
{
	switch (cause) {
	case ATCP_CAUSE_SEGMENT:
		return "segment";
	case ATCP_CAUSE_TIMER:
		return "timer";
	case ATCP_CAUSE_SYSCALL:
		return "syscall";
	}
	return "unknown";
}

static const char *cause_detail(unsigned int cause, unsigned int detail, char *buf, size_t len)
{
	switch (cause) {
	case ATCP_CAUSE_SEGMENT:
		flags_str(detail, buf, len);
		return buf;
	case ATCP_CAUSE_TIMER:
		return detail < ARRAY_SIZE(timer_names) ? timer_names[detail] : "?";
	case ATCP_CAUSE_SYSCALL:
		return detail < ARRAY_SIZE(syscall_names) ? syscall_names[detail] : "?";
	}
	return "";
}

/* ------------------------------------------------------------ netlink */

void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

struct nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	char buf[65536];
	char errmsg[256];	/* extack message of the last error */
};

static struct nl *nl_open(int bus)
{
	struct nl *nl = calloc(1, sizeof(*nl));
	int one = 1;

	if (!nl)
		die("out of memory");
	nl->sock = mnl_socket_open(bus);
	if (!nl->sock)
		die("netlink socket: %s", strerror(errno));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink bind: %s", strerror(errno));
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = time(NULL);
	return nl;
}

struct talk_ctx {
	struct nl *nl;
	mnl_cb_t cb;
	void *data;
};

static int nl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct talk_ctx *ctx = data;

	return ctx->cb(nlh, ctx->data);
}

static int nl_err_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	struct nl *nl = ((struct talk_ctx *)data)->nl;
	const struct nlattr *attr;
	size_t off;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!err->error)
		return MNL_CB_STOP;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		off = sizeof(*err);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
		mnl_attr_for_each(attr, nlh, off) {
			if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG)
				snprintf(nl->errmsg, sizeof(nl->errmsg), "%s",
					 mnl_attr_get_str(attr));
		}
	}
	errno = -err->error;
	return MNL_CB_ERROR;
}

static int nl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	const int *err = mnl_nlmsg_get_payload(nlh);

	(void)data;
	if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(int)) && *err < 0) {
		errno = -*err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static int nl_noop_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

/* Send @nlh and run @cb on every reply until the ACK or the end of the dump. */
static int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_NOOP] = nl_noop_cb,
		[NLMSG_ERROR] = nl_err_cb,
		[NLMSG_DONE] = nl_done_cb,
	};
	struct talk_ctx ctx = { nl, cb, data };
	unsigned int seq = nlh->nlmsg_seq = ++nl->seq;
	int ret;

	nl->errmsg[0] = 0;
	if (!(nlh->nlmsg_flags & NLM_F_DUMP))
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -1;
	for (;;) {
		ret = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (ret <= 0)
			return -1;
		ret = mnl_cb_run2(nl->buf, ret, seq, nl->portid, nl_data_cb, &ctx,
				  ctl, NLMSG_MIN_TYPE);
		if (ret <= 0)
			break;
	}
	return ret < 0 ? -1 : 0;
}

/* ------------------------------------------------------------ genl */

struct genl {
	struct nl *nl;
	uint16_t family;
	uint32_t mcgrp_events;
};

struct family_info {
	uint16_t id;
	uint32_t mcgrp;
};

static int family_mcgrp_cb(const struct nlattr *attr, void *data)
{
	struct family_info *fi = data;
	const struct nlattr *a;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested(a, attr) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME)
			name = mnl_attr_get_str(a);
		else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID)
			id = mnl_attr_get_u32(a);
	}
	if (name && !strcmp(name, ATCP_GENL_MCGRP_EVENTS))
		fi->mcgrp = id;
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct family_info *fi = data;
	const struct nlattr *attr, *grp;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(attr)) {
		case CTRL_ATTR_FAMILY_ID:
			fi->id = mnl_attr_get_u16(attr);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(grp, attr)
				family_mcgrp_cb(grp, fi);
			break;
		}
	}
	return MNL_CB_OK;
}

static struct nlmsghdr *genl_msg(struct nl *nl, uint16_t type, uint8_t cmd, uint8_t version,
				 uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

static struct genl *genl_open(void)
{
	struct genl *g = calloc(1, sizeof(*g));
	struct family_info fi = { 0 };
	struct nlmsghdr *nlh;

	if (!g)
		die("out of memory");
	g->nl = nl_open(NETLINK_GENERIC);
	nlh = genl_msg(g->nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, ATCP_GENL_NAME);
	if (nl_talk(g->nl, nlh, family_cb, &fi) < 0 || !fi.id)
		die("generic netlink family \"%s\" not found: is atcp.ko loaded?",
		    ATCP_GENL_NAME);
	g->family = fi.id;
	g->mcgrp_events = fi.mcgrp;
	return g;
}

static void genl_fail(struct genl *g, const char *what)
{
	if (g->nl->errmsg[0])
		die("%s: %s (%s)", what, strerror(errno), g->nl->errmsg);
	die("%s: %s", what, strerror(errno));
}

/* ------------------------------------------------------------ json */

static bool json_first = true;

void json_sep(void)
{
	if (!json_first)
		putchar(',');
	json_first = false;
}

void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

void json_kv_str(const char *k, const char *v)
{
	json_sep();
	json_str(k);
	putchar(':');
	json_str(v);
}

void json_kv_u64(const char *k, uint64_t v)
{
	json_sep();
	json_str(k);
	printf(":%" PRIu64, v);
}

void json_kv_s64(const char *k, int64_t v)
{
	json_sep();
	json_str(k);
	printf(":%" PRId64, v);
}

void json_open(char c)
{
	json_sep();
	putchar(c);
	json_first = true;
}

void json_open_key(const char *k, char c)
{
	json_sep();
	json_str(k);
	putchar(':');
	putchar(c);
	json_first = true;
}

void json_close(char c)
{
	putchar(c);
	json_first = false;
}

/* ------------------------------------------------------------ param */

struct param {
	char name[64];
	char str[128];		/* a text tunable's value; "" for integers */
	int32_t value, min, max, def;
	bool readonly;
};

static int param_cb(const struct nlmsghdr *nlh, void *data)
{
	struct param p = { .name = "" };
	const struct nlattr *attr;

	(void)data;
	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(attr)) {
		case ATCP_A_PARAM_NAME:
			snprintf(p.name, sizeof(p.name), "%s", mnl_attr_get_str(attr));
			break;
		case ATCP_A_PARAM_VALUE:
			p.value = (int32_t)mnl_attr_get_u32(attr);
			break;
		case ATCP_A_PARAM_MIN:
			p.min = (int32_t)mnl_attr_get_u32(attr);
			break;
		case ATCP_A_PARAM_MAX:
			p.max = (int32_t)mnl_attr_get_u32(attr);
			break;
		case ATCP_A_PARAM_DEFAULT:
			p.def = (int32_t)mnl_attr_get_u32(attr);
			break;
		case ATCP_A_PARAM_STRING:
			snprintf(p.str, sizeof(p.str), "%s", mnl_attr_get_str(attr));
			break;
		case ATCP_A_PARAM_READONLY:
			p.readonly = true;
			break;
		}
	}
	if (p.str[0]) {
		if (json) {
			json_open('{');
			json_kv_str("name", p.name);
			json_kv_str("value", p.str);
			if (p.readonly)
				json_kv_str("access", "read-only");
			json_close('}');
		} else {
			printf("%-20s %10s%s\n", p.name, p.str, p.readonly ? "   (read-only)" : "");
		}
		return MNL_CB_OK;
	}
	if (json) {
		json_open('{');
		json_kv_str("name", p.name);
		json_kv_s64("value", p.value);
		json_kv_s64("min", p.min);
		json_kv_s64("max", p.max);
		json_kv_s64("default", p.def);
		json_close('}');
	} else {
		printf("%-20s %10d   (range %d..%d, default %d)\n", p.name, p.value, p.min,
		       p.max, p.def);
	}
	return MNL_CB_OK;
}

static const char *param_strip(const char *name)
{
	if (!strncmp(name, "net.atcp.", 9))
		return name + 9;
	if (!strncmp(name, "net/atcp/", 9))
		return name + 9;
	return name;
}

static int cmd_param(int argc, char **argv)
{
	struct genl *g = genl_open();
	struct nlmsghdr *nlh;
	char *end;
	long val;

	if (argc > 2)
		die("usage: atcp param [NAME [VALUE]]");
	if (json)
		json_open('[');
	if (argc == 0) {
		nlh = genl_msg(g->nl, g->family, ATCP_CMD_PARAM_GET, ATCP_GENL_VERSION, NLM_F_DUMP);
		if (nl_talk(g->nl, nlh, param_cb, NULL) < 0)
			genl_fail(g, "param dump");
	} else if (argc == 1) {
		nlh = genl_msg(g->nl, g->family, ATCP_CMD_PARAM_GET, ATCP_GENL_VERSION, 0);
		mnl_attr_put_strz(nlh, ATCP_A_PARAM_NAME, param_strip(argv[0]));
		if (nl_talk(g->nl, nlh, param_cb, NULL) < 0)
			genl_fail(g, argv[0]);
	} else {
		errno = 0;
		val = strtol(argv[1], &end, 0);
		nlh = genl_msg(g->nl, g->family, ATCP_CMD_PARAM_SET, ATCP_GENL_VERSION, 0);
		mnl_attr_put_strz(nlh, ATCP_A_PARAM_NAME, param_strip(argv[0]));
		/* text tunables (names, "min mid max" triples) take the string */
		mnl_attr_put_strz(nlh, ATCP_A_PARAM_STRING, argv[1]);
		if (!errno && !*end && end != argv[1] && val >= INT32_MIN && val <= INT32_MAX)
			mnl_attr_put_u32(nlh, ATCP_A_PARAM_VALUE, (uint32_t)(int32_t)val);
		if (nl_talk(g->nl, nlh, param_cb, NULL) < 0)
			genl_fail(g, argv[0]);
	}
	if (json)
		printf("]\n");
	return 0;
}

/* ------------------------------------------------------------ stats */

#define MAX_MIBS 64

struct stats {
	unsigned int n;
	char name[MAX_MIBS][48];
	uint64_t val[MAX_MIBS];
	uint64_t edge[ATCP_MAX_STATES][ATCP_MAX_STATES];
};

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct stats *st = data;
	const struct nlattr *attr, *a;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) == ATCP_A_STATS_MIB && st->n < MAX_MIBS) {
			const char *name = "?";
			uint64_t v = 0;

			mnl_attr_for_each_nested(a, attr) {
				if (mnl_attr_get_type(a) == ATCP_A_MIB_NAME)
					name = mnl_attr_get_str(a);
				else if (mnl_attr_get_type(a) == ATCP_A_MIB_VALUE)
					v = mnl_attr_get_u64(a);
			}
			snprintf(st->name[st->n], sizeof(st->name[0]), "Atcp%s", name);
			st->val[st->n++] = v;
		} else if (mnl_attr_get_type(attr) == ATCP_A_STATS_EDGE) {
			unsigned int from = 0, to = 0;
			uint64_t c = 0;

			mnl_attr_for_each_nested(a, attr) {
				if (mnl_attr_get_type(a) == ATCP_A_EDGE_FROM)
					from = mnl_attr_get_u8(a);
				else if (mnl_attr_get_type(a) == ATCP_A_EDGE_TO)
					to = mnl_attr_get_u8(a);
				else if (mnl_attr_get_type(a) == ATCP_A_EDGE_COUNT)
					c = mnl_attr_get_u64(a);
			}
			if (from < ATCP_MAX_STATES && to < ATCP_MAX_STATES)
				st->edge[from][to] = c;
		}
	}
	return MNL_CB_OK;
}

static void stats_get(struct genl *g, struct stats *st)
{
	struct nlmsghdr *nlh;

	memset(st, 0, sizeof(*st));
	nlh = genl_msg(g->nl, g->family, ATCP_CMD_STATS_GET, ATCP_GENL_VERSION, 0);
	if (nl_talk(g->nl, nlh, stats_cb, st) < 0)
		genl_fail(g, "stats");
}

static bool is_gauge(const char *name)
{
	return !strncmp(name, "AtcpCurr", 8);
}

/* Subtract @old from @cur: counters become increments, gauges stay as they are. */
static void stats_delta(struct stats *cur, const struct stats *old)
{
	unsigned int i, j, k;

	for (i = 0; i < cur->n; i++) {
		for (k = 0; k < old->n; k++)
			if (!strcmp(old->name[k], cur->name[i]))
				break;
		/* a counter that went backwards was reset (module reloaded): absolute */
		if (k < old->n && !is_gauge(cur->name[i]) && cur->val[i] >= old->val[k])
			cur->val[i] -= old->val[k];
	}
	for (i = 0; i < ATCP_MAX_STATES; i++)
		for (j = 0; j < ATCP_MAX_STATES; j++)
			if (cur->edge[i][j] >= old->edge[i][j])
				cur->edge[i][j] -= old->edge[i][j];
}

/*
 * History of "atcp stat", like nstat's: $ATCP_STAT_HISTORY, else
 * /tmp/.atcp_stat.u<uid>.<netns inode> (counters are per network namespace).
 */
static void stat_history_path(char *path, size_t size)
{
	const char *env = getenv("ATCP_STAT_HISTORY");
	struct stat st;

	if (env && *env) {
		snprintf(path, size, "%s", env);
		return;
	}
	if (stat("/proc/self/ns/net", &st))
		st.st_ino = 0;
	snprintf(path, size, "/tmp/.atcp_stat.u%u.%lu", (unsigned int)getuid(),
		 (unsigned long)st.st_ino);
}

/* Lines "NAME VALUE" and "edge FROM TO VALUE"; false when there is no history. */
static bool stat_history_load(const char *path, struct stats *h)
{
	char line[128], name[48];
	unsigned int from, to;
	uint64_t v;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	memset(h, 0, sizeof(*h));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "edge %u %u %" SCNu64, &from, &to, &v) == 3) {
			if (from < ATCP_MAX_STATES && to < ATCP_MAX_STATES)
				h->edge[from][to] = v;
		} else if (sscanf(line, "%47s %" SCNu64, name, &v) == 2 && h->n < MAX_MIBS) {
			snprintf(h->name[h->n], sizeof(h->name[0]), "%s", name);
			h->val[h->n++] = v;
		}
	}
	fclose(f);
	return true;
}

/* Replace the history atomically (write a temporary file, rename it). */
static void stat_history_save(const char *path, const struct stats *st)
{
	char tmp[PATH_MAX + 8];
	unsigned int i, j;
	FILE *f;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		fprintf(stderr, "atcp stat: cannot write history %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	for (i = 0; i < st->n; i++)
		fprintf(f, "%s %" PRIu64 "\n", st->name[i], st->val[i]);
	for (i = 0; i < ATCP_MAX_STATES; i++)
		for (j = 0; j < ATCP_MAX_STATES; j++)
			if (st->edge[i][j])
				fprintf(f, "edge %u %u %" PRIu64 "\n", i, j, st->edge[i][j]);
	if (fclose(f) || rename(tmp, path)) {
		fprintf(stderr, "atcp stat: cannot write history %s: %s\n", path, strerror(errno));
		unlink(tmp);
	}
}

/*
 * atcp stat, like nstat: increments since the last run (kept in a history
 * file), or over an interval with -d, or absolute values with -a.
 */
static int cmd_stat(int argc, char **argv)
{
	bool zeros = false, absolute = false, reset = false, no_output = false;
	bool no_update = false, have_history;
	struct stats *a, *b, *hist;
	char path[PATH_MAX];
	const char *mode;
	struct genl *g;
	double secs = 0;
	unsigned int i, j;
	int c;

	optind = 1;
	while ((c = getopt(argc + 1, argv - 1, "zarnsd:")) != -1) {
		switch (c) {
		case 'z':
			zeros = true;
			break;
		case 'a':
			absolute = true;
			break;
		case 'r':
			reset = true;
			break;
		case 'n':
			no_output = true;
			break;
		case 's':
			no_update = true;
			break;
		case 'd':
			secs = atof(optarg);
			if (secs <= 0)
				die("stat: -d needs a positive number of seconds");
			break;
		default:
			die("usage: atcp stat [-z] [-a] [-r] [-n] [-s] [-d SECONDS]");
		}
	}
	g = genl_open();
	a = calloc(1, sizeof(*a));
	b = calloc(1, sizeof(*b));
	hist = calloc(1, sizeof(*hist));
	if (!a || !b || !hist)
		die("out of memory");
	stats_get(g, a);
	stat_history_path(path, sizeof(path));
	if (reset)
		unlink(path);
	if (secs > 0) {
		/* an interval: the history is neither read nor written */
		struct timespec ts = { (time_t)secs, (long)((secs - (time_t)secs) * 1e9) };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
		stats_get(g, b);
		stats_delta(b, a);
		a = b;
		mode = " (deltas)";
	} else {
		have_history = !reset && stat_history_load(path, hist);
		if (!no_update)
			stat_history_save(path, a);
		if (have_history && !absolute) {
			stats_delta(a, hist);
			mode = " (since last run)";
		} else {
			mode = "";
		}
	}
	if (no_output)
		return 0;

	if (json) {
		json_open('{');
		json_kv_u64("interval_ms", (uint64_t)(secs * 1000));
		json_open_key("counters", '{');
	} else {
		printf("#kernel%s\n", mode);
	}
	for (i = 0; i < a->n; i++) {
		if (!a->val[i] && !zeros)
			continue;
		if (json)
			json_kv_u64(a->name[i], a->val[i]);
		else if (secs > 0 && !is_gauge(a->name[i]))
			printf("%-32s %-12" PRIu64 " %.1f\n", a->name[i], a->val[i],
			       a->val[i] / secs);
		else
			printf("%-32s %" PRIu64 "\n", a->name[i], a->val[i]);
	}
	if (json) {
		json_close('}');
		json_open_key("edges", '[');
	}
	for (i = 1; i < ATCP_MAX_STATES; i++) {
		for (j = 1; j < ATCP_MAX_STATES; j++) {
			char name[64];

			if (i == j || (!a->edge[i][j] && !zeros))
				continue;
			if (json) {
				json_open('{');
				json_kv_str("from", state_name(i));
				json_kv_str("to", state_name(j));
				json_kv_u64("count", a->edge[i][j]);
				json_close('}');
				continue;
			}
			snprintf(name, sizeof(name), "AtcpEdge%s>%s", state_name(i), state_name(j));
			printf("%-32s %" PRIu64 "\n", name, a->edge[i][j]);
		}
	}
	if (json) {
		json_close(']');
		json_close('}');
		putchar('\n');
	}
	return 0;
}

/* ------------------------------------------------------------ diagram */

/* RFC 9293 Figure 5 (CLOSED is Linux's CLOSE) */
static const struct diagram_edge rfc_edges[] = {
	{ ATCP_CLOSE,		ATCP_LISTEN,		"passive OPEN" },
	{ ATCP_CLOSE,		ATCP_SYN_SENT,		"active OPEN / snd SYN" },
	{ ATCP_LISTEN,		ATCP_SYN_RECV,		"rcv SYN / snd SYN,ACK" },
	{ ATCP_LISTEN,		ATCP_SYN_SENT,		"SEND / snd SYN" },
	{ ATCP_LISTEN,		ATCP_CLOSE,		"CLOSE / delete TCB" },
	{ ATCP_SYN_SENT,	ATCP_SYN_RECV,		"rcv SYN / snd SYN,ACK" },
	{ ATCP_SYN_SENT,	ATCP_ESTABLISHED,	"rcv SYN,ACK / snd ACK" },
	{ ATCP_SYN_SENT,	ATCP_CLOSE,		"CLOSE / delete TCB" },
	{ ATCP_SYN_RECV,	ATCP_ESTABLISHED,	"rcv ACK of SYN" },
	{ ATCP_SYN_RECV,	ATCP_LISTEN,		"rcv RST" },
	{ ATCP_SYN_RECV,	ATCP_FIN_WAIT1,		"CLOSE / snd FIN" },
	{ ATCP_ESTABLISHED,	ATCP_FIN_WAIT1,		"CLOSE / snd FIN" },
	{ ATCP_ESTABLISHED,	ATCP_CLOSE_WAIT,	"rcv FIN / snd ACK" },
	{ ATCP_FIN_WAIT1,	ATCP_FIN_WAIT2,		"rcv ACK of FIN" },
	{ ATCP_FIN_WAIT1,	ATCP_CLOSING,		"rcv FIN / snd ACK" },
	{ ATCP_FIN_WAIT2,	ATCP_TIME_WAIT,		"rcv FIN / snd ACK" },
	{ ATCP_CLOSING,		ATCP_TIME_WAIT,		"rcv ACK of FIN" },
	{ ATCP_CLOSE_WAIT,	ATCP_LAST_ACK,		"CLOSE / snd FIN" },
	{ ATCP_LAST_ACK,	ATCP_CLOSE,		"rcv ACK of FIN" },
	{ ATCP_TIME_WAIT,	ATCP_CLOSE,		"timeout = 2MSL" },
};

static bool is_rfc_edge(int from, int to)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rfc_edges); i++)
		if (rfc_edges[i].from == from && rfc_edges[i].to == to)
			return true;
	return false;
}

static const char *diagram_name(int st)
{
	return st == ATCP_CLOSE ? "CLOSED" : state_name(st);
}

/* the edge counts of the named network namespaces (ip netns), added up */
static void stats_netns_sum(struct stats *sum, char **names, int n)
{
	struct stats *one = calloc(1, sizeof(*one));
	int i, f, t, fd;

	if (!one)
		die("out of memory");
	for (i = 0; i < n; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "/run/netns/%s", names[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET))
			die("network namespace %s: %s", names[i], strerror(errno));
		close(fd);
		stats_get(genl_open(), one);
		for (f = 0; f < ATCP_MAX_STATES; f++)
			for (t = 0; t < ATCP_MAX_STATES; t++)
				sum->edge[f][t] += one->edge[f][t];
	}
	free(one);
}

static int cmd_diagram(int argc, char **argv)
{
	const char *svg = NULL;
	char *netns[16];
	int nnetns = 0;
	bool dot = false;
	struct stats *st;
	unsigned int used = 0;
	size_t i;
	int f, t, a;

	for (a = 0; a < argc; a++) {
		if (!strcmp(argv[a], "--dot"))
			dot = true;
		else if (!strcmp(argv[a], "--svg") && a + 1 < argc)
			svg = argv[++a];
		else if (!strcmp(argv[a], "--netns") && a + 1 < argc && nnetns < 16)
			netns[nnetns++] = argv[++a];
		else
			die("usage: atcp diagram [--dot] [--svg FILE] [--netns NAME]...");
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		die("out of memory");
	if (nnetns)
		stats_netns_sum(st, netns, nnetns);
	else
		stats_get(genl_open(), st);

	if (svg) {
		FILE *out = fopen(svg, "w");

		if (!out)
			die("%s: %s", svg, strerror(errno));
		diagram_svg(out, st->edge, rfc_edges, ARRAY_SIZE(rfc_edges));
		if (fclose(out))
			die("%s: %s", svg, strerror(errno));
	}

	if (json) {
		json_open('{');
		json_open_key("edges", '[');
		for (i = 0; i < ARRAY_SIZE(rfc_edges); i++) {
			const struct diagram_edge *e = &rfc_edges[i];

			json_open('{');
			json_kv_str("from", diagram_name(e->from));
			json_kv_str("to", diagram_name(e->to));
			json_kv_str("event", e->label);
			json_kv_u64("count", st->edge[e->from][e->to]);
			json_close('}');
		}
		json_close(']');
		json_open_key("other", '[');
		for (f = 1; f < ATCP_MAX_STATES; f++)
			for (t = 1; t < ATCP_MAX_STATES; t++) {
				if (!st->edge[f][t] || is_rfc_edge(f, t))
					continue;
				json_open('{');
				json_kv_str("from", diagram_name(f));
				json_kv_str("to", diagram_name(t));
				json_kv_u64("count", st->edge[f][t]);
				json_close('}');
			}
		json_close(']');
		json_close('}');
		putchar('\n');
		return 0;
	}

	if (dot) {
		printf("digraph atcp {\n\trankdir=TB;\n\tnode [shape=box, style=rounded];\n");
		for (i = 0; i < ARRAY_SIZE(rfc_edges); i++) {
			const struct diagram_edge *e = &rfc_edges[i];
			uint64_t c = st->edge[e->from][e->to];

			printf("\t\"%s\" -> \"%s\" [label=\"%s\\n%" PRIu64 "\"%s];\n",
			       diagram_name(e->from), diagram_name(e->to), e->label, c,
			       c ? ", penwidth=2" : ", style=dashed, color=gray");
		}
		for (f = 1; f < ATCP_MAX_STATES; f++)
			for (t = 1; t < ATCP_MAX_STATES; t++)
				if (st->edge[f][t] && !is_rfc_edge(f, t))
					printf("\t\"%s\" -> \"%s\" [label=\"%" PRIu64 "\", color=red];\n",
					       diagram_name(f), diagram_name(t), st->edge[f][t]);
		printf("}\n");
		return 0;
	}

	printf("RFC 9293 state diagram, transitions counted in this network namespace:\n\n");
	for (i = 0; i < ARRAY_SIZE(rfc_edges); i++) {
		const struct diagram_edge *e = &rfc_edges[i];
		uint64_t c = st->edge[e->from][e->to];

		used += !!c;
		printf("  %c %-11s -> %-11s %-24s %10" PRIu64 "\n", c ? '*' : ' ',
		       diagram_name(e->from), diagram_name(e->to), e->label, c);
	}
	printf("\nOther transitions (aborts, timeouts, resets):\n\n");
	for (f = 1; f < ATCP_MAX_STATES; f++)
		for (t = 1; t < ATCP_MAX_STATES; t++)
			if (st->edge[f][t] && !is_rfc_edge(f, t))
				printf("  * %-11s -> %-11s %-24s %10" PRIu64 "\n", diagram_name(f),
				       diagram_name(t), "", st->edge[f][t]);
	printf("\n%u of %zu diagram edges exercised.\n", used, ARRAY_SIZE(rfc_edges));
	return 0;
}

/* ------------------------------------------------------------ monitor */

static long monitor_left = -1;

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);
	unsigned int kind = 0, old = 0, new = 0, cause = 0, detail = 0;
	uint32_t saddr = 0, daddr = 0;
	uint16_t sport = 0, dport = 0;
	uint64_t ns = 0;
	const struct nlattr *attr;
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN], tbuf[64], cbuf[64], dbuf[64];
	static const char *const kinds[] = { "sock", "request", "timewait" };
	struct tm tm;
	time_t sec;

	(void)data;
	if (gh->cmd != ATCP_CMD_EVENT)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*gh)) {
		switch (mnl_attr_get_type(attr)) {
		case ATCP_A_EV_KIND:
			kind = mnl_attr_get_u8(attr);
			break;
		case ATCP_A_EV_OLD_STATE:
			old = mnl_attr_get_u8(attr);
			break;
		case ATCP_A_EV_NEW_STATE:
			new = mnl_attr_get_u8(attr);
			break;
		case ATCP_A_EV_CAUSE:
			cause = mnl_attr_get_u8(attr);
			break;
		case ATCP_A_EV_DETAIL:
			detail = mnl_attr_get_u8(attr);
			break;
		case ATCP_A_EV_SADDR:
			saddr = mnl_attr_get_u32(attr);
			break;
		case ATCP_A_EV_DADDR:
			daddr = mnl_attr_get_u32(attr);
			break;
		case ATCP_A_EV_SPORT:
			sport = mnl_attr_get_u16(attr);
			break;
		case ATCP_A_EV_DPORT:
			dport = mnl_attr_get_u16(attr);
			break;
		case ATCP_A_EV_TIME_NS:
			ns = mnl_attr_get_u64(attr);
			break;
		}
	}
	inet_ntop(AF_INET, &saddr, src, sizeof(src));
	inet_ntop(AF_INET, &daddr, dst, sizeof(dst));
	sec = ns / 1000000000ULL;
	localtime_r(&sec, &tm);
	strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%S", &tm);

	if (json) {
		json_first = true;
		json_open('{');
		json_kv_u64("time_ns", ns);
		json_kv_str("kind", kind < 3 ? kinds[kind] : "?");
		json_kv_str("src", src);
		json_kv_u64("sport", sport);
		json_kv_str("dst", dst);
		json_kv_u64("dport", dport);
		json_kv_str("old", state_name(old));
		json_kv_str("new", state_name(new));
		json_kv_str("cause", cause_kind(cause));
		json_kv_str("detail", cause_detail(cause, detail, dbuf, sizeof(dbuf)));
		json_close('}');
		putchar('\n');
	} else {
		cause_str(cause, detail, cbuf, sizeof(cbuf));
		printf("[%s.%06" PRIu64 "] %-8s %s:%u %s:%u %s -> %s (%s)\n", tbuf,
		       (ns / 1000) % 1000000, kind < 3 ? kinds[kind] : "?", src, sport, dst, dport,
		       state_name(old), state_name(new), cbuf);
	}
	fflush(stdout);
	if (monitor_left > 0 && --monitor_left == 0)
		return MNL_CB_STOP;
	return MNL_CB_OK;
}

static int cmd_monitor(int argc, char **argv)
{
	struct genl *g;
	int c, ret;

	optind = 1;
	while ((c = getopt(argc + 1, argv - 1, "c:")) != -1) {
		switch (c) {
		case 'c':
			monitor_left = atol(optarg);
			break;
		default:
			die("usage: atcp monitor [-c COUNT]");
		}
	}
	g = genl_open();
	if (!g->mcgrp_events)
		die("family %s has no \"%s\" group", ATCP_GENL_NAME, ATCP_GENL_MCGRP_EVENTS);
	if (mnl_socket_setsockopt(g->nl->sock, NETLINK_ADD_MEMBERSHIP, &g->mcgrp_events,
				  sizeof(g->mcgrp_events)) < 0)
		die("join group %s: %s", ATCP_GENL_MCGRP_EVENTS, strerror(errno));
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		ret = mnl_socket_recvfrom(g->nl->sock, g->nl->buf, sizeof(g->nl->buf));
		if (ret < 0) {
			if (errno == ENOBUFS) {
				fprintf(stderr, "%s: monitor: events lost (receive buffer full)\n",
					prog);
				continue;
			}
			die("monitor: %s", strerror(errno));
		}
		ret = mnl_cb_run(g->nl->buf, ret, 0, 0, event_cb, NULL);
		if (ret == MNL_CB_STOP)
			return 0;
		if (ret < 0)
			die("monitor: %s", strerror(errno));
	}
}

/* ------------------------------------------------------------ ss */

struct ss_opts {
	uint32_t states;
	bool info;
	int sport, dport;	/* -1: any */
	unsigned int count;
};

static int ss_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct inet_diag_msg *r = mnl_nlmsg_get_payload(nlh);
	struct ss_opts *o = data;
	const struct atcp_info *info = NULL;
	struct atcp_info ibuf;
	const struct nlattr *attr;
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN], local[64], peer[64];
	const char *st;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*r)) {
		if (mnl_attr_get_type(attr) == INET_DIAG_INFO) {
			size_t len = mnl_attr_get_payload_len(attr);

			memset(&ibuf, 0, sizeof(ibuf));
			memcpy(&ibuf, mnl_attr_get_payload(attr),
			       len < sizeof(ibuf) ? len : sizeof(ibuf));
			info = &ibuf;
		}
	}
	inet_ntop(AF_INET, &r->id.idiag_src[0], src, sizeof(src));
	inet_ntop(AF_INET, &r->id.idiag_dst[0], dst, sizeof(dst));
	st = r->idiag_state < ATCP_MAX_STATES ? ss_state_names[r->idiag_state] : "?";
	o->count++;

	if (json) {
		json_open('{');
		json_kv_str("state", st);
		json_kv_u64("recv_q", r->idiag_rqueue);
		json_kv_u64("send_q", r->idiag_wqueue);
		json_kv_str("local", src);
		json_kv_u64("lport", ntohs(r->id.idiag_sport));
		json_kv_str("peer", dst);
		json_kv_u64("pport", ntohs(r->id.idiag_dport));
		json_kv_u64("uid", r->idiag_uid);
		json_kv_u64("inode", r->idiag_inode);
		json_kv_u64("timer", r->idiag_timer);
		json_kv_u64("expires_ms", r->idiag_expires);
		if (info) {
			json_open_key("info", '{');
			json_kv_u64("rto_us", info->rto_us);
			json_kv_u64("srtt_us", info->srtt_us);
			json_kv_u64("rttvar_us", info->rttvar_us);
			json_kv_u64("snd_mss", info->snd_mss);
			json_kv_u64("rcv_mss", info->rcv_mss);
			json_kv_u64("cwnd", info->snd_cwnd);
			json_kv_u64("ssthresh", info->snd_ssthresh);
			json_kv_u64("unacked", info->unacked);
			json_kv_u64("retrans", info->retrans);
			json_kv_u64("total_retrans", info->total_retrans);
			json_kv_u64("bytes_acked", info->bytes_acked);
			json_kv_u64("bytes_received", info->bytes_received);
			json_kv_u64("segs_out", info->segs_out);
			json_kv_u64("segs_in", info->segs_in);
			json_close('}');
		}
		json_close('}');
		return MNL_CB_OK;
	}
	snprintf(local, sizeof(local), "%s:%u", r->id.idiag_src[0] ? src : "*",
		 ntohs(r->id.idiag_sport));
	if (r->id.idiag_dport || r->id.idiag_dst[0])
		snprintf(peer, sizeof(peer), "%s:%u", dst, ntohs(r->id.idiag_dport));
	else
		snprintf(peer, sizeof(peer), "*:*");
	printf("%-11s %-6u %-6u %25s %-25s\n", st, r->idiag_rqueue, r->idiag_wqueue, local, peer);
	if (o->info && info) {
		printf("\t rto:%g rtt:%g/%g mss:%u rcvmss:%u cwnd:%u", info->rto_us / 1000.0,
		       info->srtt_us / 1000.0, info->rttvar_us / 1000.0, info->snd_mss,
		       info->rcv_mss, info->snd_cwnd);
		if (info->snd_ssthresh && info->snd_ssthresh < 0x7fffffff)
			printf(" ssthresh:%u", info->snd_ssthresh);
		printf(" unacked:%u retrans:%u/%" PRIu64 " bytes_acked:%" PRIu64
		       " bytes_received:%" PRIu64 " segs_out:%" PRIu64 " segs_in:%" PRIu64 "\n",
		       info->unacked, info->retrans, (uint64_t)info->total_retrans,
		       (uint64_t)info->bytes_acked, (uint64_t)info->bytes_received,
		       (uint64_t)info->segs_out, (uint64_t)info->segs_in);
	}
	return MNL_CB_OK;
}

static int parse_state(const char *s, uint32_t *mask)
{
	static const struct { const char *name; uint32_t mask; } names[] = {
		{ "established", 1 << ATCP_ESTABLISHED },
		{ "syn-sent", 1 << ATCP_SYN_SENT },
		{ "syn-recv", 1 << ATCP_SYN_RECV },
		{ "syn-rcvd", 1 << ATCP_SYN_RECV },
		{ "fin-wait-1", 1 << ATCP_FIN_WAIT1 },
		{ "fin-wait-2", 1 << ATCP_FIN_WAIT2 },
		{ "time-wait", 1 << ATCP_TIME_WAIT },
		{ "closed", 1 << ATCP_CLOSE },
		{ "close-wait", 1 << ATCP_CLOSE_WAIT },
		{ "last-ack", 1 << ATCP_LAST_ACK },
		{ "listening", 1 << ATCP_LISTEN },
		{ "listen", 1 << ATCP_LISTEN },
		{ "closing", 1 << ATCP_CLOSING },
		{ "all", 0xffe },
		{ "connected", 0xffe & ~((1 << ATCP_LISTEN) | (1 << ATCP_CLOSE)) },
		{ "synchronized", 0xffe & ~((1 << ATCP_LISTEN) | (1 << ATCP_CLOSE) |
					    (1 << ATCP_SYN_SENT)) },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcasecmp(s, names[i].name)) {
			*mask |= names[i].mask;
			return 0;
		}
	}
	return -1;
}

static int parse_port(const char *s)
{
	char *end;
	long v;

	if (*s == ':')
		s++;
	v = strtol(s, &end, 10);
	if (*end || end == s || v < 0 || v > 65535)
		return -1;
	return v;
}

/* AND of port equalities: each failing test jumps past the end (reject). */
static size_t ss_bytecode(const struct ss_opts *o, struct inet_diag_bc_op *bc)
{
	size_t n = 0, total = (o->sport >= 0) + (o->dport >= 0), i = 0;

	if (o->sport >= 0) {
		bc[n].code = INET_DIAG_BC_S_EQ;
		bc[n].yes = 2 * sizeof(*bc);
		bc[n].no = (total - i) * 2 * sizeof(*bc) + 4;
		bc[n + 1].code = 0;
		bc[n + 1].yes = 0;
		bc[n + 1].no = o->sport;
		n += 2;
		i++;
	}
	if (o->dport >= 0) {
		bc[n].code = INET_DIAG_BC_D_EQ;
		bc[n].yes = 2 * sizeof(*bc);
		bc[n].no = (total - i) * 2 * sizeof(*bc) + 4;
		bc[n + 1].code = 0;
		bc[n + 1].yes = 0;
		bc[n + 1].no = o->dport;
		n += 2;
	}
	return n * sizeof(*bc);
}

static int cmd_ss(int argc, char **argv)
{
	struct ss_opts o = { .sport = -1, .dport = -1 };
	uint32_t default_states = 0xffe & ~((1 << ATCP_LISTEN) | (1 << ATCP_CLOSE) |
					    (1 << ATCP_TIME_WAIT) | (1 << ATCP_SYN_RECV));
	struct inet_diag_req_v2 *req;
	struct inet_diag_bc_op bc[8];
	struct nlmsghdr *nlh;
	struct nl *nl;
	size_t bclen;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-l")) {
			default_states = 1 << ATCP_LISTEN;
		} else if (!strcmp(argv[i], "-a")) {
			default_states = 0xffe;
		} else if (!strcmp(argv[i], "-i")) {
			o.info = true;
		} else if (!strcmp(argv[i], "-n") || !strcmp(argv[i], "-t")) {
			/* numeric, tcp: accepted for ss compatibility */
		} else if (!strcmp(argv[i], "state") && i + 1 < argc) {
			if (parse_state(argv[++i], &o.states))
				die("ss: unknown state %s", argv[i]);
		} else if ((!strcmp(argv[i], "sport") || !strcmp(argv[i], "dport")) &&
			   i + 1 < argc) {
			bool src = argv[i][0] == 's';

			if (!strcmp(argv[i + 1], "=") || !strcmp(argv[i + 1], "=="))
				i++;
			if (i + 1 >= argc || parse_port(argv[i + 1]) < 0)
				die("ss: %s needs a port number", src ? "sport" : "dport");
			if (src)
				o.sport = parse_port(argv[++i]);
			else
				o.dport = parse_port(argv[++i]);
		} else {
			die("usage: atcp ss [-l|-a] [-i] [state STATE]... [sport N] [dport N]");
		}
	}
	if (!o.states)
		o.states = default_states;

	nl = nl_open(NETLINK_SOCK_DIAG);
	nlh = mnl_nlmsg_put_header(nl->buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = AF_INET;
	req->sdiag_protocol = atcp_proto();
	req->idiag_states = o.states;
	if (o.info)
		req->idiag_ext |= 1 << (INET_DIAG_INFO - 1);
	bclen = ss_bytecode(&o, bc);
	if (bclen)
		mnl_attr_put(nlh, INET_DIAG_REQ_BYTECODE, bclen, bc);

	if (json)
		json_open('[');
	else
		printf("%-11s %-6s %-6s %25s %-25s\n", "State", "Recv-Q", "Send-Q",
		       "Local Address:Port", "Peer Address:Port");
	if (nl_talk(nl, nlh, ss_cb, &o) < 0) {
		if (errno == ENOENT)
			die("ss: no sock_diag handler for protocol %d: load atcp_diag.ko",
			    atcp_proto());
		die("ss: %s%s%s", strerror(errno), nl->errmsg[0] ? ": " : "", nl->errmsg);
	}
	if (json)
		printf("]\n");
	return 0;
}

/* ------------------------------------------------------------ main */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: atcp [-j] COMMAND [ARGS]\n"
		"  ss [-l|-a] [-i] [state STATE]... [sport N] [dport N]   sockets (sock_diag)\n"
		"  stat [-z] [-a] [-r] [-n] [-s] [-d SECONDS]             counters since last run\n"
		"  monitor [-c COUNT]                                     state changes, live\n"
		"  param [NAME [VALUE]]                                   tunables\n"
		"  diagram [--dot] [--svg FILE] [--netns NAME]...         state diagram with counts\n"
		"  trace [-c N] [-t SEC] [port N] [addr A] [--svg FILE] [--pcap FILE]\n"
		"                                                         sequence diagrams of connections\n"
		"Options: -j JSON output, -h help.  See atcp(8).\n");
}

int main(int argc, char **argv)
{
	const char *cmd;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "-json") ||
		    !strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[i++];
	argc -= i;
	argv += i;
	if (!strcmp(cmd, "ss"))
		return cmd_ss(argc, argv);
	if (!strcmp(cmd, "stat") || !strcmp(cmd, "stats"))
		return cmd_stat(argc, argv);
	if (!strcmp(cmd, "monitor"))
		return cmd_monitor(argc, argv);
	if (!strcmp(cmd, "param") || !strcmp(cmd, "params"))
		return cmd_param(argc, argv);
	if (!strcmp(cmd, "diagram"))
		return cmd_diagram(argc, argv);
	if (!strcmp(cmd, "trace"))
		return cmd_trace(argc, argv);
	fprintf(stderr, "%s: unknown command \"%s\"\n", prog, cmd);
	usage(stderr);
	return 2;
}
