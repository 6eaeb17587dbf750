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
	/* where the current item is, so that the next read() resumes there */
	loff_t			pos;		/* its seq position, 0: none */
	unsigned int		table;		/* 0 lhash, 1 ehash */
	unsigned int		bucket;
	unsigned int		offset;		/* index in the bucket */
};

/*
 * The first item at or after entry @offset of @bucket in @table, table lock
 * held.  Costs the length of one bucket plus the empty buckets skipped, so
 * a full read is linear in the number of entries.
 */
static void *atcp_proc_find(struct seq_file *seq, unsigned int table, unsigned int bucket,
			    unsigned int offset)
{
	struct atcp_proc_iter *it = seq->private;
	struct atcp_net *an = atcp_pernet(seq_file_net(seq));
	struct atcp_sock *as;
	struct atcp_ent *ent;
	unsigned int n;

	it->listener = NULL;
	it->ent = NULL;
	for (; table < 2; table++, bucket = 0) {
		unsigned int size = table ? 1U << ATCP_EHASH_BITS : 1U << ATCP_LHASH_BITS;

		for (; bucket < size; bucket++, offset = 0) {
			n = 0;
			if (!table) {
				hlist_for_each_entry(as, &an->lhash[bucket], lnode) {
					if (n++ == offset) {
						it->listener = as;
						goto found;
					}
				}
			} else {
				hlist_for_each_entry(ent, &an->ehash[bucket], node) {
					if (n++ == offset) {
						it->ent = ent;
						goto found;
					}
				}
			}
		}
	}
	it->pos = 0;
	return NULL;
found:
	it->table = table;
	it->bucket = bucket;
	it->offset = offset;
	return it;
}

static void *atcp_proc_start(struct seq_file *seq, loff_t *pos)
	__acquires(&an->lock)
{
	struct atcp_net *an = atcp_pernet(seq_file_net(seq));
	struct atcp_proc_iter *it = seq->private;
	loff_t i;
	void *v;

	spin_lock_bh(&an->lock);
	if (!*pos)
		return SEQ_START_TOKEN;
	/* resume where the previous read() stopped (entries may have moved meanwhile) */
	if (it->pos && *pos == it->pos)
		return atcp_proc_find(seq, it->table, it->bucket, it->offset);
	if (it->pos && *pos == it->pos + 1) {
		v = atcp_proc_find(seq, it->table, it->bucket, it->offset + 1);
		if (v)
			it->pos = *pos;
		return v;
	}
	v = atcp_proc_find(seq, 0, 0, 0);
	for (i = 1; v && i < *pos; i++)
		v = atcp_proc_find(seq, it->table, it->bucket, it->offset + 1);
	if (v)
		it->pos = *pos;
	return v;
}

static void *atcp_proc_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct atcp_proc_iter *it = seq->private;

	++*pos;
	if (v == SEQ_START_TOKEN)
		v = atcp_proc_find(seq, 0, 0, 0);
	else
		v = atcp_proc_find(seq, it->table, it->bucket, it->offset + 1);
	if (v)
		it->pos = *pos;
	return v;
}

static void atcp_proc_stop(struct seq_file *seq, void *v)
	__releases(&an->lock)
{
	struct atcp_net *an = atcp_pernet(seq_file_net(seq));

	spin_unlock_bh(&an->lock);
}

/* /proc/net/tcp's line width: every line is padded to it */
#define ATCP_PROC_LINE	149

/*
 * One line in /proc/net/tcp's columns (atcp_describe.c fills @e).  The
 * "timeout" column counts unanswered probes, as TCP's does; times are in
 * clock ticks (USER_HZ), as TCP's are.
 */
static void atcp_proc_show_entry(struct seq_file *seq, const struct atcp_diag_entry *e, int sl)
{
	seq_printf(seq, "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu",
		   sl, (__force u32)e->laddr, ntohs(e->lport), (__force u32)e->raddr,
		   ntohs(e->rport), e->state, e->state == TCP_LISTEN ? 0 : e->wqueue,
		   e->rqueue, e->timer, (unsigned long)jiffies_delta_to_clock_t(e->expires),
		   e->retrans, from_kuid_munged(seq_user_ns(seq), e->uid), e->probes, e->ino);
}

/* seq_file show, under the table lock (BH off) */
static int atcp_proc_show(struct seq_file *seq, void *v)
{
	struct atcp_proc_iter *it = v;
	struct atcp_diag_entry e = { };

	seq_setwidth(seq, ATCP_PROC_LINE);
	if (v == SEQ_START_TOKEN) {
		seq_puts(seq, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode");
	} else {
		if (it->listener)
			atcp_describe_sock(&it->listener->inet.sk, &e);
		else
			atcp_describe_ent(it->ent, &e);
		atcp_proc_show_entry(seq, &e, seq->index - 1);
	}
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
	[ATCP_MIB_OFOQUEUE]		= "OfoQueue",
	[ATCP_MIB_OFOMERGE]		= "OfoMerge",
	[ATCP_MIB_GSOOUT]		= "GsoOutSkbs",
	[ATCP_MIB_GSOIN]		= "GsoInSkbs",
	[ATCP_MIB_CURRESTAB]		= "CurrEstab",
	[ATCP_MIB_TWOVERFLOW]		= "TimeWaitOverflow",
	[ATCP_MIB_TWRECYCLED]		= "TWRecycled",
	[ATCP_MIB_SYNCOOKIESSENT]	= "SyncookiesSent",
	[ATCP_MIB_SYNCOOKIESRECV]	= "SyncookiesRecv",
	[ATCP_MIB_SYNCOOKIESFAILED]	= "SyncookiesFailed",
	[ATCP_MIB_R1REROUTES]		= "Retries1Reroutes",
	[ATCP_MIB_SACKREORDER]		= "SACKReorder",
	[ATCP_MIB_PRUNECALLED]		= "PruneCalled",
	[ATCP_MIB_RCVCOALESCE]		= "RcvCoalesce",
	[ATCP_MIB_OFOPRUNED]		= "OfoPruned",
	[ATCP_MIB_RCVPRUNED]		= "RcvPruned",
	[ATCP_MIB_OFODROP]		= "OfoDrop",
	[ATCP_MIB_SACKRENEGING]		= "SACKReneging",
	[ATCP_MIB_TFOACTIVE]		= "TCPFastOpenActive",
	[ATCP_MIB_TFOACTIVEFAIL]	= "TCPFastOpenActiveFail",
	[ATCP_MIB_TFOPASSIVE]		= "TCPFastOpenPassive",
	[ATCP_MIB_TFOPASSIVEFAIL]	= "TCPFastOpenPassiveFail",
	[ATCP_MIB_TFOLISTENOVERFLOW]	= "TCPFastOpenListenOverflow",
	[ATCP_MIB_TFOCOOKIEREQD]	= "TCPFastOpenCookieReqd",
	[ATCP_MIB_TFOPASSIVEALTKEY]	= "TCPFastOpenPassiveAltKey",
	[ATCP_MIB_NOACKDROP]		= "NoAckDrop",
	[ATCP_MIB_SYNSENTDROP]		= "SynSentDrop",
	[ATCP_MIB_AFTERFINDROP]		= "AfterFinDrop",
	[ATCP_MIB_TSECRREJECTED]	= "TSEcrRejected",
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
