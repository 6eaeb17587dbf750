/* SPDX-License-Identifier: GPL-2.0
 *
 * Helpers for the control plane selftests (netlink_*, diag): raw netlink
 * (static binaries: no libmnl) for the generic netlink family "atcp"
 * (parameters, counters, events) and NETLINK_SOCK_DIAG dumps of protocol
 * 253 (atcp_diag.ko).
 *
 * Namespaces and sockets are atcp_lib.h's: net_setup() makes A
 * (10.23.0.1) and B (10.23.0.2) joined by a veth pair that is up and
 * running; the test itself stays in its original namespace and makes
 * sockets inside A or B.
 */
#ifndef ATCP_NL_H
#define ATCP_NL_H

#include "atcp_lib.h"

/* The contents of /proc/net/@file in @ns (malloc'ed, NUL-terminated) or NULL. */
static inline char *ns_proc_net(int ns, const char *file)
{
	FILE *f = ns_proc_net_open(ns, file);
	size_t len = 0, n;
	char *buf;

	if (!f)
		return NULL;
	buf = calloc(1, 1 << 20);
	while (buf && (n = fread(buf + len, 1, (1 << 20) - 1 - len, f)) > 0)
		len += n;
	fclose(f);
	return buf;
}

/* ------------------------------------------------------------ netlink */

#include <linux/genetlink.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

#define NL_BUFSZ	65536


#define nla_for_each(pos, start, len)					\
	for (const struct nlattr *pos = (const struct nlattr *)(start);	\
	     (len) - (long)((const char *)pos - (const char *)(start)) >= (long)sizeof(*pos) && \
	     pos->nla_len >= sizeof(*pos) &&				\
	     pos->nla_len <= (len) - ((const char *)pos - (const char *)(start)); \
	     pos = (const struct nlattr *)((const char *)pos + NLA_ALIGN(pos->nla_len)))

static inline const void *nla_payload(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static inline int nla_plen(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static inline int nla_type_of(const struct nlattr *a)
{
	return a->nla_type & NLA_TYPE_MASK;
}

static inline uint64_t nla_u64(const struct nlattr *a)
{
	uint64_t v;

	memcpy(&v, nla_payload(a), sizeof(v));
	return v;
}

static inline uint32_t nla_u32(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, nla_payload(a), sizeof(v));
	return v;
}

static inline uint16_t nla_u16(const struct nlattr *a)
{
	uint16_t v;

	memcpy(&v, nla_payload(a), sizeof(v));
	return v;
}

static inline uint8_t nla_u8(const struct nlattr *a)
{
	return *(const uint8_t *)nla_payload(a);
}

/* Append an attribute to the message in @buf. */
static inline void nl_put(struct nlmsghdr *nlh, int type, const void *data, int len)
{
	struct nlattr *a = (struct nlattr *)((char *)nlh + NLMSG_ALIGN(nlh->nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/* A netlink socket of @proto in namespace @ns (NS_ROOT: the current one). */
static inline int nl_socket_ns(int ns, int proto)
{
	int fd, one = 1, err;

	if (ns != NS_ROOT && ns_enter(ns))
		return -1;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
	err = errno;
	if (ns != NS_ROOT)
		ns_enter(NS_ROOT);
	if (fd < 0) {
		errno = err;
		return -1;
	}
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	{
		struct timeval tv = { 5, 0 };

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	return fd;
}

static char nl_extack[256];

typedef int (*nl_msg_fn)(const struct nlmsghdr *nlh, void *arg);

/*
 * Send @nlh and feed every answer to @fn until the ACK / NLMSG_DONE.
 * Returns 0 or -errno (the kernel's error; nl_extack holds its message).
 */
static inline int nl_transact(int fd, struct nlmsghdr *nlh, nl_msg_fn fn, void *arg)
{
	static uint32_t seq = 1000;
	char *buf = malloc(NL_BUFSZ);
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	nl_extack[0] = 0;
	nlh->nlmsg_seq = ++seq;
	if (!(nlh->nlmsg_flags & NLM_F_DUMP))
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (send(fd, nlh, nlh->nlmsg_len, 0) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = recv(fd, buf, NL_BUFSZ, 0);
		struct nlmsghdr *h;

		if (n < 0) {
			ret = -errno;
			goto out;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				goto out;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				ret = e->error;
				if (ret && (h->nlmsg_flags & NLM_F_ACK_TLVS)) {
					size_t off = sizeof(*e);

					if (!(h->nlmsg_flags & NLM_F_CAPPED))
						off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
					nla_for_each(a, (const char *)e + off,
						     (long)h->nlmsg_len - NLMSG_HDRLEN - (long)off)
						if (nla_type_of(a) == NLMSGERR_ATTR_MSG)
							snprintf(nl_extack, sizeof(nl_extack), "%s",
								 (const char *)nla_payload(a));
				}
				goto out;
			}
			if (fn && fn(h, arg))
				goto out;
		}
	}
out:
	free(buf);
	return ret;
}

/* ------------------------------------------------------------ genl */

struct genl_fam {
	uint16_t id;
	uint32_t mcgrp;
};

static inline struct nlmsghdr *genl_start(void *buf, uint16_t type, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = buf;
	struct genlmsghdr *g = NLMSG_DATA(nlh);

	memset(buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	g->cmd = cmd;
	g->version = ATCP_GENL_VERSION;
	return nlh;
}

#define genl_attrs(h)	((const char *)NLMSG_DATA(h) + GENL_HDRLEN)
#define genl_attrlen(h)	((long)(h)->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN)

static inline int genl_fam_cb(const struct nlmsghdr *h, void *arg)
{
	struct genl_fam *f = arg;

	nla_for_each(a, genl_attrs(h), genl_attrlen(h)) {
		if (nla_type_of(a) == CTRL_ATTR_FAMILY_ID)
			f->id = nla_u16(a);
		if (nla_type_of(a) == CTRL_ATTR_MCAST_GROUPS) {
			nla_for_each(g, nla_payload(a), nla_plen(a)) {
				const char *name = NULL;
				uint32_t id = 0;

				nla_for_each(x, nla_payload(g), nla_plen(g)) {
					if (nla_type_of(x) == CTRL_ATTR_MCAST_GRP_NAME)
						name = nla_payload(x);
					if (nla_type_of(x) == CTRL_ATTR_MCAST_GRP_ID)
						id = nla_u32(x);
				}
				if (name && !strcmp(name, ATCP_GENL_MCGRP_EVENTS))
					f->mcgrp = id;
			}
		}
	}
	return 0;
}

/* Resolve the "atcp" family through @fd; 0 or -errno. */
static inline int genl_resolve(int fd, struct genl_fam *f)
{
	char buf[256];
	struct nlmsghdr *nlh = genl_start(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);

	((struct genlmsghdr *)NLMSG_DATA(nlh))->version = 1;
	nl_put(nlh, CTRL_ATTR_FAMILY_NAME, ATCP_GENL_NAME, sizeof(ATCP_GENL_NAME));
	memset(f, 0, sizeof(*f));
	return nl_transact(fd, nlh, genl_fam_cb, f);
}

struct genl_param {
	char name[64];
	char str[128];		/* text tunables */
	int value, min, max, def;
	int seen;
};

static inline int genl_param_cb(const struct nlmsghdr *h, void *arg)
{
	struct genl_param *p = arg;

	nla_for_each(a, genl_attrs(h), genl_attrlen(h)) {
		switch (nla_type_of(a)) {
		case ATCP_A_PARAM_NAME:
			snprintf(p->name, sizeof(p->name), "%s", (const char *)nla_payload(a));
			break;
		case ATCP_A_PARAM_VALUE:
			p->value = (int)nla_u32(a);
			break;
		case ATCP_A_PARAM_MIN:
			p->min = (int)nla_u32(a);
			break;
		case ATCP_A_PARAM_MAX:
			p->max = (int)nla_u32(a);
			break;
		case ATCP_A_PARAM_DEFAULT:
			p->def = (int)nla_u32(a);
			break;
		case ATCP_A_PARAM_STRING:
			snprintf(p->str, sizeof(p->str), "%s", (const char *)nla_payload(a));
			break;
		}
	}
	p->seen++;
	return 0;
}

static inline int genl_param_get(int fd, const struct genl_fam *f, const char *name,
				 struct genl_param *p)
{
	char buf[512];
	struct nlmsghdr *nlh = genl_start(buf, f->id, ATCP_CMD_PARAM_GET, 0);

	nl_put(nlh, ATCP_A_PARAM_NAME, name, strlen(name) + 1);
	memset(p, 0, sizeof(*p));
	return nl_transact(fd, nlh, genl_param_cb, p);
}

static inline int genl_param_set_str(int fd, const struct genl_fam *f, const char *name,
				    const char *val)
{
	char buf[512];
	struct nlmsghdr *nlh = genl_start(buf, f->id, ATCP_CMD_PARAM_SET, 0);
	struct genl_param p;

	nl_put(nlh, ATCP_A_PARAM_NAME, name, strlen(name) + 1);
	nl_put(nlh, ATCP_A_PARAM_STRING, val, strlen(val) + 1);
	return nl_transact(fd, nlh, genl_param_cb, &p);
}

static inline int genl_param_set(int fd, const struct genl_fam *f, const char *name, int val)
{
	char buf[512];
	struct nlmsghdr *nlh = genl_start(buf, f->id, ATCP_CMD_PARAM_SET, 0);
	struct genl_param p;

	nl_put(nlh, ATCP_A_PARAM_NAME, name, strlen(name) + 1);
	nl_put(nlh, ATCP_A_PARAM_VALUE, &val, sizeof(val));
	return nl_transact(fd, nlh, genl_param_cb, &p);
}

#define MAX_PARAMS 64

struct genl_params {
	int n;
	struct genl_param p[MAX_PARAMS];
};

static inline int genl_params_cb(const struct nlmsghdr *h, void *arg)
{
	struct genl_params *ps = arg;

	if (ps->n < MAX_PARAMS)
		genl_param_cb(h, &ps->p[ps->n++]);
	return 0;
}

static inline int genl_param_dump(int fd, const struct genl_fam *f, struct genl_params *ps)
{
	char buf[256];
	struct nlmsghdr *nlh = genl_start(buf, f->id, ATCP_CMD_PARAM_GET, NLM_F_DUMP);

	memset(ps, 0, sizeof(*ps));
	return nl_transact(fd, nlh, genl_params_cb, ps);
}

#define MAX_MIBS 64

struct genl_stats {
	int n;
	char name[MAX_MIBS][40];
	uint32_t id[MAX_MIBS];
	uint64_t val[MAX_MIBS];
	uint64_t edge[ATCP_MAX_STATES][ATCP_MAX_STATES];
};

static inline int genl_stats_cb(const struct nlmsghdr *h, void *arg)
{
	struct genl_stats *st = arg;

	nla_for_each(a, genl_attrs(h), genl_attrlen(h)) {
		if (nla_type_of(a) == ATCP_A_STATS_MIB && st->n < MAX_MIBS) {
			nla_for_each(x, nla_payload(a), nla_plen(a)) {
				if (nla_type_of(x) == ATCP_A_MIB_NAME)
					snprintf(st->name[st->n], sizeof(st->name[0]), "%s",
						 (const char *)nla_payload(x));
				if (nla_type_of(x) == ATCP_A_MIB_ID)
					st->id[st->n] = nla_u32(x);
				if (nla_type_of(x) == ATCP_A_MIB_VALUE)
					st->val[st->n] = nla_u64(x);
			}
			st->n++;
		} else if (nla_type_of(a) == ATCP_A_STATS_EDGE) {
			unsigned int from = 0, to = 0;
			uint64_t c = 0;

			nla_for_each(x, nla_payload(a), nla_plen(a)) {
				if (nla_type_of(x) == ATCP_A_EDGE_FROM)
					from = nla_u8(x);
				if (nla_type_of(x) == ATCP_A_EDGE_TO)
					to = nla_u8(x);
				if (nla_type_of(x) == ATCP_A_EDGE_COUNT)
					c = nla_u64(x);
			}
			if (from < ATCP_MAX_STATES && to < ATCP_MAX_STATES)
				st->edge[from][to] = c;
		}
	}
	return 0;
}

static inline int genl_stats_get(int fd, const struct genl_fam *f, struct genl_stats *st)
{
	char buf[256];
	struct nlmsghdr *nlh = genl_start(buf, f->id, ATCP_CMD_STATS_GET, 0);

	memset(st, 0, sizeof(*st));
	return nl_transact(fd, nlh, genl_stats_cb, st);
}

/* Value of counter @id (enum atcp_stat_id); -1 if absent. */
static inline int64_t stat_val(const struct genl_stats *st, uint32_t id)
{
	int i;

	for (i = 0; i < st->n; i++)
		if (st->id[i] == id)
			return st->val[i];
	return -1;
}

/* ------------------------------------------------------------ events */

struct atcp_event {
	int kind, old, new, cause, detail;
	uint32_t saddr, daddr;	/* network order */
	int sport, dport;
	uint64_t ns;
};

/* A socket of @ns subscribed to the "events" group; -1 on error. */
static inline int events_open(int ns)
{
	int fd = nl_socket_ns(ns, NETLINK_GENERIC);
	struct genl_fam f;

	if (fd < 0)
		return -1;
	if (genl_resolve(fd, &f) || !f.mcgrp ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &f.mcgrp, sizeof(f.mcgrp))) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Read up to @max events from @fd into @ev until @timeout_ms pass without
 * one (or @max are read).  Returns the number read.
 */
static inline int events_read(int fd, struct atcp_event *ev, int max, int timeout_ms)
{
	static char buf[NL_BUFSZ];
	int n = 0;

	while (n < max) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct nlmsghdr *h;
		ssize_t len;

		if (poll(&pfd, 1, timeout_ms) <= 0)
			break;
		len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (len <= 0)
			break;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len) && n < max;
		     h = NLMSG_NEXT(h, len)) {
			struct atcp_event *e = &ev[n];

			if (((struct genlmsghdr *)NLMSG_DATA(h))->cmd != ATCP_CMD_EVENT)
				continue;
			memset(e, 0, sizeof(*e));
			nla_for_each(a, genl_attrs(h), genl_attrlen(h)) {
				switch (nla_type_of(a)) {
				case ATCP_A_EV_KIND:
					e->kind = nla_u8(a);
					break;
				case ATCP_A_EV_OLD_STATE:
					e->old = nla_u8(a);
					break;
				case ATCP_A_EV_NEW_STATE:
					e->new = nla_u8(a);
					break;
				case ATCP_A_EV_CAUSE:
					e->cause = nla_u8(a);
					break;
				case ATCP_A_EV_DETAIL:
					e->detail = nla_u8(a);
					break;
				case ATCP_A_EV_SADDR:
					e->saddr = nla_u32(a);
					break;
				case ATCP_A_EV_DADDR:
					e->daddr = nla_u32(a);
					break;
				case ATCP_A_EV_SPORT:
					e->sport = nla_u16(a);
					break;
				case ATCP_A_EV_DPORT:
					e->dport = nla_u16(a);
					break;
				case ATCP_A_EV_TIME_NS:
					e->ns = nla_u64(a);
					break;
				}
			}
			n++;
		}
	}
	return n;
}

/* ------------------------------------------------------------ sock_diag */

struct diag_ent {
	int state;
	int sport, dport;
	uint32_t saddr, daddr;
	uint32_t rqueue, wqueue, inode;
	int timer;
	bool has_info;
	struct atcp_info info;
};

#define MAX_DIAG 256

struct diag_list {
	int n;
	struct diag_ent e[MAX_DIAG];
};

static inline int diag_cb(const struct nlmsghdr *h, void *arg)
{
	const struct inet_diag_msg *r = NLMSG_DATA(h);
	struct diag_list *l = arg;
	struct diag_ent *e;

	if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || l->n >= MAX_DIAG)
		return 0;
	e = &l->e[l->n++];
	memset(e, 0, sizeof(*e));
	e->state = r->idiag_state;
	e->sport = ntohs(r->id.idiag_sport);
	e->dport = ntohs(r->id.idiag_dport);
	e->saddr = r->id.idiag_src[0];
	e->daddr = r->id.idiag_dst[0];
	e->rqueue = r->idiag_rqueue;
	e->wqueue = r->idiag_wqueue;
	e->inode = r->idiag_inode;
	e->timer = r->idiag_timer;
	nla_for_each(a, (const char *)r + NLMSG_ALIGN(sizeof(*r)),
		     (long)h->nlmsg_len - NLMSG_HDRLEN - (long)NLMSG_ALIGN(sizeof(*r))) {
		if (nla_type_of(a) == INET_DIAG_INFO) {
			int len = nla_plen(a);

			memcpy(&e->info, nla_payload(a),
			       len < (int)sizeof(e->info) ? len : (int)sizeof(e->info));
			e->has_info = true;
		}
	}
	return 0;
}

/*
 * Dump protocol @proto sockets of @ns in @states (bitmask of 1 << TCP_*),
 * optionally only source port @sport / destination port @dport (-1: any),
 * through the inet_diag bytecode.  0 or -errno.
 */
static inline int diag_dump(int ns, int proto, uint32_t states, int sport, int dport, bool info,
			    struct diag_list *l)
{
	char buf[512];
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct inet_diag_req_v2 *req;
	struct inet_diag_bc_op bc[4];
	int fd, n = 0, total, ret;

	memset(buf, 0, sizeof(buf));
	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(*req));
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req = NLMSG_DATA(nlh);
	req->sdiag_family = AF_INET;
	req->sdiag_protocol = kproto(proto);
	req->idiag_states = states;
	if (info)
		req->idiag_ext = 1 << (INET_DIAG_INFO - 1);
	total = (sport >= 0) + (dport >= 0);
	if (sport >= 0) {
		bc[n] = (struct inet_diag_bc_op){ INET_DIAG_BC_S_EQ, 8, total * 8 + 4 };
		bc[n + 1] = (struct inet_diag_bc_op){ 0, 0, (unsigned short)sport };
		n += 2;
		total--;
	}
	if (dport >= 0) {
		bc[n] = (struct inet_diag_bc_op){ INET_DIAG_BC_D_EQ, 8, total * 8 + 4 };
		bc[n + 1] = (struct inet_diag_bc_op){ 0, 0, (unsigned short)dport };
		n += 2;
	}
	if (n)
		nl_put(nlh, INET_DIAG_REQ_BYTECODE, bc, n * sizeof(bc[0]));
	fd = nl_socket_ns(ns, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	l->n = 0;
	ret = nl_transact(fd, nlh, diag_cb, l);
	close(fd);
	return ret;
}

static inline int diag_count(const struct diag_list *l, int state, int sport, int dport)
{
	int i, c = 0;

	for (i = 0; i < l->n; i++)
		if ((state < 0 || l->e[i].state == state) &&
		    (sport < 0 || l->e[i].sport == sport) &&
		    (dport < 0 || l->e[i].dport == dport))
			c++;
	return c;
}

/* insmod mod/atcp_diag.ko of this checkout (after inet_diag) unless it is loaded. */
static inline int diag_module_load(void)
{
	char exe[PATH_MAX], cmd[PATH_MAX + 128], *slash;
	ssize_t n;

	if (!access("/sys/module/atcp_diag", F_OK))
		return 0;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	snprintf(cmd, sizeof(cmd), "modprobe inet_diag >/dev/null 2>&1; insmod %s/../mod/atcp_diag.ko",
		 exe);
	if (system(cmd))
		return -1;
	return access("/sys/module/atcp_diag", F_OK);
}

#endif /* ATCP_NL_H */
