// SPDX-License-Identifier: GPL-2.0
/*
 * Explicit Congestion Notification (RFC 3168), as Linux TCP does it.
 *
 * net.atcp.ecn says whether a connection asks for ECN (1) and whether a
 * listener agrees when asked (1, 2).  The SYN asks with ECE and CWR, the
 * SYN-ACK agrees with ECE alone.  Once agreed, new data segments go out
 * ECT(0); retransmissions, pure ACKs and SYNs are not ECT.  A receiver that
 * gets a CE-marked data segment sets ECE on everything it sends until a
 * data segment with CWR arrives.  A sender that gets ECE reduces cwnd as
 * for a loss, at most once per window of data, and sets CWR on its next
 * new data segment.
 *
 * Everything here runs with the socket locked (softirq, or process context
 * for connect()) or, for requests, with the listener locked.
 */
#include <net/inet_ecn.h>
#include "atcp.h"
#include "atcp_ecn.h"

/* A fresh connection: ask for ECN if net.atcp.ecn is 1 (active open). */
void atcp_ecn_init_sock(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);

	as->ecn_flags = READ_ONCE(atcp_sk_net(sk)->ecn) == 1 ? ATCP_ECN_OK : 0;
	as->ecn_cwr = false;
	as->ecn_high_seq = 0;
}

/*
 * The ECN flags of a SYN or SYN-ACK the socket sends.  A retransmitted SYN
 * goes without them, as Linux's default net.ipv4.tcp_ecn_fallback: a path
 * that drops ECN-setup SYNs still connects, without ECN.
 */
u8 atcp_ecn_syn_flags(struct sock *sk, u8 flags)
{
	struct atcp_sock *as = atcp_sk(sk);

	if (!(as->ecn_flags & ATCP_ECN_OK))
		return 0;
	if (flags & ATCPHDR_ACK)	/* simultaneous open: our SYN-ACK agrees */
		return ATCPHDR_ECE;
	if (as->retransmits)
		return 0;
	return ATCPHDR_ECE | ATCPHDR_CWR;
}

/*
 * Any segment but a SYN: mark new data ECT(0) (clear the field otherwise),
 * put the queued CWR on it, and echo congestion with ECE while asked to.
 */
void atcp_ecn_xmit(struct sock *sk, const struct sk_buff *skb, u8 *flags)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);

	if (!(as->ecn_flags & ATCP_ECN_OK))
		return;
	if (skb->len && !atcp_seq_before(ATCP_SKB_CB(skb)->seq, as->snd_nxt)) {
		inet->tos = (inet->tos & ~INET_ECN_MASK) | INET_ECN_ECT_0;
		if (as->ecn_flags & ATCP_ECN_QUEUE_CWR) {
			as->ecn_flags &= ~ATCP_ECN_QUEUE_CWR;
			*flags |= ATCPHDR_CWR;
		}
	} else {
		inet->tos &= ~INET_ECN_MASK;
	}
	if (as->ecn_flags & ATCP_ECN_DEMAND_CWR)
		*flags |= ATCPHDR_ECE;
}

/* SYN_SENT: a SYN-ACK with ECE and without CWR agrees; anything else is "no". */
void atcp_ecn_rcv_synack(struct sock *sk, const struct atcp_skb_cb *cb)
{
	struct atcp_sock *as = atcp_sk(sk);

	if ((cb->ecn & (ATCPHDR_ECE | ATCPHDR_CWR)) != ATCPHDR_ECE)
		as->ecn_flags &= ~ATCP_ECN_OK;
}

/* SYN_SENT, simultaneous open: the peer's SYN must ask for ECN too. */
void atcp_ecn_rcv_syn(struct sock *sk, const struct atcp_skb_cb *cb)
{
	struct atcp_sock *as = atcp_sk(sk);

	if ((cb->ecn & (ATCPHDR_ECE | ATCPHDR_CWR)) != (ATCPHDR_ECE | ATCPHDR_CWR))
		as->ecn_flags &= ~ATCP_ECN_OK;
}

/*
 * A SYN for a listener: ECN if it asks with ECE and CWR, is not itself
 * ECT or CE (RFC 3168 6.1.1: a SYN never is; a box that sets the field is
 * not to be trusted), and net.atcp.ecn is not 0.
 */
void atcp_ecn_req_init(struct atcp_request *req, const struct atcp_net *an,
		       const struct sk_buff *skb)
{
	const struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);

	req->ecn_ok = (cb->ecn & (ATCPHDR_ECE | ATCPHDR_CWR)) == (ATCPHDR_ECE | ATCPHDR_CWR) &&
		      !(cb->ecn & INET_ECN_MASK) && READ_ONCE(an->ecn);
}

/* A data segment with CWR: the sender reacted, stop echoing. */
void atcp_ecn_accept_cwr(struct sock *sk, const struct atcp_skb_cb *cb)
{
	struct atcp_sock *as = atcp_sk(sk);

	if ((cb->ecn & ATCPHDR_CWR) && cb->end_seq != cb->seq)
		as->ecn_flags &= ~ATCP_ECN_DEMAND_CWR;
}

/*
 * New data arrived: note its ECN field.  Returns true if the next two
 * segments should be acknowledged at once: the first CE of a run (the
 * sender may have a small window and waits for the echo) or, as Linux, a
 * not-ECT segment after ECT ones (a retransmission, likely).
 */
bool atcp_ecn_check_ce(struct sock *sk, const struct atcp_skb_cb *cb)
{
	struct atcp_sock *as = atcp_sk(sk);

	if (!(as->ecn_flags & ATCP_ECN_OK))
		return false;
	switch (cb->ecn & INET_ECN_MASK) {
	case INET_ECN_NOT_ECT:
		return as->ecn_flags & ATCP_ECN_SEEN;
	case INET_ECN_CE:
		as->ecn_flags |= ATCP_ECN_SEEN;
		if (as->ecn_flags & ATCP_ECN_DEMAND_CWR)
			return false;
		as->ecn_flags |= ATCP_ECN_DEMAND_CWR;
		return true;
	default:
		as->ecn_flags |= ATCP_ECN_SEEN;
		return false;
	}
}

/*
 * An acceptable ACK (after loss recovery saw it): ECE asks for a window
 * reduction.  Once per window: until snd_una passes what was sent when it
 * was made, further ECEs are the same congestion.  In fast recovery or
 * after a timeout cwnd is already down.
 */
void atcp_ecn_rcv_ack(struct sock *sk, const struct atcp_skb_cb *cb)
{
	struct atcp_sock *as = atcp_sk(sk);

	if (!(as->ecn_flags & ATCP_ECN_OK))
		return;
	if (as->ecn_cwr && !atcp_seq_before(as->snd_una, as->ecn_high_seq))
		as->ecn_cwr = false;
	if (!(cb->ecn & ATCPHDR_ECE) || (cb->flags & ATCPHDR_SYN) || as->ecn_cwr ||
	    as->ca_state >= ATCP_CA_RECOVERY)
		return;
	as->ssthresh = as->cc->ssthresh(sk);
	as->cwnd = max(min(as->cwnd, as->ssthresh), 2U);
	as->cwnd_cnt = 0;
	as->ecn_cwr = true;
	as->ecn_high_seq = as->snd_nxt;
	as->ecn_flags |= ATCP_ECN_QUEUE_CWR;
}
