// SPDX-License-Identifier: GPL-2.0
/*
 * atcp receive memory: may an arriving segment be charged to the socket,
 * and what is given up to make room when it may not.
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
