// SPDX-License-Identifier: GPL-2.0
/*
 * Table walk for sock_diag (atcp_diag.ko): listeners, request entries,
 * connections and TIME_WAIT entries of one network namespace, in a stable
 * order (listener buckets, then connection buckets) that a netlink dump can
 * resume.  Entries are collected under RCU with a reference, then described
 * in process context (full sockets under their socket lock) to a callback.
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

static unsigned long atcp_diag_timer_ms(const struct timer_list *t)
{
	long left = READ_ONCE(t->expires) - jiffies;

	return left > 0 ? jiffies_to_msecs(left) : 0;
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

static void atcp_diag_describe_sock(struct sock *sk, struct atcp_diag_entry *e, bool want_info)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);

	e->uid = sock_i_uid(sk);
	e->ino = sock_i_ino(sk);
	sock_diag_save_cookie(sk, e->cookie);

	lock_sock(sk);
	e->kind = ATCP_EV_SOCK;
	e->state = sk->sk_state;
	e->laddr = inet->inet_rcv_saddr;
	e->raddr = inet->inet_daddr;
	e->lport = htons(inet->inet_num);
	e->rport = inet->inet_dport;
	e->bound_dev_if = sk->sk_bound_dev_if;
	e->mark = READ_ONCE(sk->sk_mark);
	e->shutdown = sk->sk_shutdown;
	e->userlocks = sk->sk_userlocks;
	if (e->state == TCP_LISTEN) {
		e->rqueue = READ_ONCE(sk->sk_ack_backlog);
		e->wqueue = READ_ONCE(sk->sk_max_ack_backlog);
	} else {
		e->rqueue = max_t(int, as->rcv_nxt - as->copied_seq, 0);
		e->wqueue = max_t(int, as->write_seq - as->snd_una, 0);
	}
	e->retrans = as->retransmits;
	if (timer_pending(&as->rtx_timer)) {
		e->timer = as->probing ? 4 : 1;
		e->expires_ms = atcp_diag_timer_ms(&as->rtx_timer);
	} else if (timer_pending(&as->misc_timer)) {
		e->timer = 2;
		e->expires_ms = atcp_diag_timer_ms(&as->misc_timer);
	}
	if (want_info) {
		atcp_get_info(sk, &e->info);
		e->has_info = true;
	}
	release_sock(sk);
}

static void atcp_diag_describe_ent(struct atcp_ent *ent, struct atcp_diag_entry *e)
{
	e->laddr = ent->laddr;
	e->raddr = ent->raddr;
	e->lport = ent->lport;
	e->rport = ent->rport;
	e->cookie[0] = INET_DIAG_NOCOOKIE;
	e->cookie[1] = INET_DIAG_NOCOOKIE;
	if (ent->kind == ATCP_ENT_REQ) {
		struct atcp_request *req = container_of(ent, struct atcp_request, ent);

		e->kind = ATCP_EV_REQUEST;
		e->state = TCP_SYN_RECV;
		e->timer = 1;
		e->expires_ms = atcp_diag_timer_ms(&req->timer);
		e->retrans = req->retries;
		e->uid = sock_i_uid(req->listener);
		e->bound_dev_if = req->bound_dev_if;
	} else {
		struct atcp_tw *tw = container_of(ent, struct atcp_tw, ent);

		e->kind = ATCP_EV_TIMEWAIT;
		e->state = TCP_TIME_WAIT;
		e->timer = 3;
		e->expires_ms = atcp_diag_timer_ms(&tw->timer);
		e->uid = tw->uid;
		e->bound_dev_if = tw->bound_dev_if;
	}
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
					atcp_diag_describe_ent(b->ent[i], e);
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
