// SPDX-License-Identifier: GPL-2.0
/*
 * atcp loss recovery: the SACK scoreboard (RFC 2018), loss detection and
 * fast recovery (RFC 6675 with SACK, RFC 6582 NewReno without), and the
 * congestion response to ACKs and timeouts.  Socket locked, any context.
 */
#include <net/sock.h>
#include "atcp.h"
#include "atcp_ecn.h"

/*
 * RFC 2883 4: the first block reports a duplicate if it lies below the
 * cumulative ACK or inside the second block.  A duplicate of a segment we
 * retransmitted proves that retransmission was not needed.
 */
static bool atcp_is_dsack(const struct atcp_sock *as, const struct atcp_opts *opts)
{
	const struct atcp_sack_block *b = opts->sacks;

	if (!opts->num_sacks)
		return false;
	if (!atcp_seq_after(b[0].end, as->snd_una))
		return true;
	return opts->num_sacks > 1 && !atcp_seq_before(b[0].start, b[1].start) &&
	       !atcp_seq_after(b[0].end, b[1].end);
}

/*
 * A segment never retransmitted, starting at @low, reached the peer after
 * segments up to @fack did: the path reorders by that much.  Raise the
 * duplicate threshold to it (as Linux TCP does), so such arrivals do not
 * start a needless recovery again.
 */
static void atcp_note_reordering(struct sock *sk, u32 low, u32 fack)
{
	struct atcp_sock *as = atcp_sk(sk);
	u32 degree;

	if (!atcp_seq_before(low, fack))
		return;
	as->reord_seen++;
	degree = DIV_ROUND_UP(fack - low, max_t(u32, as->mss, 1));
	if (degree <= as->reordering)
		return;
	as->reordering = min_t(u32, degree, ATCP_MAX_REORDERING);
	ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_SACKREORDER);
}

/* The highest sequence the peer was known to hold when the ACK after @una came. */
static u32 atcp_fack(const struct atcp_sock *as, u32 una)
{
	return atcp_seq_between(una, as->fack, as->snd_nxt) ? as->fack : una;
}

/* Mark the segments a SACK block covers; blocks outside the window are ignored. */
static void atcp_sacktag(struct sock *sk, const struct atcp_opts *opts, u32 prior_fack)
{
	struct atcp_sock *as = atcp_sk(sk);
	u32 reord = prior_fack, fack = prior_fack;
	unsigned int i;

	if (atcp_is_dsack(as, opts)) {
		as->dsacks++;
		if (as->undo_retrans)
			as->undo_retrans--;
	}
	for (i = 0; i < opts->num_sacks; i++) {
		u32 start = opts->sacks[i].start, end = opts->sacks[i].end;
		struct sk_buff *skb;

		if (!atcp_seq_after(end, start) || !atcp_seq_after(start, as->snd_una) ||
		    atcp_seq_after(end, as->snd_nxt))
			continue;	/* D-SACK or bogus */
		skb_queue_walk(&sk->sk_write_queue, skb) {
			struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
			u32 pcount;

			if (skb == as->send_head || !atcp_seq_before(cb->seq, end))
				break;
			if (cb->sacked & ATCP_SKB_SACKED)
				continue;
			/* a block edge inside a multi-segment skb: split it there */
			if (atcp_seq_before(cb->seq, start)) {
				if (atcp_skb_pcount(skb) > 1 &&
				    atcp_seq_before(start, cb->seq + skb->len))
					atcp_fragment(sk, skb, start - cb->seq);
				continue;	/* the part from @start comes next */
			}
			if (atcp_seq_after(cb->end_seq, end) &&
			    (atcp_skb_pcount(skb) < 2 || !atcp_seq_before(end, cb->seq + skb->len) ||
			     atcp_fragment(sk, skb, end - cb->seq)))
				continue;
			pcount = atcp_skb_pcount(skb);
			if (cb->sacked & ATCP_SKB_LOST)
				as->lost_out -= pcount;
			if (cb->sacked & ATCP_SKB_RETRANS)
				as->retrans_out -= pcount;
			if (!(cb->sacked & ATCP_SKB_EVER_RETRANS) && atcp_seq_before(cb->seq, reord))
				reord = cb->seq;
			cb->sacked = (cb->sacked & ATCP_SKB_EVER_RETRANS) | ATCP_SKB_SACKED;
			as->sacked_out += pcount;
			if (atcp_seq_after(cb->end_seq, fack))
				fack = cb->end_seq;
		}
	}
	as->fack = fack;
	atcp_note_reordering(sk, reord, prior_fack);
}

static void atcp_mark_skb_lost(struct atcp_sock *as, struct sk_buff *skb)
{
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);

	if (cb->sacked & (ATCP_SKB_SACKED | ATCP_SKB_LOST))
		return;
	if (cb->sacked & ATCP_SKB_RETRANS) {
		cb->sacked &= ~ATCP_SKB_RETRANS;
		as->retrans_out -= atcp_skb_pcount(skb);
	}
	cb->sacked |= ATCP_SKB_LOST;
	as->lost_out += atcp_skb_pcount(skb);
}

/*
 * RFC 6675 IsLost(): a segment with DupThresh SACKed segments above it is
 * lost.  Segments already retransmitted are left alone until a timeout.
 */
static void atcp_mark_lost_sack(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *skb;
	u32 sacked_above = 0;

	if (!as->sacked_out)
		return;
	/* walk back from the last segment sent */
	skb = as->send_head ? as->send_head->prev : sk->sk_write_queue.prev;
	for (; skb != (struct sk_buff *)&sk->sk_write_queue; skb = skb->prev) {
		struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);

		if (cb->sacked & ATCP_SKB_SACKED)
			sacked_above += atcp_skb_pcount(skb);
		else if (sacked_above >= as->reordering && !(cb->sacked & ATCP_SKB_RETRANS))
			atcp_mark_skb_lost(as, skb);
	}
}

/* Without SACK the first unacknowledged segment is the one to resend. */
static void atcp_mark_head_lost(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	if (!skb || skb == as->send_head || (ATCP_SKB_CB(skb)->sacked & ATCP_SKB_RETRANS))
		return;
	if (skb->len > as->mss && atcp_fragment(sk, skb, as->mss))
		return;
	atcp_mark_skb_lost(as, skb);
}

/* Resend segments marked lost while the pipe has room (RFC 6675 NextSeg rule 1). */
void atcp_xmit_retransmits(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *skb;

	if (!as->lost_out)
		return;
	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);

		if (skb == as->send_head || atcp_pipe(as) >= as->cwnd)
			break;
		if ((cb->sacked & (ATCP_SKB_LOST | ATCP_SKB_RETRANS)) != ATCP_SKB_LOST)
			continue;
		if (atcp_retransmit_skb(sk, skb))
			break;
	}
}

static void atcp_enter_recovery(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);

	as->prior_cwnd = as->cwnd;
	as->prior_ssthresh = as->ssthresh;
	as->undo_retrans = 0;
	as->ssthresh = as->cc->ssthresh(sk);
	as->cwnd = max(as->ssthresh, 2U);
	as->cwnd_cnt = 0;
	as->high_seq = as->snd_nxt;
	as->ca_state = ATCP_CA_RECOVERY;
	atcp_ecn_queue_cwr(as);
}

/*
 * The cumulative ACK stopped at a segment the peer had SACKed: it dropped
 * SACKed data to make room (reneging, RFC 2018 8; atcp_ofo_prune() on an
 * atcp receiver).
 */
bool atcp_sack_reneged(struct sock *sk)
{
	struct sk_buff *head = skb_peek(&sk->sk_write_queue);

	return head && head != atcp_sk(sk)->send_head &&
	       (ATCP_SKB_CB(head)->sacked & ATCP_SKB_SACKED);
}

/* A timeout after reneging: the SACK scoreboard is worthless, forget it. */
static void atcp_clear_sacked(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *skb;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		if (skb == as->send_head)
			break;
		ATCP_SKB_CB(skb)->sacked &= ~ATCP_SKB_SACKED;
	}
	as->sacked_out = 0;
	ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_SACKRENEGING);
}

/*
 * Timeout (RFC 6298 5.5, RFC 5681 3.1): collapse the window to one segment
 * and treat everything in flight that the peer does not hold as lost.
 */
void atcp_enter_loss(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	u8 prior_state = as->ca_state;
	struct sk_buff *skb;

	if (as->ca_state != ATCP_CA_LOSS || !as->retransmits)
		as->ssthresh = as->cc->ssthresh(sk);
	as->cc->on_loss(sk);
	as->cwnd = 1;
	as->cwnd_cnt = 0;
	as->high_seq = as->snd_nxt;
	as->ca_state = ATCP_CA_LOSS;
	atcp_ecn_queue_cwr(as);
	/*
	 * Enough was SACKed for a fast retransmit, yet a timeout came: the
	 * raised threshold held recovery back.  Start from DupThresh again.
	 */
	if (prior_state <= ATCP_CA_DISORDER && as->sacked_out >= ATCP_DEFAULT_REORDERING)
		as->reordering = ATCP_DEFAULT_REORDERING;
	as->dupacks = 0;
	if (atcp_sack_reneged(sk))
		atcp_clear_sacked(sk);
	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);

		if (skb == as->send_head)
			break;
		if (cb->sacked & ATCP_SKB_SACKED)
			continue;
		if (cb->sacked & ATCP_SKB_RETRANS) {
			cb->sacked &= ~ATCP_SKB_RETRANS;
			as->retrans_out -= atcp_skb_pcount(skb);
		}
		if (!(cb->sacked & ATCP_SKB_LOST)) {
			cb->sacked |= ATCP_SKB_LOST;
			as->lost_out += atcp_skb_pcount(skb);
		}
	}
}

/* Remove what the cumulative ACK covers; returns the segments freed. */
static u32 atcp_clean_rtx_queue(struct sock *sk, u32 ack, u32 prior_fack)
{
	struct atcp_sock *as = atcp_sk(sk);
	u32 reord = prior_fack;
	struct sk_buff *skb;
	u32 acked = 0;

	while ((skb = skb_peek(&sk->sk_write_queue)) && skb != as->send_head) {
		struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
		u32 pcount = atcp_skb_pcount(skb);

		if (atcp_seq_after(cb->end_seq, ack)) {
			/* part of a multi-segment skb: the rest stays queued */
			if (pcount > 1 && atcp_seq_after(ack, cb->seq))
				acked += atcp_trim_head(sk, skb, min(ack - cb->seq, skb->len));
			break;
		}
		/* an original that arrived after SACKed data above it */
		if (!(cb->sacked & (ATCP_SKB_SACKED | ATCP_SKB_EVER_RETRANS)) &&
		    atcp_seq_before(cb->seq, reord))
			reord = cb->seq;
		if (cb->sacked & ATCP_SKB_SACKED)
			as->sacked_out -= pcount;
		if (cb->sacked & ATCP_SKB_LOST)
			as->lost_out -= pcount;
		if (cb->sacked & ATCP_SKB_RETRANS)
			as->retrans_out -= pcount;
		as->packets_out -= pcount;
		acked += pcount;
		__skb_unlink(skb, &sk->sk_write_queue);
		atcp_wmem_free_skb(sk, skb);
	}
	atcp_note_reordering(sk, reord, prior_fack);
	return acked;
}

/* A delivery rate sample per round trip: bytes acknowledged over the interval. */
static void atcp_rate_sample(struct atcp_sock *as, u32 bytes)
{
	u64 now = div_u64(ktime_get_ns(), NSEC_PER_USEC);
	u64 elapsed;

	if (!as->rate_stamp_us) {
		as->rate_stamp_us = now;
		as->rate_bytes = 0;
		return;
	}
	as->rate_bytes += bytes;
	elapsed = now - as->rate_stamp_us;
	if (elapsed >= max_t(u64, as->srtt_us, 1000)) {
		as->delivery_rate = div64_u64(as->rate_bytes * USEC_PER_SEC, elapsed);
		as->rate_stamp_us = now;
		as->rate_bytes = 0;
	}
}

/*
 * Congestion and recovery response to one ACK.  @prior_una is snd_una
 * before the ACK, @dupack tells a duplicate ACK (RFC 5681 2).
 */
void atcp_ack_recovery(struct sock *sk, const struct atcp_opts *opts, u32 prior_una,
		       bool dupack)
{
	struct atcp_sock *as = atcp_sk(sk);
	u32 prior_fack = atcp_fack(as, prior_una);
	u32 acked = 0;

	if (as->sack_ok && opts->num_sacks)
		atcp_sacktag(sk, opts, prior_fack);
	if (atcp_seq_after(as->snd_una, prior_una)) {
		acked = atcp_clean_rtx_queue(sk, as->snd_una, prior_fack);
		atcp_zc_complete(sk, as->snd_una, false);
		atcp_rate_sample(as, as->snd_una - prior_una);
		as->delivered += acked;
		as->dupacks = 0;
	} else if (dupack) {
		as->dupacks++;
	}

	switch (as->ca_state) {
	case ATCP_CA_OPEN:
	case ATCP_CA_DISORDER:
		if (as->sack_ok)
			atcp_mark_lost_sack(sk);
		else if (as->dupacks >= as->reordering)
			atcp_mark_head_lost(sk);
		if (as->lost_out) {
			atcp_enter_recovery(sk);
			break;
		}
		if (acked)
			atcp_cong_avoid(sk, acked);
		as->ca_state = (as->dupacks || as->sacked_out) ? ATCP_CA_DISORDER : ATCP_CA_OPEN;
		break;
	case ATCP_CA_RECOVERY:
		if (!atcp_seq_before(as->snd_una, as->high_seq)) {
			as->cwnd = max(min(as->cwnd, as->ssthresh), 2U);
			if (as->sack_ok && !as->undo_retrans) {
				/* D-SACKs covered every resend: there was no loss (RFC 3708) */
				as->cwnd = max(as->cwnd, as->prior_cwnd);
				as->ssthresh = max(as->ssthresh, as->prior_ssthresh);
				as->cc->on_loss(sk);
			}
			as->ca_state = as->sacked_out ? ATCP_CA_DISORDER : ATCP_CA_OPEN;
			break;
		}
		if (as->sack_ok)
			atcp_mark_lost_sack(sk);
		else if (acked)
			atcp_mark_head_lost(sk);	/* NewReno partial ACK */
		break;
	case ATCP_CA_LOSS:
		if (!atcp_seq_before(as->snd_una, as->high_seq)) {
			as->ca_state = ATCP_CA_OPEN;
			as->retrans_stamp = 0;
		}
		if (acked)
			atcp_cong_avoid(sk, acked);
		if (as->sack_ok)
			atcp_mark_lost_sack(sk);
		break;
	}
	if (!as->retrans_out)
		as->retrans_stamp = 0;
	atcp_xmit_retransmits(sk);
}
