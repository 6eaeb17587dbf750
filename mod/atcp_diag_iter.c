// SPDX-License-Identifier: GPL-2.0
/*
 * Table walk for sock_diag (atcp_diag.ko): listeners, request entries,
 * connections and TIME_WAIT entries of one network namespace, in a stable
 * order (listener buckets, then connection buckets) that a netlink dump can
 * resume.  Entries are collected under RCU with a reference, then described
 * (atcp_describe.c) in process context, full sockets under their socket
 * lock, to a callback.
 */
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include <net/sock.h>
#include "atcp.h"

#define ATCP_DIAG_BATCH	32

struct atcp_diag_batch {
	unsigned int	n;
	bool		more;		/* the bucket has entries after the batch */
	unsigned int	idx[ATCP_DIAG_BATCH];	/* position in the bucket */
	struct atcp_ent	*ent[ATCP_DIAG_BATCH];	/* NULL for a listener */
	struct sock	*lsk[ATCP_DIAG_BATCH];
};

static int atcp_ent_state(const struct atcp_ent *ent)
{
	switch (ent->kind) {
	case ATCP_ENT_SOCK:
		return inet_sk_state_load(&container_of(ent, struct atcp_sock, ent)->inet.sk);
	case ATCP_ENT_REQ:
		return TCP_SYN_RECV;
	default:
		return TCP_TIME_WAIT;
	}
}

/* Collect up to a batch of entries of one bucket, from position @skip on. */
static void atcp_diag_collect(struct atcp_net *an, const struct atcp_diag_pos *pos, u32 states,
			      struct atcp_diag_batch *b)
{
	unsigned int i = 0;

	b->n = 0;
	b->more = false;
	rcu_read_lock();
	if (pos->table == 0) {
		struct atcp_sock *as;

		hlist_for_each_entry_rcu(as, &an->lhash[pos->bucket], lnode) {
			struct sock *sk = &as->inet.sk;

			if (i++ < pos->skip)
				continue;
			if (!(states & (1U << TCP_LISTEN)))
				continue;
			if (b->n == ATCP_DIAG_BATCH) {
				b->more = true;
				break;
			}
			if (!refcount_inc_not_zero(&sk->sk_refcnt))
				continue;
			b->idx[b->n] = i - 1;
			b->ent[b->n] = NULL;
			b->lsk[b->n++] = sk;
		}
	} else {
		struct atcp_ent *ent;

		hlist_for_each_entry_rcu(ent, &an->ehash[pos->bucket], node) {
			if (i++ < pos->skip)
				continue;
			if (!(states & (1U << atcp_ent_state(ent))))
				continue;
			if (b->n == ATCP_DIAG_BATCH) {
				b->more = true;
				break;
			}
			if (!atcp_ent_get(ent))
				continue;
			b->idx[b->n] = i - 1;
			b->ent[b->n] = ent;
			b->lsk[b->n++] = NULL;
		}
	}
	rcu_read_unlock();
}

/* A full socket under its lock: a consistent snapshot, with ATCP_INFO if wanted. */
static void atcp_diag_describe_sock(struct sock *sk, struct atcp_diag_entry *e, bool want_info)
{
	lock_sock(sk);
	atcp_describe_sock(sk, e);
	if (want_info) {
		atcp_get_info(sk, &e->info);
		e->has_info = true;
	}
	release_sock(sk);
}

/*
 * Describe every entry of @net whose state is in the bitmask @states
 * (1 << TCP_*) to @fn, from @pos on.  A negative return of @fn stops the
 * walk and leaves @pos at that entry, so that the next call starts with it.
 * Process context.  Returns 0 when the walk is complete.
 */
int atcp_diag_walk(struct net *net, u32 states, bool want_info,
		   struct atcp_diag_pos *pos, atcp_diag_fn fn, void *arg)
{
	struct atcp_net *an = atcp_pernet(net);
	struct atcp_diag_batch *b;
	struct atcp_diag_entry *e;
	int err = 0;

	b = kmalloc(sizeof(*b), GFP_KERNEL);
	e = kmalloc(sizeof(*e), GFP_KERNEL);
	if (!b || !e) {
		err = -ENOMEM;
		goto out;
	}
	for (; pos->table < 2; pos->table++, pos->bucket = 0, pos->skip = 0) {
		unsigned int nbuckets = pos->table ? 1U << ATCP_EHASH_BITS : 1U << ATCP_LHASH_BITS;

		for (; pos->bucket < nbuckets; pos->bucket++, pos->skip = 0) {
			unsigned int i;
again:
			atcp_diag_collect(an, pos, states, b);
			for (i = 0; i < b->n; i++) {
				struct sock *sk = b->lsk[i];

				if (!sk && b->ent[i]->kind == ATCP_ENT_SOCK)
					sk = &container_of(b->ent[i], struct atcp_sock, ent)->inet.sk;
				memset(e, 0, sizeof(*e));
				if (sk)
					atcp_diag_describe_sock(sk, e, want_info);
				else
					atcp_describe_ent(b->ent[i], e);
				/* a socket may have moved on since it was collected */
				if (!err && (states & (1U << e->state)))
					err = fn(e, arg);
				if (!err)
					pos->skip = b->idx[i] + 1;
				if (b->lsk[i])
					sock_put(b->lsk[i]);
				else
					atcp_ent_put(b->ent[i]);
			}
			if (err)
				goto out;
			if (b->more)
				goto again;
			cond_resched();
		}
	}
out:
	kfree(e);
	kfree(b);
	return err;
}
EXPORT_SYMBOL_GPL(atcp_diag_walk);
