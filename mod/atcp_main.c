// SPDX-License-Identifier: GPL-2.0
/*
 * atcp: an alternate TCP under IP protocol 253.
 *
 * Module registration, per-netns setup and the socket lifecycle helpers
 * (state changes, done, destroy) shared by the rest of the protocol.
 */
#include <linux/module.h>
#include <linux/siphash.h>
#include <net/protocol.h>
#include <net/inet_common.h>
#include <net/sock.h>
#include "atcp.h"

unsigned int atcp_net_id __read_mostly;

/* Memory accounting shared by all atcp sockets (like tcp_mem). */
static atomic_long_t atcp_memory_allocated;
static DEFINE_PER_CPU(int, atcp_memory_per_cpu_fw_alloc);
static struct percpu_counter atcp_sockets_allocated;
static unsigned long atcp_memory_pressure;
long atcp_sysctl_mem[3] __read_mostly;
/* only the minimums [0] are read by the core, under memory pressure */
static int atcp_rmem_floor[3] = { 4096, 4096, 4096 };
static int atcp_wmem_floor[3] = { 4096, 4096, 4096 };

static void atcp_enter_memory_pressure(struct sock *sk)
{
	if (!READ_ONCE(atcp_memory_pressure))
		WRITE_ONCE(atcp_memory_pressure, jiffies ? : 1);
}

static void atcp_leave_memory_pressure(struct sock *sk)
{
	WRITE_ONCE(atcp_memory_pressure, 0);
}

/* Defaults scaled to the machine, as TCP does for tcp_mem (pages). */
static void atcp_init_mem(void)
{
	unsigned long limit = max(nr_free_buffer_pages() / 16, 128UL);

	atcp_sysctl_mem[0] = limit / 4 * 3;
	atcp_sysctl_mem[1] = limit;
	atcp_sysctl_mem[2] = atcp_sysctl_mem[0] * 2;
}
static siphash_key_t atcp_isn_key __read_mostly;

/* RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secretkey). */
u32 atcp_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport)
{
	u32 hash;

	net_get_random_once(&atcp_isn_key, sizeof(atcp_isn_key));
	hash = siphash_3u32((__force u32)saddr, (__force u32)daddr,
			    ((u32)ntohs(sport) << 16) | ntohs(dport), &atcp_isn_key);
	/* M: a clock ticking every 64 ns, wrapping in ~4.6 minutes */
	return hash + (u32)(ktime_get_real_ns() >> 6);
}

/*
 * Every state change of a full socket goes through here, so that the
 * sock:inet_sock_set_state tracepoint sees it.  Entering CLOSE drops the
 * socket from the tables and gives up a port it did not bind explicitly.
 */
void atcp_set_state(struct sock *sk, int state)
{
	int old = sk->sk_state;

	if (old == state)
		return;
	atcp_nl_state_change(sk, old, state);
	atcp_fastopen_state_change(sk, old, state);
	if (state == TCP_ESTABLISHED && old == TCP_SYN_SENT)
		ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_ACTIVEOPENS);
	if (state == TCP_CLOSE) {
		atcp_unhash(sk);
		if (atcp_sk(sk)->bind.bound && !(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
			atcp_put_port(sk);
	}
	inet_sk_set_state(sk, state);
	if (state == TCP_ESTABLISHED) {
		atcp_sk(sk)->rcv_tstamp = jiffies;
		atcp_reset_keepalive(sk);
	}
}

static void atcp_purge_queues(struct sock *sk)
{
	atcp_write_queue_purge(sk);
	skb_queue_purge(&sk->sk_receive_queue);
	atcp_ofo_purge(sk);
}

/* Free an orphaned socket that reached CLOSE; drops the socket's own reference. */
void atcp_destroy_sock(struct sock *sk)
{
	atcp_fastopen_destroy(sk);
	atcp_clear_timers(sk);
	atcp_unhash(sk);
	if (atcp_sk(sk)->bind.bound)
		atcp_put_port(sk);
	atcp_purge_queues(sk);
	sk_mem_reclaim_final(sk);
	sk_sockets_allocated_dec(sk);
	sock_put(sk);
}

/* The connection is over: move to CLOSE and free the socket if nobody holds it. */
void atcp_done(struct sock *sk)
{
	atcp_set_state(sk, TCP_CLOSE);
	atcp_clear_timers(sk);
	sk->sk_shutdown = SHUTDOWN_MASK;
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
	else
		atcp_destroy_sock(sk);
}

/* Initialisation shared by user sockets and accepted children. */
void atcp_init_sock_common(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);

	INIT_LIST_HEAD(&as->accept_queue);
	INIT_LIST_HEAD(&as->accept_node);
	INIT_LIST_HEAD(&as->requests);
	atcp_ofo_init(as);
	skb_queue_head_init(&as->zc_pending);
	atcp_init_timers(sk);
	as->ent.kind = ATCP_ENT_SOCK;
	as->rto = atcp_ms_to_jiffies(READ_ONCE(atcp_sk_net(sk)->rto_initial_ms));
	as->mss = ATCP_DEFAULT_MSS;
	as->advmss = ATCP_DEFAULT_MSS;
	if (!(sk->sk_userlocks & SOCK_SNDBUF_LOCK))
		WRITE_ONCE(sk->sk_sndbuf, READ_ONCE(atcp_sk_net(sk)->wmem[1]));
	if (!(sk->sk_userlocks & SOCK_RCVBUF_LOCK))
		WRITE_ONCE(sk->sk_rcvbuf, READ_ONCE(atcp_sk_net(sk)->rmem[1]));
	sk_sockets_allocated_inc(sk);
	sk->sk_write_space = atcp_write_space;
	/* sk_setup_caps() then fills sk_gso_max_size/segs for super-segments */
	sk->sk_gso_type = ATCP_GSO_TYPE;
	sock_set_flag(sk, SOCK_RCU_FREE);
}

/* proto.init: process context, from socket() */
static int atcp_init_sock(struct sock *sk)
{
	atcp_init_sock_common(sk);
	return 0;
}

/* proto.destroy: only reached through sk_common_release() on failed creation */
static void atcp_destroy_proto(struct sock *sk)
{
	atcp_fastopen_destroy(sk);
	atcp_clear_timers(sk);
	atcp_purge_queues(sk);
	sk_mem_reclaim_final(sk);
	sk_sockets_allocated_dec(sk);
}

struct proto atcp_prot = {
	.name		= "ATCP",
	.owner		= THIS_MODULE,
	.close		= atcp_close,
	.connect	= atcp_connect,
	.disconnect	= atcp_disconnect,
	.accept		= atcp_accept,
	.init		= atcp_init_sock,
	.destroy	= atcp_destroy_proto,
	.shutdown	= atcp_shutdown,
	.keepalive	= atcp_set_keepalive,
	.setsockopt	= atcp_setsockopt,
	.getsockopt	= atcp_getsockopt,
	.sendmsg	= atcp_sendmsg,
	.stream_memory_free = atcp_stream_memory_free,
	.recvmsg	= atcp_recvmsg,
	.backlog_rcv	= atcp_do_rcv,
	.release_cb	= atcp_release_cb,
	.hash		= atcp_hash,
	.unhash		= atcp_unhash,
	.get_port	= atcp_get_port,
	.enter_memory_pressure	= atcp_enter_memory_pressure,
	.leave_memory_pressure	= atcp_leave_memory_pressure,
	.memory_allocated	= &atcp_memory_allocated,
	.per_cpu_fw_alloc	= &atcp_memory_per_cpu_fw_alloc,
	.sockets_allocated	= &atcp_sockets_allocated,
	.memory_pressure	= &atcp_memory_pressure,
	.sysctl_mem	= atcp_sysctl_mem,
	.sysctl_wmem	= atcp_wmem_floor,
	.sysctl_rmem	= atcp_rmem_floor,
	.max_header	= ATCP_MAX_HEADER,
	.obj_size	= sizeof(struct atcp_sock),
};

/*
 * The IP protocol number atcp runs under, chosen at load time: 253
 * (IPPROTO_ATCP) by default, 254 (the other RFC 3692 experimental number) or
 * any number no other protocol of this kernel holds, for networks that filter
 * 253.  Fixed while the module is loaded (0444).
 */
int atcp_ipproto = IPPROTO_ATCP;
EXPORT_SYMBOL_GPL(atcp_ipproto);
module_param_named(proto, atcp_ipproto, int, 0444);
MODULE_PARM_DESC(proto, "IP protocol number (default 253; 254 is the other experimental one)");

static const struct net_protocol atcp_protocol = {
	.handler	= atcp_v4_rcv,
	.err_handler	= atcp_v4_err,
	.no_policy	= 1,
};

static struct inet_protosw atcp_protosw = {
	.type		= SOCK_STREAM,
	.protocol	= IPPROTO_ATCP,	/* atcp_ipproto, set by atcp_init() */
	.prot		= &atcp_prot,
	.ops		= &atcp_stream_ops,
};

static int __net_init atcp_net_init(struct net *net)
{
	struct atcp_net *an = atcp_pernet(net);
	int err;

	an->net = net;
	atcp_params_init(an);
	atcp_fastopen_net_init(an);
	atomic_set(&an->tw_count, 0);
	err = atcp_tables_init(an);
	if (err)
		return err;
	err = -ENOMEM;
	an->mib = alloc_percpu(struct atcp_mib);
	if (!an->mib)
		goto free_tables;
	err = inet_ctl_sock_create(&an->ctl_sk, PF_INET, SOCK_RAW, atcp_ipproto, net);
	if (err)
		goto free_mib;
	err = atcp_sysctl_init(an);
	if (err)
		goto free_ctl;
	err = atcp_proc_init(net);
	if (err)
		goto free_sysctl;
	return 0;

free_sysctl:
	atcp_sysctl_exit(an);
free_ctl:
	inet_ctl_sock_destroy(an->ctl_sk);
free_mib:
	free_percpu(an->mib);
free_tables:
	atcp_tables_free(an);
	return err;
}

/* Namespace teardown: no sockets are left, only TIME_WAIT entries to flush. */
static void __net_exit atcp_net_exit(struct net *net)
{
	struct atcp_net *an = atcp_pernet(net);

	an->dying = true;
	atcp_proc_exit(net);
	atcp_tw_flush(an);
	atcp_fastopen_net_exit(an);
	atcp_sysctl_exit(an);
	inet_ctl_sock_destroy(an->ctl_sk);
	free_percpu(an->mib);
	atcp_tables_free(an);
}

static struct pernet_operations atcp_net_ops = {
	.init	= atcp_net_init,
	.exit	= atcp_net_exit,
	.id	= &atcp_net_id,
	.size	= sizeof(struct atcp_net),
};

static int __init atcp_init(void)
{
	int err;

	BUILD_BUG_ON(sizeof(struct atcp_info) != 144);
	BUILD_BUG_ON(sizeof(struct atcp_skb_cb) > sizeof_field(struct sk_buff, cb));
	/* 0 is the IPv6 hop-by-hop header's, 255 is reserved (IPPROTO_RAW) */
	if (atcp_ipproto < 1 || atcp_ipproto > 254) {
		pr_err("atcp: proto=%d: the IP protocol number must be 1..254\n", atcp_ipproto);
		return -EINVAL;
	}
	atcp_protosw.protocol = atcp_ipproto;

	atcp_init_mem();
	err = percpu_counter_init(&atcp_sockets_allocated, 0, GFP_KERNEL);
	if (err)
		return err;
	err = proto_register(&atcp_prot, 1);
	if (err)
		goto out_counter;
	err = register_pernet_subsys(&atcp_net_ops);
	if (err)
		goto out_proto;
	/* both fail when another protocol of the kernel holds the number */
	err = atcp_offload_init();
	if (err) {
		pr_err("atcp: proto=%d: IP protocol number in use\n", atcp_ipproto);
		err = -EBUSY;
		goto out_pernet;
	}
	err = inet_add_protocol(&atcp_protocol, atcp_ipproto);
	if (err) {
		pr_err("atcp: proto=%d: IP protocol number in use\n", atcp_ipproto);
		err = -EBUSY;
		goto out_offload;
	}
	inet_register_protosw(&atcp_protosw);
	err = atcp_netlink_init();
	if (err)
		goto out_protosw;
	return 0;

out_protosw:
	inet_unregister_protosw(&atcp_protosw);
	inet_del_protocol(&atcp_protocol, atcp_ipproto);
out_offload:
	atcp_offload_exit();
out_pernet:
	unregister_pernet_subsys(&atcp_net_ops);
out_proto:
	proto_unregister(&atcp_prot);
out_counter:
	percpu_counter_destroy(&atcp_sockets_allocated);
	return err;
}

static void __exit atcp_exit(void)
{
	atcp_netlink_exit();
	inet_unregister_protosw(&atcp_protosw);
	inet_del_protocol(&atcp_protocol, atcp_ipproto);
	atcp_offload_exit();
	unregister_pernet_subsys(&atcp_net_ops);
	rcu_barrier();
	atcp_fastopen_exit();
	proto_unregister(&atcp_prot);
	percpu_counter_destroy(&atcp_sockets_allocated);
}

module_init(atcp_init);
module_exit(atcp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("atcp: an alternate TCP over IP protocol 253 (proto=)");
/* autoloading by protocol number works for the default number only */
MODULE_ALIAS_NET_PF_PROTO_TYPE(PF_INET, IPPROTO_ATCP, SOCK_STREAM);
MODULE_ALIAS_NET_PF_PROTO(PF_INET, IPPROTO_ATCP);
