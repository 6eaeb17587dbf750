/* SPDX-License-Identifier: GPL-2.0 */
/*
 * atcp Explicit Congestion Notification (RFC 3168): the per-socket flags
 * and the hooks the handshake, input and output paths call (atcp_ecn.c).
 * Include after atcp.h.
 */
#ifndef _ATCP_ECN_H
#define _ATCP_ECN_H

/* atcp_sock.ecn_flags */
#define ATCP_ECN_OK		0x01	/* negotiated; active side: requested */
#define ATCP_ECN_QUEUE_CWR	0x02	/* the next new data segment carries CWR */
#define ATCP_ECN_DEMAND_CWR	0x04	/* CE seen: ECE on our segments until CWR */
#define ATCP_ECN_SEEN		0x08	/* an ECT or CE segment arrived */

/* atcp_ecn.c */
void atcp_ecn_init_sock(struct sock *sk);
u8 atcp_ecn_syn_flags(struct sock *sk, u8 flags);
void atcp_ecn_xmit(struct sock *sk, const struct sk_buff *skb, u8 *flags);
void atcp_ecn_rcv_synack(struct sock *sk, const struct atcp_skb_cb *cb);
void atcp_ecn_rcv_syn(struct sock *sk, const struct atcp_skb_cb *cb);
void atcp_ecn_req_init(struct atcp_request *req, const struct atcp_net *an,
		       const struct sk_buff *skb);
void atcp_ecn_accept_cwr(struct sock *sk, const struct atcp_skb_cb *cb);
bool atcp_ecn_check_ce(struct sock *sk, const struct atcp_skb_cb *cb);
void atcp_ecn_rcv_ack(struct sock *sk, const struct atcp_skb_cb *cb);

static inline void atcp_ecn_queue_cwr(struct atcp_sock *as)
{
	if (as->ecn_flags & ATCP_ECN_OK)
		as->ecn_flags |= ATCP_ECN_QUEUE_CWR;
}

#endif /* _ATCP_ECN_H */
