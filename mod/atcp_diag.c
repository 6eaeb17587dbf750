// SPDX-License-Identifier: GPL-2.0
/*
 * atcp_diag: NETLINK_SOCK_DIAG support for atcp (IP protocol 253), the
 * counterpart of tcp_diag.  inet_diag hands us requests for
 * sdiag_protocol 253; we answer from atcp's own tables (listeners, SYN_RECV
 * request entries, connections, TIME_WAIT entries) of the requester's
 * network namespace, honouring the state mask and the filter bytecode
 * (ports, addresses, device, mark).  INET_DIAG_INFO carries struct atcp_info.
 *
 * Loaded on demand by inet_diag (alias net-pf-16-proto-4-type-2-253) when
 * modprobe can find it, or with insmod after atcp.ko and inet_diag.ko.
 */
#include <linux/module.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <net/netlink.h>
#include <net/sock.h>
#include "atcp.h"

struct atcp_diag_ctx {
	struct sk_buff			*skb;
	const struct inet_diag_req_v2	*req;
	const struct nlattr		*bc;
	struct user_namespace		*user_ns;
	const struct nlmsghdr		*unlh;
	u32				portid;
	u16				nlmsg_flags;
	bool				found;	/* dump_one */
};

/* Does the first @bits bits of @addr equal those of @prefix (network order)? */
static bool atcp_diag_prefix_match(__be32 addr, __be32 prefix, unsigned int bits)
{
	u32 mask;

	if (!bits)
		return true;
	if (bits > 32)
		return false;
	mask = bits == 32 ? ~0U : ~(~0U >> bits);
	return !((ntohl(addr) ^ ntohl(prefix)) & mask);
}

static bool atcp_diag_hostcond(const struct inet_diag_bc_op *op, const struct atcp_diag_entry *e)
{
	const struct inet_diag_hostcond *cond = (const void *)(op + 1);
	bool src = op->code == INET_DIAG_BC_S_COND;
	u16 port = ntohs(src ? e->lport : e->rport);
	__be32 addr = src ? e->laddr : e->raddr;

	if (cond->port != -1 && cond->port != port)
		return false;
	if (cond->family != AF_UNSPEC && cond->family != AF_INET)
		return false;
	if (!cond->prefix_len)
		return true;
	return atcp_diag_prefix_match(addr, cond->addr[0], cond->prefix_len);
}

/*
 * Run the filter (already audited by inet_diag) on one entry, with the
 * semantics of inet_diag's: each op jumps by op->yes or op->no bytes, the
 * entry matches if the program runs exactly to its end.
 */
static bool atcp_diag_bc_run(const struct nlattr *attr, const struct atcp_diag_entry *e)
{
	const void *bc = nla_data(attr);
	int len = nla_len(attr);
	u16 sport = ntohs(e->lport), dport = ntohs(e->rport);

	while (len > 0) {
		const struct inet_diag_bc_op *op = bc;
		bool yes;

		switch (op->code) {
		case INET_DIAG_BC_NOP:
			yes = true;
			break;
		case INET_DIAG_BC_JMP:
			yes = false;
			break;
		case INET_DIAG_BC_S_EQ:
			yes = sport == op[1].no;
			break;
		case INET_DIAG_BC_S_GE:
			yes = sport >= op[1].no;
			break;
		case INET_DIAG_BC_S_LE:
			yes = sport <= op[1].no;
			break;
		case INET_DIAG_BC_D_EQ:
			yes = dport == op[1].no;
			break;
		case INET_DIAG_BC_D_GE:
			yes = dport >= op[1].no;
			break;
		case INET_DIAG_BC_D_LE:
			yes = dport <= op[1].no;
			break;
		case INET_DIAG_BC_AUTO:
			yes = !(e->userlocks & SOCK_BINDPORT_LOCK);
			break;
		case INET_DIAG_BC_S_COND:
		case INET_DIAG_BC_D_COND:
			yes = atcp_diag_hostcond(op, e);
			break;
		case INET_DIAG_BC_DEV_COND:
			yes = *(const u32 *)(op + 1) == (u32)e->bound_dev_if;
			break;
		case INET_DIAG_BC_MARK_COND: {
			const struct inet_diag_markcond *cond = (const void *)(op + 1);

			yes = (e->mark & cond->mask) == cond->mark;
			break;
		}
		default:	/* cgroups, socket options: atcp entries never match */
			yes = false;
			break;
		}
		if (yes) {
			len -= op->yes;
			bc += op->yes;
		} else {
			len -= op->no;
			bc += op->no;
		}
	}
	return len == 0;
}

static int atcp_diag_fill(const struct atcp_diag_entry *e, struct atcp_diag_ctx *ctx)
{
	struct sk_buff *skb = ctx->skb;
	struct inet_diag_msg *r;
	struct nlmsghdr *nlh;

	nlh = nlmsg_put(skb, ctx->portid, ctx->unlh->nlmsg_seq, ctx->unlh->nlmsg_type,
			sizeof(*r), ctx->nlmsg_flags);
	if (!nlh)
		return -EMSGSIZE;
	r = nlmsg_data(nlh);
	memset(r, 0, sizeof(*r));
	r->idiag_family = AF_INET;
	r->idiag_state = e->state;
	r->idiag_timer = e->timer;
	/* as TCP's: probes under the probe and keepalive timers */
	r->idiag_retrans = e->timer == 2 || e->timer == 4 ? e->probes : e->retrans;
	r->id.idiag_sport = e->lport;
	r->id.idiag_dport = e->rport;
	r->id.idiag_src[0] = e->laddr;
	r->id.idiag_dst[0] = e->raddr;
	r->id.idiag_if = e->bound_dev_if;
	r->id.idiag_cookie[0] = e->cookie[0];
	r->id.idiag_cookie[1] = e->cookie[1];
	r->idiag_expires = min_t(unsigned long, jiffies_to_msecs(e->expires), U32_MAX);
	r->idiag_rqueue = e->rqueue;
	r->idiag_wqueue = e->wqueue;
	r->idiag_uid = from_kuid_munged(ctx->user_ns, e->uid);
	r->idiag_inode = e->ino;

	if (e->kind == ATCP_EV_SOCK && nla_put_u8(skb, INET_DIAG_SHUTDOWN, e->shutdown))
		goto cancel;
	if ((ctx->req->idiag_ext & (1 << (INET_DIAG_INFO - 1))) && e->has_info &&
	    nla_put(skb, INET_DIAG_INFO, sizeof(e->info), &e->info))
		goto cancel;
	nlmsg_end(skb, nlh);
	return 0;
cancel:
	nlmsg_cancel(skb, nlh);
	return -EMSGSIZE;
}

static int atcp_diag_emit(const struct atcp_diag_entry *e, void *arg)
{
	struct atcp_diag_ctx *ctx = arg;

	if (ctx->bc && !atcp_diag_bc_run(ctx->bc, e))
		return 0;
	return atcp_diag_fill(e, ctx);
}

static bool atcp_diag_want_info(const struct inet_diag_req_v2 *req)
{
	return req->idiag_ext & (1 << (INET_DIAG_INFO - 1));
}

static void atcp_diag_dump(struct sk_buff *skb, struct netlink_callback *cb,
			   const struct inet_diag_req_v2 *req)
{
	struct inet_diag_dump_data *cb_data = cb->data;
	struct atcp_diag_pos *pos = (struct atcp_diag_pos *)cb->args;
	struct atcp_diag_ctx ctx = {
		.skb		= skb,
		.req		= req,
		.bc		= cb_data ? cb_data->inet_diag_nla_bc : NULL,
		.user_ns	= sk_user_ns(NETLINK_CB(cb->skb).sk),
		.unlh		= cb->nlh,
		.portid		= NETLINK_CB(cb->skb).portid,
		.nlmsg_flags	= NLM_F_MULTI,
	};

	BUILD_BUG_ON(sizeof(*pos) > sizeof(cb->args));
	if (req->sdiag_family != AF_INET)
		return;
	atcp_diag_walk(sock_net(cb->skb->sk), req->idiag_states, atcp_diag_want_info(req),
		       pos, atcp_diag_emit, &ctx);
}

/* dump_one: the entry with exactly this 4-tuple (and cookie, if given) */
static int atcp_diag_match_one(const struct atcp_diag_entry *e, void *arg)
{
	struct atcp_diag_ctx *ctx = arg;
	const struct inet_diag_sockid *id = &ctx->req->id;

	if (ctx->found || e->laddr != id->idiag_src[0] || e->raddr != id->idiag_dst[0] ||
	    e->lport != id->idiag_sport || e->rport != id->idiag_dport)
		return 0;
	if ((id->idiag_cookie[0] != INET_DIAG_NOCOOKIE ||
	     id->idiag_cookie[1] != INET_DIAG_NOCOOKIE) &&
	    (id->idiag_cookie[0] != e->cookie[0] || id->idiag_cookie[1] != e->cookie[1]))
		return 0;
	ctx->found = true;
	return atcp_diag_fill(e, ctx);
}

static int atcp_diag_dump_one(struct netlink_callback *cb, const struct inet_diag_req_v2 *req)
{
	struct sk_buff *in_skb = cb->skb;
	struct net *net = sock_net(in_skb->sk);
	struct atcp_diag_pos pos = { };
	struct atcp_diag_ctx ctx = {
		.req		= req,
		.user_ns	= sk_user_ns(NETLINK_CB(in_skb).sk),
		.unlh		= cb->nlh,
		.portid		= NETLINK_CB(in_skb).portid,
	};
	int err;

	if (req->sdiag_family != AF_INET)
		return -EINVAL;
	ctx.skb = nlmsg_new(sizeof(struct inet_diag_msg) + nla_total_size(1) +
			    nla_total_size(sizeof(struct atcp_info)) + 64, GFP_KERNEL);
	if (!ctx.skb)
		return -ENOMEM;
	err = atcp_diag_walk(net, ~0U, atcp_diag_want_info(req), &pos, atcp_diag_match_one, &ctx);
	if (!err && !ctx.found)
		err = -ENOENT;
	if (err) {
		kfree_skb(ctx.skb);
		return err;
	}
	return nlmsg_unicast(net->diag_nlsk, ctx.skb, NETLINK_CB(in_skb).portid);
}

/* idiag_type is atcp's protocol number (atcp.ko's proto=), set at init */
static struct inet_diag_handler atcp_diag_handler = {
#if ATCP_DIAG_HANDLER_OWNER
	.owner			= THIS_MODULE,
#endif
	.dump			= atcp_diag_dump,
	.dump_one		= atcp_diag_dump_one,
	.idiag_type		= IPPROTO_ATCP,	/* atcp_ipproto, set by atcp_diag_init() */
	.idiag_info_size	= sizeof(struct atcp_info),
};

static int __init atcp_diag_init(void)
{
	atcp_diag_handler.idiag_type = atcp_ipproto;
	return inet_diag_register(&atcp_diag_handler);
}

static void __exit atcp_diag_exit(void)
{
	inet_diag_unregister(&atcp_diag_handler);
}

module_init(atcp_diag_init);
module_exit(atcp_diag_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("atcp: sock_diag (inet_diag) support for IP protocol 253");
/* autoloaded for the default protocol number only; load it by hand with proto= */
MODULE_ALIAS_NET_PF_PROTO_TYPE(PF_NETLINK, NETLINK_SOCK_DIAG, 2-253 /* AF_INET - IPPROTO_ATCP */);
