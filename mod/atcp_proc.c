// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/atcp: one line per listener, request, connection and TIME_WAIT
 * entry, in the columns of /proc/net/tcp.  /proc/net/atcp_snmp: counters.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/sock.h>
#include "atcp.h"

struct atcp_proc_iter {
	struct seq_net_private	p;
	struct atcp_sock	*listener;	/* current item: a listener ... */
	struct atcp_ent		*ent;		/* ... or a table entry */
};

/* Find item @pos (0-based) with the table lock held. */
static void *atcp_proc_get_idx(struct seq_file *seq, loff_t pos)
{
	struct atcp_proc_iter *it = seq->private;
	struct atcp_net *an = atcp_pernet(seq_file_net(seq));
	struct atcp_sock *as;
	struct atcp_ent *ent;
	unsigned int i;

	it->listener = NULL;
	it->ent = NULL;
	for (i = 0; i < (1U << ATCP_LHASH_BITS); i++) {
		hlist_for_each_entry(as, &an->lhash[i], lnode) {
			if (pos-- == 0) {
				it->listener = as;
				return it;
			}
		}
	}
	for (i = 0; i < (1U << ATCP_EHASH_BITS); i++) {
		hlist_for_each_entry(ent, &an->ehash[i], node) {
			if (pos-- == 0) {
				it->ent = ent;
				return it;
			}
		}
	}
	return NULL;
}

static void *atcp_proc_start(struct seq_file *seq, loff_t *pos)
	__acquires(&an->lock)
{
	struct atcp_net *an = atcp_pernet(seq_file_net(seq));

	spin_lock_bh(&an->lock);
	return *pos ? atcp_proc_get_idx(seq, *pos - 1) : SEQ_START_TOKEN;
}

static void *atcp_proc_next(struct seq_file *seq, void *v, loff_t *pos)
{
	++*pos;
	return atcp_proc_get_idx(seq, *pos - 1);
}

static void atcp_proc_stop(struct seq_file *seq, void *v)
	__releases(&an->lock)
{
	struct atcp_net *an = atcp_pernet(seq_file_net(seq));

	spin_unlock_bh(&an->lock);
}

static long atcp_timer_left(const struct timer_list *timer)
{
	long left = timer->expires - jiffies;

	return left > 0 ? left : 0;
}

static void atcp_proc_show_sock(struct seq_file *seq, struct sock *sk, int sl)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	int state = inet_sk_state_load(sk);
	int timer = 0, rx, tx;
	long when = 0;

	if (state == TCP_LISTEN) {
		rx = READ_ONCE(sk->sk_ack_backlog);
		tx = 0;
	} else {
		rx = max_t(int, READ_ONCE(as->rcv_nxt) - READ_ONCE(as->copied_seq), 0);
		tx = max_t(int, READ_ONCE(as->write_seq) - READ_ONCE(as->snd_una), 0);
	}
	if (timer_pending(&as->rtx_timer)) {
		timer = as->probing ? 4 : 1;
		when = atcp_timer_left(&as->rtx_timer);
	} else if (timer_pending(&as->misc_timer)) {
		timer = 2;
		when = atcp_timer_left(&as->misc_timer);
	}
	seq_printf(seq, "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu",
		   sl, (__force u32)inet->inet_rcv_saddr, inet->inet_num,
		   (__force u32)inet->inet_daddr, ntohs(inet->inet_dport), state, tx, rx,
		   timer, when, as->retransmits,
		   from_kuid_munged(seq_user_ns(seq), sock_i_uid(sk)), 0, sock_i_ino(sk));
}

static void atcp_proc_show_ent(struct seq_file *seq, struct atcp_ent *ent, int sl)
{
	int state, timer, retrans = 0;
	kuid_t uid;
	long when;

	if (ent->kind == ATCP_ENT_SOCK) {
		atcp_proc_show_sock(seq, &container_of(ent, struct atcp_sock, ent)->inet.sk, sl);
		return;
	}
	if (ent->kind == ATCP_ENT_REQ) {
		struct atcp_request *req = container_of(ent, struct atcp_request, ent);

		state = TCP_SYN_RECV;
		timer = 1;
		when = atcp_timer_left(&req->timer);
		retrans = req->retries;
		uid = sock_i_uid(req->listener);
	} else {
		struct atcp_tw *tw = container_of(ent, struct atcp_tw, ent);

		state = TCP_TIME_WAIT;
		timer = 3;
		when = atcp_timer_left(&tw->timer);
		uid = tw->uid;
	}
	seq_printf(seq, "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu",
		   sl, (__force u32)ent->laddr, ntohs(ent->lport), (__force u32)ent->raddr,
		   ntohs(ent->rport), state, 0, 0, timer, when, retrans,
		   from_kuid_munged(seq_user_ns(seq), uid), 0, 0UL);
}

static int atcp_proc_show(struct seq_file *seq, void *v)
{
	struct atcp_proc_iter *it = v;
	int sl = seq->index - 1;

	if (v == SEQ_START_TOKEN)
		seq_puts(seq, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode");
	else if (it->listener)
		atcp_proc_show_sock(seq, &it->listener->inet.sk, sl);
	else
		atcp_proc_show_ent(seq, it->ent, sl);
	seq_pad(seq, '\n');
	return 0;
}

static const struct seq_operations atcp_proc_ops = {
	.start	= atcp_proc_start,
	.next	= atcp_proc_next,
	.stop	= atcp_proc_stop,
	.show	= atcp_proc_show,
};

const char * const atcp_mib_names[ATCP_MIB_MAX] = {
	[ATCP_MIB_ACTIVEOPENS]		= "ActiveOpens",
	[ATCP_MIB_PASSIVEOPENS]		= "PassiveOpens",
	[ATCP_MIB_ATTEMPTFAILS]		= "AttemptFails",
	[ATCP_MIB_ESTABRESETS]		= "EstabResets",
	[ATCP_MIB_INSEGS]		= "InSegs",
	[ATCP_MIB_OUTSEGS]		= "OutSegs",
	[ATCP_MIB_RETRANSSEGS]		= "RetransSegs",
	[ATCP_MIB_INERRS]		= "InErrs",
	[ATCP_MIB_INCSUMERRORS]		= "InCsumErrors",
	[ATCP_MIB_OUTRSTS]		= "OutRsts",
	[ATCP_MIB_LISTENOVERFLOWS]	= "ListenOverflows",
	[ATCP_MIB_LISTENDROPS]		= "ListenDrops",
	[ATCP_MIB_TIMEWAITS]		= "TW",
	[ATCP_MIB_CHALLENGEACKS]	= "ChallengeACK",
	[ATCP_MIB_OUTOFWINDOW]		= "OutOfWindow",
	[ATCP_MIB_BACKLOGDROPS]		= "BacklogDrop",
	[ATCP_MIB_RCVBUFDROPS]		= "RcvbufDrop",
	[ATCP_MIB_NOSOCKET]		= "NoSocket",
	[ATCP_MIB_PAWSDROPS]		= "PAWSEstab",
	[ATCP_MIB_GSOOUT]		= "GsoOutSkbs",
	[ATCP_MIB_GSOIN]		= "GsoInSkbs",
	[ATCP_MIB_CURRESTAB]		= "CurrEstab",
};

static int atcp_snmp_show(struct seq_file *seq, void *v)
{
	struct atcp_net *an = atcp_pernet(seq_file_single_net(seq));
	u64 sum[ATCP_MIB_MAX] = { };
	int cpu, i;

	for_each_possible_cpu(cpu)
		for (i = 0; i < ATCP_MIB_MAX; i++)
			sum[i] += per_cpu_ptr(an->mib, cpu)->mibs[i];

	seq_puts(seq, "Atcp:");
	for (i = 0; i < ATCP_MIB_MAX; i++)
		seq_printf(seq, " %s", atcp_mib_names[i]);
	seq_puts(seq, " CurrTimeWait\nAtcp:");
	for (i = 0; i < ATCP_MIB_MAX; i++)
		seq_printf(seq, " %llu", sum[i]);
	seq_printf(seq, " %d\n", atomic_read(&an->tw_count));
	atcp_nl_snmp_show_edges(seq, an);
	return 0;
}

int atcp_proc_init(struct net *net)
{
	if (!proc_create_net("atcp", 0444, net->proc_net, &atcp_proc_ops,
			     sizeof(struct atcp_proc_iter)))
		return -ENOMEM;
	if (!proc_create_net_single("atcp_snmp", 0444, net->proc_net, atcp_snmp_show, NULL)) {
		remove_proc_entry("atcp", net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

void atcp_proc_exit(struct net *net)
{
	remove_proc_entry("atcp_snmp", net->proc_net);
	remove_proc_entry("atcp", net->proc_net);
}
