// SPDX-License-Identifier: GPL-2.0
/*
 * atcp control plane: the generic netlink family "atcp" and the state
 * diagram counters.
 *
 *  - PARAM_GET (do and dump) / PARAM_SET: the tunables of atcp_params[], the
 *    same values the net.atcp.* sysctls show;
 *  - STATS_GET: the MIB counters and one counter per edge of the state
 *    diagram (from-state, to-state) that was taken at least once;
 *  - the "events" multicast group: one message per state change of a
 *    socket, request entry (SYN_RECV) or TIME_WAIT entry, with the addresses,
 *    ports, both states and the cause (segment flags, timer, system call).
 *
 * Everything is per network namespace.  Reads are open to everyone,
 * PARAM_SET needs CAP_NET_ADMIN over the namespace's user namespace.
 * Events are built in any context (GFP_ATOMIC) and only when somebody
 * listens to the group.
 */
#include <linux/seq_file.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include "atcp.h"
#include "atcp_trace.h"

#define ATCP_PARAM_NAME_MAX	64

enum {
	ATCP_MCGRP_EVENTS,
};

static struct genl_family atcp_genl_family;

/* Set once the family is registered; events check it under RCU. */
static bool atcp_nl_ready;

static const char * const atcp_state_names[ATCP_MAX_STATES] = {
	"UNKNOWN",	/* 0 */
#define ATCP_STATE_NAME(id, name, ss_name) name,
	ATCP_STATE_LIST(ATCP_STATE_NAME)
#undef ATCP_STATE_NAME
};

/* ---- state diagram counters and events ---- */

static bool atcp_state_valid(int state)
{
	return state > 0 && state < ATCP_MAX_STATES;
}

static void atcp_count_edge(struct atcp_net *an, int old, int new)
{
	if (atcp_state_valid(old) && atcp_state_valid(new))
		this_cpu_inc(an->mib->edges[old][new]);
}

struct atcp_nl_event {
	u8	kind;
	u8	old;
	u8	new;
	u8	cause;
	u8	detail;
	__be32	laddr;
	__be32	raddr;
	u16	lport;
	u16	rport;
};

static size_t atcp_nl_event_size(void)
{
	return 5 * nla_total_size(sizeof(u8)) +		/* kind, states, cause, detail */
	       2 * nla_total_size(sizeof(__be32)) +	/* addresses */
	       2 * nla_total_size(sizeof(u16)) +	/* ports */
	       nla_total_size_64bit(sizeof(u64));	/* time */
}

static int atcp_nl_event_fill(struct sk_buff *skb, const struct atcp_nl_event *ev)
{
	void *hdr;

	hdr = genlmsg_put(skb, 0, 0, &atcp_genl_family, 0, ATCP_CMD_EVENT);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u8(skb, ATCP_A_EV_KIND, ev->kind) ||
	    nla_put_u8(skb, ATCP_A_EV_OLD_STATE, ev->old) ||
	    nla_put_u8(skb, ATCP_A_EV_NEW_STATE, ev->new) ||
	    nla_put_u8(skb, ATCP_A_EV_CAUSE, ev->cause) ||
	    nla_put_u8(skb, ATCP_A_EV_DETAIL, ev->detail) ||
	    nla_put_in_addr(skb, ATCP_A_EV_SADDR, ev->laddr) ||
	    nla_put_in_addr(skb, ATCP_A_EV_DADDR, ev->raddr) ||
	    nla_put_u16(skb, ATCP_A_EV_SPORT, ev->lport) ||
	    nla_put_u16(skb, ATCP_A_EV_DPORT, ev->rport) ||
	    nla_put_u64_64bit(skb, ATCP_A_EV_TIME_NS, ktime_get_real_ns(), ATCP_A_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * Any context.  Every state change ends here: the atcp:atcp_state trace
 * event, then the multicast, cheap when nobody listens to the "events" group.
 */
static void atcp_nl_event_send(struct net *net, const struct atcp_nl_event *ev)
{
	struct sk_buff *skb;

	trace_atcp_state(ev->kind, ev->old, ev->new, ev->cause, ev->detail, ev->laddr,
			 ev->raddr, ev->lport, ev->rport);
	rcu_read_lock();
	if (!READ_ONCE(atcp_nl_ready) ||
	    !genl_has_listeners(&atcp_genl_family, net, ATCP_MCGRP_EVENTS))
		goto out;
	skb = genlmsg_new(atcp_nl_event_size(), GFP_ATOMIC);
	if (!skb)
		goto out;
	if (atcp_nl_event_fill(skb, ev)) {
		nlmsg_free(skb);
		goto out;
	}
	genlmsg_multicast_netns(&atcp_genl_family, net, skb, 0, ATCP_MCGRP_EVENTS, GFP_ATOMIC);
out:
	rcu_read_unlock();
}

static bool atcp_state_is_estab(int state)
{
	return state == TCP_ESTABLISHED || state == TCP_CLOSE_WAIT;
}

/* From atcp_set_state(), before anything changes: a full socket's transition. */
void atcp_nl_state_change(struct sock *sk, int old, int new)
{
	struct atcp_net *an = atcp_sk_net(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct atcp_nl_event ev;

	/* The socket handed its connection to a TIME_WAIT entry, which reports its end. */
	if (old == TCP_TIME_WAIT && new == TCP_CLOSE)
		return;

	atcp_count_edge(an, old, new);
	if (atcp_state_is_estab(old) != atcp_state_is_estab(new)) {
		if (atcp_state_is_estab(new))
			this_cpu_inc(an->mib->mibs[ATCP_MIB_CURRESTAB]);
		else
			this_cpu_dec(an->mib->mibs[ATCP_MIB_CURRESTAB]);
	}

	ev.kind = ATCP_EV_SOCK;
	ev.old = old;
	ev.new = new;
	ev.cause = READ_ONCE(atcp_sk(sk)->ev_cause);
	ev.detail = READ_ONCE(atcp_sk(sk)->ev_detail);
	ev.laddr = inet->inet_rcv_saddr;
	ev.raddr = inet->inet_daddr;
	ev.lport = inet->inet_num;
	ev.rport = ntohs(inet->inet_dport);
	atcp_nl_event_send(sock_net(sk), &ev);
}

/* A request entry was created (LISTEN -> SYN_RECV) or ended without becoming a socket. */
void atcp_nl_req_event(const struct atcp_request *req, int old, int new, u8 cause, u8 detail)
{
	struct net *net = sock_net(req->listener);
	struct atcp_nl_event ev = {
		.kind	= ATCP_EV_REQUEST,
		.old	= old,
		.new	= new,
		.cause	= cause,
		.detail	= detail,
		.laddr	= req->ent.laddr,
		.raddr	= req->ent.raddr,
		.lport	= ntohs(req->ent.lport),
		.rport	= ntohs(req->ent.rport),
	};

	atcp_count_edge(atcp_pernet(net), old, new);
	atcp_nl_event_send(net, &ev);
}

/* A TIME_WAIT entry ended (TIME_WAIT -> CLOSE): 2*MSL passed, RST or new SYN. */
void atcp_nl_tw_event(struct atcp_net *an, const struct atcp_tw *tw, u8 cause, u8 detail)
{
	struct atcp_nl_event ev = {
		.kind	= ATCP_EV_TIMEWAIT,
		.old	= TCP_TIME_WAIT,
		.new	= TCP_CLOSE,
		.cause	= cause,
		.detail	= detail,
		.laddr	= tw->ent.laddr,
		.raddr	= tw->ent.raddr,
		.lport	= ntohs(tw->ent.lport),
		.rport	= ntohs(tw->ent.rport),
	};

	atcp_count_edge(an, TCP_TIME_WAIT, TCP_CLOSE);
	atcp_nl_event_send(an->net, &ev);
}

static void atcp_edges_sum(struct atcp_net *an, u64 (*sum)[ATCP_MAX_STATES])
{
	int cpu, i, j;

	memset(sum, 0, sizeof(u64) * ATCP_MAX_STATES * ATCP_MAX_STATES);
	for_each_possible_cpu(cpu) {
		const struct atcp_mib *mib = per_cpu_ptr(an->mib, cpu);

		for (i = 0; i < ATCP_MAX_STATES; i++)
			for (j = 0; j < ATCP_MAX_STATES; j++)
				sum[i][j] += mib->edges[i][j];
	}
}

/* /proc/net/atcp_snmp: one column per edge FROM>TO, in a fixed order. */
void atcp_nl_snmp_show_edges(struct seq_file *seq, struct atcp_net *an)
{
	u64 (*sum)[ATCP_MAX_STATES];
	int i, j;

	sum = kmalloc(sizeof(u64) * ATCP_MAX_STATES * ATCP_MAX_STATES, GFP_KERNEL);
	if (!sum)
		return;
	atcp_edges_sum(an, sum);
	seq_puts(seq, "AtcpEdges:");
	for (i = 1; i < ATCP_MAX_STATES; i++)
		for (j = 1; j < ATCP_MAX_STATES; j++)
			if (i != j)
				seq_printf(seq, " %s>%s", atcp_state_names[i], atcp_state_names[j]);
	seq_puts(seq, "\nAtcpEdges:");
	for (i = 1; i < ATCP_MAX_STATES; i++)
		for (j = 1; j < ATCP_MAX_STATES; j++)
			if (i != j)
				seq_printf(seq, " %llu", sum[i][j]);
	seq_putc(seq, '\n');
	kfree(sum);
}

/* ---- PARAM_GET / PARAM_SET ---- */

/*
 * Parameter indexes: the integers of atcp_params[], then the text tunables
 * of atcp_text_params[] (congestion_control, rmem, ...), each the sysctl of
 * the same name.
 */
#define ATCP_PARAM_TEXT_FIRST	atcp_nparams
#define ATCP_PARAM_COUNT	(atcp_nparams + atcp_ntext_params)

static bool atcp_param_is_text(unsigned int idx)
{
	return idx >= ATCP_PARAM_TEXT_FIRST;
}

static int atcp_param_lookup(const struct atcp_net *an, const char *name)
{
	unsigned int i;

	for (i = 0; i < atcp_nparams; i++)
		if (!strcmp(atcp_params[i].name, name))
			return i;
	for (i = 0; i < atcp_ntext_params; i++)
		if (!strcmp(atcp_text_params[i].name, name) && atcp_text_param_visible(an, i))
			return ATCP_PARAM_TEXT_FIRST + i;
	return -ENOENT;
}

static int atcp_param_text_fill(struct sk_buff *skb, struct atcp_net *an, unsigned int idx)
{
	const struct atcp_text_param *p = &atcp_text_params[idx - ATCP_PARAM_TEXT_FIRST];
	char val[ATCP_TEXT_PARAM_MAX];
	int err;

	err = atcp_text_param_get(an, idx - ATCP_PARAM_TEXT_FIRST, val, sizeof(val));
	if (err)
		return err;
	if (nla_put_string(skb, ATCP_A_PARAM_NAME, p->name) ||
	    nla_put_string(skb, ATCP_A_PARAM_STRING, val) ||
	    (!(p->mode & 0200) && nla_put_flag(skb, ATCP_A_PARAM_READONLY)))
		return -EMSGSIZE;
	return 0;
}

static int atcp_param_int_fill(struct sk_buff *skb, struct atcp_net *an, unsigned int idx)
{
	const struct atcp_param *p = &atcp_params[idx];

	if (nla_put_string(skb, ATCP_A_PARAM_NAME, p->name) ||
	    nla_put_s32(skb, ATCP_A_PARAM_VALUE, atcp_param_get(an, idx)) ||
	    nla_put_s32(skb, ATCP_A_PARAM_MIN, p->min) ||
	    nla_put_s32(skb, ATCP_A_PARAM_MAX, p->max) ||
	    nla_put_s32(skb, ATCP_A_PARAM_DEFAULT, p->def))
		return -EMSGSIZE;
	return 0;
}

static int atcp_param_fill(struct sk_buff *skb, struct atcp_net *an, unsigned int idx,
			   u32 portid, u32 seq, int flags)
{
	void *hdr;
	int err;

	hdr = genlmsg_put(skb, portid, seq, &atcp_genl_family, flags, ATCP_CMD_PARAM_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (atcp_param_is_text(idx))
		err = atcp_param_text_fill(skb, an, idx);
	else
		err = atcp_param_int_fill(skb, an, idx);
	if (err) {
		genlmsg_cancel(skb, hdr);
		return err;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int atcp_param_reply(struct genl_info *info, struct atcp_net *an, unsigned int idx)
{
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = atcp_param_fill(msg, an, idx, info->snd_portid, info->snd_seq, 0);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int atcp_nl_param_find(struct genl_info *info, struct atcp_net *an)
{
	int idx;

	if (GENL_REQ_ATTR_CHECK(info, ATCP_A_PARAM_NAME))
		return -EINVAL;
	idx = atcp_param_lookup(an, nla_data(info->attrs[ATCP_A_PARAM_NAME]));
	if (idx < 0)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[ATCP_A_PARAM_NAME],
				    "no such atcp parameter");
	return idx;
}

static int atcp_nl_param_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct atcp_net *an = atcp_pernet(genl_info_net(info));
	int idx = atcp_nl_param_find(info, an);

	if (idx < 0)
		return idx;
	return atcp_param_reply(info, an, idx);
}

static int atcp_nl_param_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct atcp_net *an = atcp_pernet(sock_net(skb->sk));
	unsigned int idx;

	for (idx = cb->args[0]; idx < ATCP_PARAM_COUNT; idx++) {
		if (atcp_param_is_text(idx) &&
		    !atcp_text_param_visible(an, idx - ATCP_PARAM_TEXT_FIRST))
			continue;
		if (atcp_param_fill(skb, an, idx, NETLINK_CB(cb->skb).portid,
				    cb->nlh->nlmsg_seq, NLM_F_MULTI))
			break;
	}
	cb->args[0] = idx;
	return skb->len;
}

static int atcp_nl_param_set_text(struct genl_info *info, struct atcp_net *an,
				  unsigned int idx)
{
	struct nlattr *val = info->attrs[ATCP_A_PARAM_STRING];
	int err;

	if (GENL_REQ_ATTR_CHECK(info, ATCP_A_PARAM_STRING))
		return -EINVAL;
	err = atcp_text_param_set(an, idx - ATCP_PARAM_TEXT_FIRST, nla_data(val));
	if (err == -EPERM) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[ATCP_A_PARAM_NAME],
				    "read-only parameter");
		return err;
	}
	if (err) {
		NL_SET_ERR_MSG_ATTR(info->extack, val,
				    "invalid value (a known algorithm; triples: 0 < min <= mid <= max)");
		return -EINVAL;
	}
	return atcp_param_reply(info, an, idx);
}

static int atcp_nl_param_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct atcp_net *an = atcp_pernet(genl_info_net(info));
	int idx = atcp_nl_param_find(info, an);
	const char *why = NULL;
	int err;

	if (idx < 0)
		return idx;
	if (atcp_param_is_text(idx))
		return atcp_nl_param_set_text(info, an, idx);
	if (GENL_REQ_ATTR_CHECK(info, ATCP_A_PARAM_VALUE))
		return -EINVAL;
	err = atcp_param_set(an, idx, nla_get_s32(info->attrs[ATCP_A_PARAM_VALUE]), &why);
	if (err) {
		/* @why is a string literal of atcp_param_set(), as extack wants */
		if (info->extack) {
			info->extack->_msg = why;
			info->extack->bad_attr = info->attrs[ATCP_A_PARAM_VALUE];
		}
		return err;
	}
	return atcp_param_reply(info, an, idx);
}

/* ---- STATS_GET ---- */

static size_t atcp_stats_size(void)
{
	size_t mib = nla_total_size(0) + nla_total_size(sizeof(u32)) +
		     nla_total_size(32) + nla_total_size_64bit(sizeof(u64));
	size_t edge = nla_total_size(0) + 2 * nla_total_size(sizeof(u8)) +
		      nla_total_size_64bit(sizeof(u64));

	return nla_total_size(sizeof(u8)) +
	       ATCP_MIB_MAX * mib + ATCP_MAX_STATES * ATCP_MAX_STATES * edge;
}

static int atcp_put_mib(struct sk_buff *skb, u32 id, const char *name, u64 val)
{
	struct nlattr *nest = nla_nest_start(skb, ATCP_A_STATS_MIB);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, ATCP_A_MIB_ID, id) ||
	    nla_put_string(skb, ATCP_A_MIB_NAME, name) ||
	    nla_put_u64_64bit(skb, ATCP_A_MIB_VALUE, val, ATCP_A_MIB_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int atcp_put_edge(struct sk_buff *skb, int from, int to, u64 count)
{
	struct nlattr *nest = nla_nest_start(skb, ATCP_A_STATS_EDGE);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, ATCP_A_EDGE_FROM, from) ||
	    nla_put_u8(skb, ATCP_A_EDGE_TO, to) ||
	    nla_put_u64_64bit(skb, ATCP_A_EDGE_COUNT, count, ATCP_A_EDGE_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int atcp_stats_fill(struct sk_buff *msg, struct atcp_net *an,
			   u64 (*edges)[ATCP_MAX_STATES])
{
	u64 sum[ATCP_MIB_MAX];
	int i, j;

	if (nla_put_u8(msg, ATCP_A_PROTOCOL, atcp_ipproto))
		return -EMSGSIZE;
	atcp_mib_sum(an, sum);
	for (i = 0; i < ATCP_MIB_MAX; i++)
		if (atcp_put_mib(msg, atcp_mib_stat_id(i), atcp_mib_names[i], sum[i]))
			return -EMSGSIZE;

	atcp_edges_sum(an, edges);
	for (i = 1; i < ATCP_MAX_STATES; i++)
		for (j = 1; j < ATCP_MAX_STATES; j++)
			if (edges[i][j] && atcp_put_edge(msg, i, j, edges[i][j]))
				return -EMSGSIZE;
	return 0;
}

static int atcp_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct atcp_net *an = atcp_pernet(genl_info_net(info));
	u64 (*edges)[ATCP_MAX_STATES];
	struct sk_buff *msg;
	void *hdr;
	int err = -ENOMEM;

	edges = kmalloc(sizeof(u64) * ATCP_MAX_STATES * ATCP_MAX_STATES, GFP_KERNEL);
	if (!edges)
		return -ENOMEM;
	msg = genlmsg_new(atcp_stats_size(), GFP_KERNEL);
	if (!msg)
		goto out;
	hdr = genlmsg_put_reply(msg, info, &atcp_genl_family, 0, ATCP_CMD_STATS_GET);
	err = -EMSGSIZE;
	if (!hdr || atcp_stats_fill(msg, an, edges)) {
		nlmsg_free(msg);
		goto out;
	}
	genlmsg_end(msg, hdr);
	err = genlmsg_reply(msg, info);
out:
	kfree(edges);
	return err;
}

/* ---- family ---- */

static const struct nla_policy atcp_param_get_policy[ATCP_A_MAX + 1] = {
	[ATCP_A_PARAM_NAME]	= { .type = NLA_NUL_STRING, .len = ATCP_PARAM_NAME_MAX - 1 },
};

/* Every tunable is a non-negative int; the exact range is checked per parameter. */
static const struct nla_policy atcp_param_set_policy[ATCP_A_MAX + 1] = {
	[ATCP_A_PARAM_NAME]	= { .type = NLA_NUL_STRING, .len = ATCP_PARAM_NAME_MAX - 1 },
	[ATCP_A_PARAM_VALUE]	= NLA_POLICY_MIN(NLA_S32, 0),
	[ATCP_A_PARAM_STRING]	= { .type = NLA_NUL_STRING, .len = ATCP_TEXT_PARAM_MAX - 1 },
};

static const struct nla_policy atcp_stats_get_policy[ATCP_A_MAX + 1] = {
};

static const struct genl_ops atcp_genl_ops[] = {
	{
		.cmd		= ATCP_CMD_PARAM_GET,
		.doit		= atcp_nl_param_get_doit,
		.dumpit		= atcp_nl_param_get_dumpit,
		.policy		= atcp_param_get_policy,
		.maxattr	= ATCP_A_MAX,
	},
	{
		.cmd		= ATCP_CMD_PARAM_SET,
		.doit		= atcp_nl_param_set_doit,
		.policy		= atcp_param_set_policy,
		.maxattr	= ATCP_A_MAX,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= ATCP_CMD_STATS_GET,
		.doit		= atcp_nl_stats_get_doit,
		.policy		= atcp_stats_get_policy,
		.maxattr	= ATCP_A_MAX,
	},
};

static const struct genl_multicast_group atcp_mcgrps[] = {
	[ATCP_MCGRP_EVENTS] = { .name = ATCP_GENL_MCGRP_EVENTS },
};

static struct genl_family atcp_genl_family __ro_after_init = {
	.name		= ATCP_GENL_NAME,
	.version	= ATCP_GENL_VERSION,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.ops		= atcp_genl_ops,
	.n_ops		= ARRAY_SIZE(atcp_genl_ops),
	.resv_start_op	= ATCP_CMD_STATS_GET + 1,
	.mcgrps		= atcp_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(atcp_mcgrps),
};

int __init atcp_netlink_init(void)
{
	unsigned int i;
	int err;

	BUILD_BUG_ON(ARRAY_SIZE(atcp_state_names) != TCP_CLOSING + 1);
	BUILD_BUG_ON((int)ATCP_ESTABLISHED != TCP_ESTABLISHED || (int)ATCP_CLOSING != TCP_CLOSING);
	BUILD_BUG_ON((int)ATCP_SYN_RECV != TCP_SYN_RECV || (int)ATCP_CLOSE != TCP_CLOSE);
	BUILD_BUG_ON(ATCP_MIB_MAX + 1 != __ATCP_STAT_MAX);
	BUILD_BUG_ON(ATCP_FLAG_FIN != ATCPHDR_FIN || ATCP_FLAG_SYN != ATCPHDR_SYN ||
		     ATCP_FLAG_RST != ATCPHDR_RST || ATCP_FLAG_PSH != ATCPHDR_PSH ||
		     ATCP_FLAG_ACK != ATCPHDR_ACK);
	/* the netlink policy accepts non-negative values only */
	for (i = 0; i < atcp_nparams; i++)
		if (WARN_ON(atcp_params[i].min < 0 ||
			    strlen(atcp_params[i].name) >= ATCP_PARAM_NAME_MAX))
			return -EINVAL;

	err = genl_register_family(&atcp_genl_family);
	if (err)
		return err;
	WRITE_ONCE(atcp_nl_ready, true);
	return 0;
}

void atcp_netlink_exit(void)
{
	WRITE_ONCE(atcp_nl_ready, false);
	synchronize_rcu();	/* no event is being sent any more */
	genl_unregister_family(&atcp_genl_family);
}
