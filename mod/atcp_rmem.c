// SPDX-License-Identifier: GPL-2.0
/*
 * atcp receive memory: may an arriving segment be charged to the socket,
 * and what is given up to make room when it may not; in-order data is
 * appended to the tail of the receive queue to keep skb overhead low.
 *
 * A socket holds at most twice sk_rcvbuf (as TCP, the advertised window is
 * half the free buffer, the rest covers skb overhead) and what the global
 * net.atcp.mem limits grant.  Under pressure, out-of-order data is given up
 * for data nearer rcv_nxt; data in the receive queue never is, since it has
 * been acknowledged.
 *
 * Socket locked: softirq, or the backlog in process context.
 */
#include <net/sock.h>
#include "atcp.h"

/*
 * Append the data of @from to @to; both are charged to @sk and @from's
 * bytes follow @to's.  skb_try_coalesce() moves @from's page fragments (or
 * its head, as a fragment) over, or copies small data into @to's tailroom.
 * On success the caller unlinks @from and frees it with
 * kfree_skb_partial(from, *stolen).
 */
bool atcp_skb_coalesce(struct sock *sk, struct sk_buff *to, struct sk_buff *from, bool *stolen)
{
	int delta;

	/* a received skb usually shares its head with the sender's clone */
	if (skb_unclone(to, GFP_ATOMIC))
		return false;
	if (!skb_try_coalesce(to, from, stolen, &delta))
		return false;
	/*
	 * @to now holds @delta more bytes of memory; charge them before
	 * @from's destructor returns its own, larger charge.
	 */
	atomic_add(delta, &sk->sk_rmem_alloc);
	sk_mem_charge(sk, delta);
	return true;
}

/*
 * Data a receive-queue skb may grow to by coalescing.  Its memory comes
 * back only when the reader has consumed all of it, so a big skb read in
 * small pieces holds the window shut for long (a slow reader then draws
 * persist probes); the gain is in small segments, whose skb overhead is
 * ten times their data.  Full-sized segments are left as they come.
 */
#define ATCP_RCVQ_COALESCE_MAX	2048

/*
 * Queue in-order data (charged to @sk) on the receive queue, appended to
 * the last skb there when its bytes follow on and the result stays small:
 * a stream of small segments then costs far less memory (Linux TCP
 * coalesces into its tail too).  Readers find their place by sequence
 * number, so a partly read tail may grow.
 */
void atcp_rcvq_queue(struct sock *sk, struct sk_buff *skb)
{
	struct sk_buff *tail = skb_peek_tail(&sk->sk_receive_queue);
	bool stolen;

	if (tail && tail->len + skb->len <= ATCP_RCVQ_COALESCE_MAX &&
	    ATCP_SKB_CB(tail)->seq + tail->len == ATCP_SKB_CB(skb)->seq &&
	    atcp_skb_coalesce(sk, tail, skb, &stolen)) {
		ATCP_SKB_CB(tail)->end_seq = ATCP_SKB_CB(skb)->end_seq;
		ATCP_SKB_CB(tail)->flags |= ATCP_SKB_CB(skb)->flags & (ATCPHDR_FIN | ATCPHDR_PSH);
		kfree_skb_partial(skb, stolen);
		ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_RCVCOALESCE);
		return;
	}
	__skb_queue_tail(&sk->sk_receive_queue, skb);
}

/* Room for @skb: within twice the buffer, and memory the global limits grant. */
bool atcp_rmem_fits(struct sock *sk, struct sk_buff *skb)
{
	return atomic_read(&sk->sk_rmem_alloc) + skb->truesize <= 2 * READ_ONCE(sk->sk_rcvbuf) &&
	       sk_rmem_schedule(sk, skb, skb->truesize);
}

/*
 * Make room for @skb, an in-window segment not yet charged: prune the
 * out-of-order queue above it (atcp_ofo_prune()).  A segment at rcv_nxt is
 * thus only dropped when no out-of-order data is left to give up.  False
 * if it still does not fit: the caller drops it, and it is counted.
 */
bool atcp_rmem_schedule(struct sock *sk, struct sk_buff *skb)
{
	struct atcp_net *an = atcp_sk_net(sk);

	if (likely(atcp_rmem_fits(sk, skb)))
		return true;
	ATCP_INC_STATS(an, ATCP_MIB_PRUNECALLED);
	if (atcp_ofo_prune(sk, skb) && atcp_rmem_fits(sk, skb))
		return true;
	ATCP_INC_STATS(an, ATCP_MIB_RCVPRUNED);
	if (atcp_seq_after(ATCP_SKB_CB(skb)->seq, atcp_sk(sk)->rcv_nxt))
		ATCP_INC_STATS(an, ATCP_MIB_OFODROP);
	ATCP_INC_STATS(an, ATCP_MIB_RCVBUFDROPS);
	return false;
}
