// SPDX-License-Identifier: GPL-2.0
/*
 * atcp out-of-order receive queue: segments that arrived after a hole wait
 * in an rbtree keyed by sequence number (skb->rbnode) until the hole fills.
 *
 * On insertion a segment that brings nothing new is dropped and reported as
 * a D-SACK (RFC 2883).  Queued segments it covers are removed, and a partial
 * overlap is cut off the tail of the earlier segment, so that neighbours
 * meet exactly.  Neighbours that meet are then coalesced into one skb (the
 * later one's pages are appended to the earlier one, skb_try_coalesce()),
 * which keeps the tree small and the SACK blocks cheap to build.  When a cut
 * or a merge is impossible (a FIN, no memory, too many fragments) the nodes
 * simply stay separate, possibly overlapping; the drain and the SACK walk
 * cope with both.
 *
 * Every queued skb is charged to the socket (skb_set_owner_r()).  When a
 * segment does not fit, segments queued beyond it are freed, highest first
 * (atcp_ofo_prune()).  All of this runs with the socket locked: softirq, or
 * the backlog in process context.
 */
#include <net/sock.h>
#include "atcp.h"

void atcp_ofo_init(struct atcp_sock *as)
{
	as->ooo_queue = RB_ROOT;
	as->ooo_last_skb = NULL;
}

/* Free every queued segment (FIN, close, disconnect, destroy). */
void atcp_ofo_purge(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct rb_node *node = rb_first(&as->ooo_queue);

	while (node) {
		struct sk_buff *skb = rb_to_skb(node);

		node = rb_next(node);
		rb_erase(&skb->rbnode, &as->ooo_queue);
		kfree_skb(skb);
	}
	as->ooo_last_skb = NULL;
}

/* Remove @skb from the tree; the caller owns it afterwards. */
static void atcp_ofo_unlink(struct atcp_sock *as, struct sk_buff *skb)
{
	if (as->ooo_last_skb == skb)
		as->ooo_last_skb = skb_rb_prev(skb);
	rb_erase(&skb->rbnode, &as->ooo_queue);
	/* skb->dev shares its memory with rbnode: do not leave a stale pointer */
	skb->dev = NULL;
}

/*
 * Report [start, end) as a duplicate.  Within one insertion the duplicate
 * ranges come in sequence order; one that meets the block reported so far
 * extends it, a later one after a gap is left out (one D-SACK block).
 */
static void atcp_ofo_dsack(struct atcp_sock *as, bool *reported, u32 start, u32 end)
{
	struct atcp_sack_block *d = &as->dsack;

	if (!as->sack_ok)
		return;
	if (!*reported) {
		d->start = start;
		d->end = end;
		as->dsack_pending = true;
		*reported = true;
	} else if (!atcp_seq_after(start, d->end) && atcp_seq_after(end, d->end)) {
		d->end = end;
	}
}

/* Cut @skb so that it ends at @seq; false for a FIN or when memory is short. */
static bool atcp_ofo_trim_tail(struct sk_buff *skb, u32 seq)
{
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);

	if ((cb->flags & ATCPHDR_FIN) || !atcp_seq_after(seq, cb->seq))
		return false;
	if (pskb_trim(skb, seq - cb->seq))
		return false;
	cb->end_seq = seq;
	return true;
}

/*
 * Append @from to @to when its bytes follow on exactly and the pages fit.
 * Both are queued and charged; on success @from is unlinked and freed.
 */
static bool atcp_ofo_merge(struct sock *sk, struct sk_buff *to, struct sk_buff *from)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_skb_cb *tcb = ATCP_SKB_CB(to), *fcb = ATCP_SKB_CB(from);
	bool stolen;

	if (tcb->end_seq != fcb->seq || (tcb->flags & ATCPHDR_FIN) || !from->len)
		return false;
	if (!atcp_skb_coalesce(sk, to, from, &stolen))
		return false;
	tcb->end_seq = fcb->end_seq;
	tcb->flags |= fcb->flags & (ATCPHDR_FIN | ATCPHDR_PSH);
	atcp_ofo_unlink(as, from);
	kfree_skb_partial(from, stolen);
	ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_OFOMERGE);
	return true;
}

/*
 * Queue @skb (payload only, already charged to @sk), which starts after
 * rcv_nxt.  The caller has set ooo_last_seq, so the next SACK option leads
 * with the block holding it (RFC 2018 4).
 */
void atcp_ofo_insert(struct sock *sk, struct sk_buff *skb)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct rb_node **link = &as->ooo_queue.rb_node, *parent = NULL;
	u32 seq = ATCP_SKB_CB(skb)->seq, end = ATCP_SKB_CB(skb)->end_seq;
	struct sk_buff *prev = NULL, *next;
	bool dup = false;

	if (as->ooo_last_skb &&
	    !atcp_seq_before(seq, ATCP_SKB_CB(as->ooo_last_skb)->end_seq)) {
		/* the usual case: beyond everything queued */
		prev = as->ooo_last_skb;
		parent = &prev->rbnode;
		link = &parent->rb_right;
	} else {
		while (*link) {
			struct sk_buff *node = rb_to_skb(*link);

			parent = *link;
			if (atcp_seq_before(seq, ATCP_SKB_CB(node)->seq)) {
				link = &parent->rb_left;
			} else {
				prev = node;
				link = &parent->rb_right;
			}
		}
	}
	/* prev: the last segment starting at or before this one */
	if (prev && !atcp_seq_after(end, ATCP_SKB_CB(prev)->end_seq)) {
		atcp_ofo_dsack(as, &dup, seq, end);
		kfree_skb(skb);
		return;
	}
	rb_link_node(&skb->rbnode, parent, link);
	rb_insert_color(&skb->rbnode, &as->ooo_queue);
	ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_OFOQUEUE);

	/* a predecessor starting at the same byte is covered by this one */
	while ((prev = skb_rb_prev(skb)) && ATCP_SKB_CB(prev)->seq == seq) {
		atcp_ofo_dsack(as, &dup, seq, ATCP_SKB_CB(prev)->end_seq);
		atcp_ofo_unlink(as, prev);
		kfree_skb(prev);
	}
	if (prev && atcp_seq_after(ATCP_SKB_CB(prev)->end_seq, seq)) {
		atcp_ofo_dsack(as, &dup, seq, ATCP_SKB_CB(prev)->end_seq);
		atcp_ofo_trim_tail(prev, seq);
	}
	/* successors: drop the covered ones, meet a partially covered one */
	while ((next = skb_rb_next(skb))) {
		struct atcp_skb_cb *ncb = ATCP_SKB_CB(next);

		if (!atcp_seq_after(end, ncb->seq))
			break;
		if (atcp_seq_before(end, ncb->end_seq)) {
			atcp_ofo_dsack(as, &dup, ncb->seq, end);
			atcp_ofo_trim_tail(skb, ncb->seq);
			break;
		}
		atcp_ofo_dsack(as, &dup, ncb->seq, ncb->end_seq);
		atcp_ofo_unlink(as, next);
		kfree_skb(next);
	}
	if (!next)
		as->ooo_last_skb = skb;

	if (prev && atcp_ofo_merge(sk, prev, skb))
		skb = prev;
	if (next)
		atcp_ofo_merge(sk, skb, next);
}

/*
 * Memory is short for @skb (in the window, not yet charged): free queued
 * segments that start after it, from the highest sequence down, until it
 * fits and at least an eighth of the buffer came free, so that the
 * segments after it do not each prune again.  Data nearer rcv_nxt is worth
 * more than data above it: an in-order segment may displace the whole
 * queue, an out-of-order one only what lies beyond it.  The SACK blocks are
 * built from the tree, so what is freed is no longer reported; the sender
 * finds out at its timeout (reneging, RFC 2018 8).  True if anything was
 * freed.
 */
bool atcp_ofo_prune(struct sock *sk, struct sk_buff *skb)
{
	struct atcp_sock *as = atcp_sk(sk);
	u32 seq = ATCP_SKB_CB(skb)->seq;
	int goal = READ_ONCE(sk->sk_rcvbuf) >> 3;
	struct sk_buff *last;
	bool freed = false;

	while ((last = as->ooo_last_skb) && atcp_seq_after(ATCP_SKB_CB(last)->seq, seq)) {
		goal -= last->truesize;
		atcp_ofo_unlink(as, last);
		kfree_skb(last);
		freed = true;
		if (goal <= 0 && atcp_rmem_fits(sk, skb))
			break;
	}
	if (freed)
		ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_OFOPRUNED);
	return freed;
}

/*
 * Take the first queued segment out if the hole before it is filled
 * (it starts at or before rcv_nxt); segments wholly before rcv_nxt are
 * freed on the way.  NULL when the next byte is still missing.
 */
struct sk_buff *atcp_ofo_pop_ready(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *skb;

	while ((skb = skb_rb_first(&as->ooo_queue))) {
		if (atcp_seq_after(ATCP_SKB_CB(skb)->seq, as->rcv_nxt))
			return NULL;
		atcp_ofo_unlink(as, skb);
		if (atcp_seq_after(ATCP_SKB_CB(skb)->end_seq, as->rcv_nxt))
			return skb;
		kfree_skb(skb);
	}
	return NULL;
}
