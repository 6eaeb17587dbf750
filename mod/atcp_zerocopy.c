// SPDX-License-Identifier: GPL-2.0
/*
 * atcp MSG_ZEROCOPY: completion notifications on the error queue.
 *
 * With SO_ZEROCOPY set (or ATCP_ZEROCOPY, for kernels whose socket layer
 * keeps SO_ZEROCOPY to TCP and UDP) a write flagged MSG_ZEROCOPY gets the
 * next notification id.  atcp always copies the data, so every
 * notification carries SO_EE_CODE_ZEROCOPY_COPIED, as Linux TCP's do when
 * its pinned pages had to be copied; the user's buffer is free when the
 * write returns, but the notification comes only once the peer acknowledged
 * the write's last byte (or the write queue was dropped), so a program
 * written for Linux's MSG_ZEROCOPY sees the same sequence of events.
 *
 * A notification is an skb on sk_error_queue with origin
 * SO_EE_ORIGIN_ZEROCOPY, ee_info .. ee_data the range of ids it reports;
 * one that continues the range of the queue's last notification extends it
 * instead of queueing another.  Pending notifications wait on zc_pending in
 * write order; a write whose predecessor's data is not all sent yet joins
 * its notification (as Linux's writes share one when they fill the same
 * unsent skb).
 *
 * Socket locked: sendmsg() in process context, ACK processing in softirq or
 * from the backlog.
 */
#include <linux/errqueue.h>
#include <linux/in.h>
#include <linux/uio.h>
#include <net/sock.h>
#include "atcp.h"

/* pending notifications held at most, before later writes join the last */
#define ATCP_ZC_PENDING_MAX	128

struct atcp_zc_cb {
	u32	end_seq;	/* write_seq after the write(s) reported */
	u32	lo;
	u32	hi;
};

static struct atcp_zc_cb *atcp_zc_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct atcp_zc_cb) > sizeof(skb->cb));
	return (struct atcp_zc_cb *)skb->cb;
}

/* Before a MSG_ZEROCOPY write copies: its notification, NULL if out of memory. */
struct sk_buff *atcp_zc_alloc(struct sock *sk)
{
	return alloc_skb(0, sk->sk_allocation);
}

/* After the write: @copied bytes went into the write queue (0: no id used). */
void atcp_zc_commit(struct sock *sk, struct sk_buff *nskb, int copied)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *last;
	struct atcp_zc_cb *cb;

	if (!nskb)
		return;
	if (copied <= 0) {
		kfree_skb(nskb);
		return;
	}
	last = skb_peek_tail(&as->zc_pending);
	if (last && (atcp_seq_after(atcp_zc_cb(last)->end_seq, as->snd_nxt) ||
		     skb_queue_len(&as->zc_pending) >= ATCP_ZC_PENDING_MAX)) {
		cb = atcp_zc_cb(last);
		cb->hi = as->zc_key++;
		cb->end_seq = as->write_seq;
		kfree_skb(nskb);
		return;
	}
	cb = atcp_zc_cb(nskb);
	cb->lo = as->zc_key++;
	cb->hi = cb->lo;
	cb->end_seq = as->write_seq;
	__skb_queue_tail(&as->zc_pending, nskb);
}

/* Extend the error queue's last notification by [lo, hi] if it ends at lo - 1. */
static bool atcp_zc_extend(struct sk_buff *tail, u32 lo, u32 hi)
{
	struct sock_extended_err *ee;

	if (!tail)
		return false;
	ee = &SKB_EXT_ERR(tail)->ee;
	if (ee->ee_origin != SO_EE_ORIGIN_ZEROCOPY || ee->ee_data + 1 != lo)
		return false;
	/* a range reports fewer than 2^32 ids */
	if ((u64)(hi - ee->ee_info) + 1 >= (1ULL << 32))
		return false;
	ee->ee_data = hi;
	return true;
}

static void atcp_zc_notify(struct sock *sk, struct sk_buff *skb)
{
	struct sk_buff_head *q = &sk->sk_error_queue;
	struct atcp_zc_cb zc = *atcp_zc_cb(skb);
	struct sock_exterr_skb *serr;
	unsigned long flags;
	bool merged;

	serr = SKB_EXT_ERR(skb);
	memset(serr, 0, sizeof(*serr));
	serr->ee.ee_errno = 0;
	serr->ee.ee_origin = SO_EE_ORIGIN_ZEROCOPY;
	serr->ee.ee_code = SO_EE_CODE_ZEROCOPY_COPIED;
	serr->ee.ee_info = zc.lo;
	serr->ee.ee_data = zc.hi;

	spin_lock_irqsave(&q->lock, flags);
	merged = atcp_zc_extend(skb_peek_tail(q), zc.lo, zc.hi);
	if (!merged)
		__skb_queue_tail(q, skb);
	spin_unlock_irqrestore(&q->lock, flags);
	if (merged)
		consume_skb(skb);
	sk_error_report(sk);
}

/*
 * The peer acknowledged up to @una: report the writes it covers; @all when
 * the write queue is dropped (reported too, unless nobody can read them).
 */
void atcp_zc_complete(struct sock *sk, u32 una, bool all)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *skb;

	while ((skb = skb_peek(&as->zc_pending))) {
		if (!all && atcp_seq_after(atcp_zc_cb(skb)->end_seq, una))
			break;
		__skb_unlink(skb, &as->zc_pending);
		if (sock_flag(sk, SOCK_DEAD))
			kfree_skb(skb);
		else
			atcp_zc_notify(sk, skb);
	}
}

/*
 * Bytes of the current iovec segment, past empty ones: a MSG_ZEROCOPY
 * write gives each segment fragments of its own, as Linux TCP's pinned
 * user pages, so skbs fill up at MAX_SKB_FRAGS segments as they do there.
 */
size_t atcp_zc_seg(struct iov_iter *it)
{
	size_t seg = iov_iter_single_seg_count(it);

	if (!seg && iov_iter_count(it)) {
		iov_iter_advance(it, 0);
		seg = iov_iter_single_seg_count(it);
	}
	return seg;
}

/*
 * recvmsg(MSG_ERRQUEUE), as an IPv4 TCP socket answers it: the notification
 * in a SOL_IP/IP_RECVERR cmsg with the (empty) offender address after the
 * extended error, no source address.  Process context.
 */
int atcp_recv_error(struct sock *sk, struct msghdr *msg, int len)
{
	struct {
		struct sock_extended_err ee;
		struct sockaddr_in offender;
	} errhdr;
	struct sk_buff *skb;
	int copied, err;

	skb = sock_dequeue_err_skb(sk);
	if (!skb)
		return -EAGAIN;
	copied = skb->len;
	if (copied > len) {
		msg->msg_flags |= MSG_TRUNC;
		copied = len;
	}
	err = skb_copy_datagram_msg(skb, 0, msg, copied);
	if (err) {
		kfree_skb(skb);
		return err;
	}
	sock_recv_timestamp(msg, sk, skb);
	memset(&errhdr, 0, sizeof(errhdr));
	errhdr.ee = SKB_EXT_ERR(skb)->ee;
	put_cmsg(msg, SOL_IP, IP_RECVERR, sizeof(errhdr), &errhdr);
	msg->msg_flags |= MSG_ERRQUEUE;
	consume_skb(skb);
	return copied;
}
