// SPDX-License-Identifier: GPL-2.0
/*
 * atcp input: the IP protocol handler and the per-connection state machine
 * (RFC 9293 3.10.7 "SEGMENT ARRIVES", with RFC 5961 RST/SYN hardening).
 *
 * atcp_v4_rcv() runs in softirq under RCU.  It validates the segment, finds
 * the socket and hands it to __sk_receive_skb(), which processes it at once
 * (socket spinlock held) or queues it on the backlog when a process owns the
 * socket; release_sock() then feeds the backlog to atcp_do_rcv().
 */
#include <net/sock.h>
#include <net/ip.h>
#include <net/xfrm.h>
#include <linux/filter.h>
#include <net/checksum.h>
#include <net/inet_common.h>
#include <net/inet_ecn.h>
#include <net/icmp.h>
#include <net/route.h>
#include <linux/icmp.h>
#include "atcp.h"
#include "atcp_ecn.h"
#include "atcp_trace.h"

/* Parse the options of a segment. Returns false if they are malformed. */
bool atcp_parse_options(const struct tcphdr *th, struct atcp_opts *opts)
{
	const u8 *ptr = (const u8 *)(th + 1);
	int len = th->doff * 4 - sizeof(*th);

	opts->ts_present = false;
	opts->num_sacks = 0;
	opts->mss = 0;
	opts->wscale_ok = false;
	opts->sack_ok = false;
	opts->tfo.len = -1;
	opts->tfo.exp = false;
	while (len > 0) {
		u8 kind = *ptr, size;

		if (kind == ATCPOPT_EOL)
			break;
		if (kind == ATCPOPT_NOP) {
			ptr++;
			len--;
			continue;
		}
		if (len < 2)
			return false;
		size = ptr[1];
		if (size < 2 || size > len)
			return false;
		switch (kind) {
		case ATCPOPT_MSS:
			if (size == ATCPOLEN_MSS && th->syn)
				opts->mss = get_unaligned_be16(ptr + 2);
			break;
		case ATCPOPT_WSCALE:
			if (size == ATCPOLEN_WSCALE && th->syn) {
				opts->wscale = min_t(u8, ptr[2], ATCP_MAX_WSCALE);
				opts->wscale_ok = true;
			}
			break;
		case ATCPOPT_SACK_PERM:
			if (size == ATCPOLEN_SACK_PERM && th->syn)
				opts->sack_ok = true;
			break;
		case ATCPOPT_TIMESTAMP:
			if (size == ATCPOLEN_TIMESTAMP) {
				opts->ts_present = true;
				opts->tsval = get_unaligned_be32(ptr + 2);
				opts->tsecr = get_unaligned_be32(ptr + 6);
			}
			break;
		case ATCPOPT_FASTOPEN:
			atcp_fastopen_parse_option(ptr, size, th->syn, opts);
			break;
		case ATCPOPT_EXP:
			if (size >= ATCPOLEN_EXP_FASTOPEN_BASE &&
			    get_unaligned_be16(ptr + 2) == ATCPOPT_FASTOPEN_MAGIC)
				atcp_fastopen_parse_option(ptr, size, th->syn, opts);
			break;
		case ATCPOPT_SACK:
			if (size >= 10 && (size - 2) % 8 == 0 && !th->syn) {
				unsigned int i, n = min((size - 2) / 8, ATCP_MAX_SACKS);

				for (i = 0; i < n; i++) {
					opts->sacks[i].start = get_unaligned_be32(ptr + 2 + 8 * i);
					opts->sacks[i].end = get_unaligned_be32(ptr + 6 + 8 * i);
				}
				opts->num_sacks = n;
			}
			break;
		}
		ptr += size;
		len -= size;
	}
	return true;
}

void atcp_fill_cb(struct sk_buff *skb, const struct tcphdr *th)
{
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);

	cb->seq = ntohl(th->seq);
	cb->end_seq = cb->seq + th->syn + th->fin + skb->len - th->doff * 4;
	cb->ack_seq = ntohl(th->ack_seq);
	cb->flags = atcp_flag_byte(th) & (ATCPHDR_FIN | ATCPHDR_SYN | ATCPHDR_RST |
					 ATCPHDR_PSH | ATCPHDR_ACK);
	cb->wnd = ntohs(th->window);
	cb->sacked = 0;
	cb->ecn = (atcp_flag_byte(th) & (ATCPHDR_ECE | ATCPHDR_CWR)) |
		  (ip_hdr(skb)->tos & INET_ECN_MASK);
}

/* The peer aborted the connection (RST accepted). */
static void atcp_reset(struct sock *sk)
{
	int err;

	switch (sk->sk_state) {
	case TCP_SYN_SENT:
		err = ECONNREFUSED;
		ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_ATTEMPTFAILS);
		break;
	case TCP_CLOSE_WAIT:
		err = EPIPE;
		break;
	case TCP_CLOSE:
		return;
	default:
		err = ECONNRESET;
	}
	if ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT))
		ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_ESTABRESETS);
	WRITE_ONCE(sk->sk_err, err);
	if (!sock_flag(sk, SOCK_DEAD))
		sk_error_report(sk);
	atcp_write_queue_purge(sk);
	atcp_done(sk);
}

/*
 * ACKs sent in answer to segments that occupy no sequence space, SYNs and
 * RSTs (out of window, PAWS, challenges; a RST's payload does not exempt
 * it) are limited to one per invalid_ratelimit_ms per connection (0: no
 * limit), as Linux's tcp_invalid_ratelimit: two ends that disagree about
 * the window must not ping-pong ACKs forever.  Data and FINs are always
 * answered.
 */
bool atcp_oow_rate_limited(const struct atcp_net *an, const struct sk_buff *skb,
			   unsigned long *last)
{
	const struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	int ms = READ_ONCE(an->invalid_ratelimit_ms);

	if (cb->end_seq != cb->seq && !(cb->flags & (ATCPHDR_SYN | ATCPHDR_RST)))
		return false;
	if (ms && *last && time_before(jiffies, *last + msecs_to_jiffies(ms)))
		return true;
	*last = jiffies ? : 1;
	return false;
}

/* Answer a segment we cannot accept with an ACK, unless rate limited. */
static void atcp_send_oow_ack(struct sock *sk, struct sk_buff *skb)
{
	if (!atcp_oow_rate_limited(atcp_sk_net(sk), skb, &atcp_sk(sk)->last_oow_ack))
		atcp_send_ack(sk);
}

/* RFC 5961: answer a suspicious RST or SYN with an ACK instead of acting on it. */
static void atcp_send_challenge_ack(struct sock *sk, struct sk_buff *skb)
{
	ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_CHALLENGEACKS);
	atcp_send_oow_ack(sk, skb);
}

/* Right edge of what we advertised, minus what arrived since. */
static u32 atcp_receive_window(const struct atcp_sock *as)
{
	s32 win = (s32)(as->rcv_wup + as->rcv_wnd - as->rcv_nxt);

	return win > 0 ? win : 0;
}

/* Does the segment overlap the receive window (RFC 9293 3.10.7.4, leniently)? */
static bool atcp_sequence_ok(const struct atcp_sock *as, const struct atcp_skb_cb *cb)
{
	return !atcp_seq_before(cb->end_seq, as->rcv_wup) &&
	       !atcp_seq_after(cb->seq, as->rcv_nxt + atcp_receive_window(as));
}

/* Does the ACK up to @ack cover data that was ever retransmitted? */
static bool atcp_acks_retransmitted(struct sock *sk, u32 ack)
{
	struct sk_buff *skb;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		if (skb == atcp_sk(sk)->send_head || !atcp_seq_before(ATCP_SKB_CB(skb)->seq, ack))
			break;
		if (ATCP_SKB_CB(skb)->sacked & ATCP_SKB_EVER_RETRANS)
			return true;
	}
	return false;
}

/*
 * RTT sample for an ACK of new data: from the timed segment, unless the
 * ACK also covers retransmitted data (then the timed segment waited behind
 * a hole and its time says how long recovery took, not the RTT; Karn), else
 * from the echoed timestamp, which is that of the transmission that got
 * through, retransmission or not (RFC 7323 4.1).
 */
static void atcp_ack_rtt(struct sock *sk, const struct atcp_opts *opts, u32 ack)
{
	struct atcp_sock *as = atcp_sk(sk);
	bool timed = as->rtt_timing && !atcp_seq_before(ack, as->rtt_seq);

	if (timed)
		as->rtt_timing = false;
	if (timed && !atcp_acks_retransmitted(sk, ack)) {
		atcp_rtt_sample(sk, div_u64(ktime_get_ns(), NSEC_PER_USEC) - as->rtt_start_us);
	} else if (as->ts_ok && opts->ts_present && opts->tsecr) {
		u32 rtt_ms = atcp_ts_now() + as->ts_off - opts->tsecr;

		if (rtt_ms < 60 * MSEC_PER_SEC)
			atcp_rtt_sample(sk, rtt_ms * USEC_PER_MSEC);
	}
}

/*
 * RFC 7323 4.3: remember the timestamp to echo from the segment at the
 * left edge.  Only from an acceptable segment: in the window (checked
 * before) and with an acceptable ACK (atcp_ack()); a bogus one would make
 * PAWS drop the good segments that follow.
 */
static void atcp_store_ts_recent(struct atcp_sock *as, const struct atcp_opts *opts,
				 const struct atcp_skb_cb *cb)
{
	if (as->ts_ok && opts->ts_present && !atcp_seq_after(cb->seq, as->last_ack_sent)) {
		as->ts_recent = opts->tsval;
		as->ts_recent_stamp = jiffies;
	}
}

/* Forward progress ends a run of timeouts: add its length (TCP_INFO). */
static void atcp_end_rto_run(struct atcp_sock *as)
{
	if (!as->rto_stamp)
		return;
	as->total_rto_time += jiffies_to_msecs(jiffies - as->rto_stamp);
	as->rto_stamp = 0;
}

/*
 * Process the ACK field (RFC 9293 3.10.7.4 fifth check).  Returns false if
 * the segment must be dropped.
 */
static bool atcp_ack(struct sock *sk, struct sk_buff *skb, const struct atcp_opts *opts)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	u32 prior_una = as->snd_una, prior_wnd = as->snd_wnd;
	u32 ack = cb->ack_seq;
	u64 prior_delivered;
	bool dupack;

	if (atcp_seq_after(ack, as->snd_nxt)) {
		/*
		 * ACK for something not yet sent: dropped, with a challenge
		 * ACK (RFC 5961 5.2, RFC 9293 3.10.7.4) where the kernel's
		 * own TCP sends one: every state but ESTABLISHED, and that
		 * too from 7.1 on (compat.h)
		 */
		if (sk->sk_state != TCP_ESTABLISHED || ATCP_CHALLENGE_UNSENT_ACK_ESTABLISHED)
			atcp_send_challenge_ack(sk, skb);
		return false;
	}
	if (atcp_seq_before(ack, as->snd_una - as->max_window)) {
		/* RFC 5961 5.2: far too old */
		atcp_send_challenge_ack(sk, skb);
		return false;
	}
	atcp_store_ts_recent(as, opts, cb);
	as->probes_out = 0;	/* the peer is alive, whatever its window */

	if (atcp_seq_after(cb->seq, as->snd_wl1) ||
	    (cb->seq == as->snd_wl1 && !atcp_seq_before(ack, as->snd_wl2))) {
		/* a SYN's window is never scaled (RFC 7323 2.2) */
		as->snd_wnd = (u32)cb->wnd << (cb->flags & ATCPHDR_SYN ? 0 : as->snd_wscale);
		as->snd_wl1 = cb->seq;
		as->snd_wl2 = ack;
		as->max_window = max(as->max_window, as->snd_wnd);
	}

	/* RFC 5681 2: same ACK, no data, same window, data outstanding */
	dupack = ack == prior_una && cb->end_seq == cb->seq && as->snd_wnd == prior_wnd &&
		 as->packets_out;
	if (atcp_seq_after(ack, prior_una)) {
		as->bytes_acked += ack - prior_una;
		atcp_ack_rtt(sk, opts, ack);
		as->snd_una = ack;
		as->retransmits = 0;
		atcp_end_rto_run(as);
		as->r1_rerouted = false;
		as->backoff = 0;
	}
	prior_delivered = as->delivered;
	atcp_ack_recovery(sk, opts, prior_una, dupack);
	if ((as->ecn_flags & ATCP_ECN_OK) && (cb->ecn & ATCPHDR_ECE) &&
	    !(cb->flags & ATCPHDR_SYN))
		as->delivered_ce += as->delivered - prior_delivered;
	atcp_ecn_rcv_ack(sk, cb);
	if (atcp_seq_after(ack, prior_una)) {
		if (!as->packets_out)
			sk_stop_timer(sk, &as->rtx_timer);
		else if (atcp_sack_reneged(sk))
			atcp_reneging_timer(sk);
		else
			atcp_reset_rtx_timer(sk);
		atcp_sndbuf_autotune(sk);
		sk_mem_reclaim(sk);
	}
	if (as->send_head)
		atcp_push_pending(sk, ATCP_PUSH_NORMAL);
	/* after the push: what it sent counts for ATCP_NOTSENT_LOWAT */
	if (atcp_seq_after(ack, prior_una))
		atcp_write_space(sk);
	return true;
}

/* Our FIN has been acknowledged: advance the closing states. */
static bool atcp_fin_acked(struct sock *sk)
{
	switch (sk->sk_state) {
	case TCP_FIN_WAIT1:
		atcp_set_state(sk, TCP_FIN_WAIT2);
		if (sock_flag(sk, SOCK_DEAD))
			atcp_arm_fin_wait2(sk);
		else
			sk->sk_state_change(sk);
		return true;
	case TCP_CLOSING:
		atcp_time_wait(sk);
		return false;
	case TCP_LAST_ACK:
		atcp_done(sk);
		return false;
	}
	return true;
}

/* The peer's FIN is next in sequence (RFC 9293 3.10.7.4 eighth check). */
static void atcp_fin(struct sock *sk)
{
	sk->sk_shutdown |= RCV_SHUTDOWN;
	sock_set_flag(sk, SOCK_DONE);
	atcp_ofo_purge(sk);

	switch (sk->sk_state) {
	case TCP_SYN_RECV:
	case TCP_ESTABLISHED:
		atcp_set_state(sk, TCP_CLOSE_WAIT);
		break;
	case TCP_FIN_WAIT1:
		atcp_set_state(sk, TCP_CLOSING);
		break;
	case TCP_FIN_WAIT2:
		atcp_send_ack(sk);
		atcp_time_wait(sk);
		return;
	default:
		break;
	}
	if (sk->sk_state == TCP_CLOSE_WAIT && !sock_flag(sk, SOCK_DEAD)) {
		/*
		 * The application usually closes right after reading the end
		 * of the stream: let its FIN carry this ACK, as TCP does; the
		 * delayed-ACK timer sends it alone otherwise.
		 */
		atcp_arm_delack(sk);
	} else {
		atcp_send_ack(sk);
	}
	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		if (sk->sk_shutdown == SHUTDOWN_MASK || sk->sk_state == TCP_CLOSE)
			sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_HUP);
		else
			sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_IN);
	}
}

/* Move in-order data (and a FIN) to the receive queue. Returns true on FIN. */
static bool atcp_queue_in_order(struct sock *sk, struct sk_buff *skb)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	bool fin = cb->flags & ATCPHDR_FIN;

	as->rcv_nxt = cb->end_seq - fin;
	as->bytes_received += skb->len;
	if (skb->len)
		atcp_rcvq_queue(sk, skb);
	else
		kfree_skb(skb);
	if (fin)
		as->rcv_nxt++;
	return fin;
}

/* Pull segments that became in-order out of the out-of-order queue. */
static bool atcp_ooo_drain(struct sock *sk)
{
	struct sk_buff *skb;

	while ((skb = atcp_ofo_pop_ready(sk)))
		if (atcp_queue_in_order(sk, skb))
			return true;
	return false;
}

/*
 * The first data of a connection, or data after a silence longer than the
 * RTO, is acknowledged at once for a while (as Linux TCP's quick-ACK mode):
 * the sender's window is small or restarting and waits for those ACKs.
 * Up to 16 segments, fewer when half the window holds fewer.
 */
static void atcp_enter_quickack(struct atcp_sock *as)
{
	u32 segs = atcp_receive_window(as) / (2 * max_t(u32, as->rcv_mss, 1));

	segs = clamp_t(u32, segs, 2, ATCP_QUICKACK_SEGS);
	if (segs > as->quickack)
		as->quickack = segs;
}

/* Payload and FIN processing (RFC 9293 3.10.7.4 seventh and eighth checks). */
static void atcp_data_queue(struct sock *sk, struct sk_buff *skb)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	u32 seglen, segs;
	bool fin;

	__skb_pull(skb, tcp_hdr(skb)->doff * 4);
	atcp_ecn_accept_cwr(sk, cb);

	if (!atcp_seq_after(cb->end_seq, as->rcv_nxt)) {
		/*
		 * Entirely old, in every state: a retransmission of what we
		 * have (RFC 2883 D-SACK), the peer's FIN again included (our
		 * ACK of it was lost).  RFC 9293 3.10.7.4: answer with an ACK,
		 * at once and not rate limited, as Linux TCP does.
		 */
		as->dsack.start = cb->seq;
		as->dsack.end = cb->end_seq;
		as->dsack_pending = as->sack_ok;
		atcp_send_ack(sk);
		kfree_skb(skb);
		return;
	}
	if (!((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2))) {
		/* beyond the peer's FIN (CLOSE_WAIT, CLOSING, LAST_ACK): bogus */
		ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_AFTERFINDROP);
		kfree_skb(skb);
		return;
	}
	if (atcp_seq_after(cb->seq, as->rcv_nxt + atcp_receive_window(as)) ||
	    !atcp_rmem_schedule(sk, skb)) {
		atcp_send_ack(sk);
		kfree_skb(skb);
		return;
	}
	skb_set_owner_r(skb, sk);
	if (!as->lrcv_time || time_after(jiffies, as->lrcv_time + as->rto))
		atcp_enter_quickack(as);
	if (atcp_ecn_check_ce(sk, cb))
		as->quickack = max_t(u8, as->quickack, 2);
	as->lrcv_time = jiffies;
	segs = atcp_skb_segs(skb);

	/* a super-segment (GSO from veth/lo) tells its segment size in gso_size */
	seglen = skb_is_gso(skb) ? skb_shinfo(skb)->gso_size : skb->len;
	if (seglen > as->rcv_mss)
		as->rcv_mss = seglen;
	if (atcp_seq_after(cb->seq, as->rcv_nxt)) {
		/* a hole before it: keep it and tell the sender at once */
		as->ooo_last_seq = cb->seq;
		as->quickack = ATCP_QUICKACK_SEGS;
		as->pingpong = false;
		as->rcv_ooopack += segs;
		atcp_ofo_insert(sk, skb);
		atcp_send_ack(sk);
		return;
	}

	fin = atcp_queue_in_order(sk, skb);
	if (!fin && !atcp_ofo_empty(as)) {
		fin = atcp_ooo_drain(sk);
		as->ack_pending = true;
	}
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_data_ready(sk);
	if (fin)
		atcp_fin(sk);
	else if (as->ack_pending || !atcp_ofo_empty(as))
		atcp_send_ack(sk);
	else
		atcp_schedule_ack(sk, segs);
}

/* Settle what both sides agreed on in the SYN exchange (active open). */
static void atcp_apply_syn_options(struct sock *sk, const struct atcp_opts *opts)
{
	struct atcp_sock *as = atcp_sk(sk);
	u16 peer_mss = opts->mss ? opts->mss : ATCP_DEFAULT_MSS;

	as->mss = max_t(u16, min(as->advmss, peer_mss), ATCP_MIN_MSS);
	if (as->user_mss)
		as->mss = min(as->mss, as->user_mss);
	if (as->wscale_ok && opts->wscale_ok) {
		as->snd_wscale = opts->wscale;
	} else {
		as->wscale_ok = false;
		as->snd_wscale = 0;
		as->rcv_wscale = 0;
	}
	as->sack_ok = as->sack_ok && opts->sack_ok;
	as->ts_ok = as->ts_ok && opts->ts_present;
	if (as->ts_ok) {
		as->ts_recent = opts->tsval;
		as->ts_recent_stamp = jiffies;
		as->mss -= ATCPOLEN_TS_ALIGNED;
	}
}

/* SYN_SENT (RFC 9293 3.10.7.3). */
static void atcp_rcv_synsent(struct sock *sk, struct sk_buff *skb)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	struct atcp_opts opts;
	bool opts_ok = atcp_parse_options(tcp_hdr(skb), &opts);
	bool sent, fin;

	if (cb->flags & ATCPHDR_ACK) {
		if (!atcp_seq_after(cb->ack_seq, as->iss) ||
		    atcp_seq_after(cb->ack_seq, atcp_fastopen_synsent_ack_limit(sk))) {
			atcp_send_reset_reply(sock_net(sk), skb);
			goto discard;
		}
		/*
		 * RFC 7323 5 (PAWS), as Linux: an ACK of our SYN must echo a
		 * timestamp we sent since the first SYN, or it is from an
		 * older incarnation: answer with RST, stay in SYN_SENT.
		 */
		if (opts_ok && opts.ts_present && opts.tsecr &&
		    opts.tsecr - as->syn_tsval > atcp_ts_now() + as->ts_off - as->syn_tsval) {
			ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_PAWSDROPS);
			atcp_send_reset_reply(sock_net(sk), skb);
			goto discard;
		}
	}
	if (cb->flags & ATCPHDR_RST) {
		if (cb->flags & ATCPHDR_ACK)
			atcp_reset(sk);
		else
			ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_SYNSENTDROP);
		goto discard;
	}
	if (!(cb->flags & ATCPHDR_SYN)) {
		ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_SYNSENTDROP);
		goto discard;
	}
	if (!opts_ok) {
		ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_INERRS);
		goto discard;
	}

	atcp_apply_syn_options(sk, &opts);
	if (cb->flags & ATCPHDR_ACK)
		atcp_ecn_rcv_synack(sk, cb);
	else
		atcp_ecn_rcv_syn(sk, cb);
	as->irs = cb->seq;
	as->rcv_nxt = cb->seq + 1;
	as->copied_seq = as->rcv_nxt;
	as->last_ack_sent = as->rcv_nxt;
	as->snd_wnd = cb->wnd;		/* never scaled in a SYN */
	as->max_window = as->snd_wnd;
	as->snd_wl1 = cb->seq;
	as->snd_wl2 = cb->ack_seq;
	as->rcv_tstamp = jiffies;

	if (cb->flags & ATCPHDR_ACK) {
		atcp_fastopen_synack_pre(sk, skb);
		atcp_ack(sk, skb, &opts);
		as->rcv_wup = as->rcv_nxt;
		atcp_set_state(sk, TCP_ESTABLISHED);
		as->quickack = ATCP_QUICKACK_SEGS;
		/* Fast Open data the SYN-ACK missed goes again, with this ACK */
		sent = atcp_fastopen_synack(sk, &opts);
		if (!sock_flag(sk, SOCK_DEAD)) {
			sk->sk_state_change(sk);
			sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
		}
		if (atcp_fastopen_synack_data_ok(sk) && cb->end_seq != cb->seq + 1) {
			/* its data (and FIN), after the SYN, as any in-order data */
			cb->seq++;
			cb->flags &= ~ATCPHDR_SYN;
			fin = cb->flags & ATCPHDR_FIN;
			atcp_data_queue(sk, skb);
			/* acknowledged at once, as the SYN-ACK alone would be */
			if (fin && !sent)
				atcp_send_ack(sk);
			return;
		}
		if (!sent)
			atcp_send_ack(sk);
	} else {
		/* Simultaneous open: both SYNs crossed. */
		as->rcv_wup = as->rcv_nxt;
		atcp_set_state(sk, TCP_SYN_RECV);
		atcp_send_synack_sock(sk);
	}
discard:
	kfree_skb(skb);
}

/*
 * RFC 7323 5: a segment whose timestamp is older than the last one echoed
 * belongs to an earlier incarnation of the sequence space (PAWS).
 */
static bool atcp_paws_reject(const struct atcp_sock *as, const struct atcp_opts *opts,
			     const struct atcp_skb_cb *cb)
{
	if (!as->ts_ok || !opts->ts_present)
		return false;
	/* one tick of slack: segments sent in the same ms may cross (Linux does the same) */
	if ((s32)(as->ts_recent - opts->tsval) <= ATCP_PAWS_WINDOW)
		return false;
	/* a pure ACK carries nothing to confuse; ACKs from several CPUs may cross */
	if (cb->end_seq == cb->seq && !(cb->flags & ATCPHDR_RST))
		return false;
	return !time_after(jiffies, as->ts_recent_stamp + ATCP_PAWS_IDLE);
}

/*
 * Simultaneous open (RFC 9293 Figure 8): our SYN crossed the peer's, and in
 * SYN_RECV its SYN-ACK repeats the SYN we took and acknowledges ours.  That
 * completes the handshake, as in Linux TCP (its old SYN is then answered with
 * a D-SACK ACK like any duplicate).  Any other SYN in a synchronized state
 * draws a challenge ACK (RFC 5961 4).  A passive Fast Open child has no
 * socket yet: a SYN-ACK to it is bogus.
 */
static bool atcp_simopen_synack(const struct sock *sk, const struct atcp_skb_cb *cb)
{
	const struct atcp_sock *as = atcp_sk(sk);

	return sk->sk_state == TCP_SYN_RECV && sk->sk_socket &&
	       (cb->flags & ATCPHDR_ACK) && cb->seq + 1 == cb->end_seq &&
	       cb->end_seq == as->rcv_nxt && cb->ack_seq == as->snd_nxt;
}

/* Every synchronized state of a full socket (RFC 9293 3.10.7.4). */
static void atcp_rcv_synchronized(struct sock *sk, struct sk_buff *skb)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	struct atcp_opts opts;

	if (!atcp_parse_options(tcp_hdr(skb), &opts)) {
		ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_INERRS);
		goto discard;
	}
	if (atcp_paws_reject(as, &opts, cb) && !(cb->flags & ATCPHDR_RST)) {
		ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_PAWSDROPS);
		atcp_send_oow_ack(sk, skb);
		goto discard;
	}
	if (!atcp_sequence_ok(as, cb)) {
		ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_OUTOFWINDOW);
		if (!(cb->flags & ATCPHDR_RST))
			atcp_send_oow_ack(sk, skb);
		goto discard;
	}
	as->rcv_tstamp = jiffies;
	as->keepalive_sent = 0;
	if (cb->flags & ATCPHDR_RST) {
		if (cb->seq == as->rcv_nxt)
			atcp_reset(sk);
		else
			atcp_send_challenge_ack(sk, skb);
		goto discard;
	}
	if ((cb->flags & ATCPHDR_SYN) && !atcp_simopen_synack(sk, cb)) {
		atcp_send_challenge_ack(sk, skb);
		goto discard;
	}
	if (!(cb->flags & ATCPHDR_ACK)) {
		ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_NOACKDROP);
		goto discard;
	}

	if (sk->sk_state == TCP_SYN_RECV) {
		if (!atcp_seq_after(cb->ack_seq, as->snd_una) ||
		    atcp_seq_after(cb->ack_seq, as->snd_nxt)) {
			atcp_send_reset_reply(sock_net(sk), skb);
			goto discard;
		}
		as->snd_wl1 = cb->seq - 1;	/* force the window update below */
		atcp_set_state(sk, TCP_ESTABLISHED);
		if (!sock_flag(sk, SOCK_DEAD)) {
			sk->sk_state_change(sk);
			sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
		}
	}
	if (!atcp_ack(sk, skb, &opts))
		goto discard;
	if (as->fin_queued && as->snd_una == as->write_seq && !atcp_fin_acked(sk))
		goto discard;

	if ((sk->sk_shutdown & RCV_SHUTDOWN) &&
	    ((1 << sk->sk_state) & (TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)) &&
	    cb->end_seq != cb->seq &&
	    atcp_seq_after(cb->end_seq - !!(cb->flags & ATCPHDR_FIN), as->rcv_nxt)) {
		/* New data for a socket the user closed: nobody will read it. */
		atcp_send_active_rst(sk, GFP_ATOMIC);
		atcp_reset(sk);
		goto discard;
	}
	if (cb->end_seq != cb->seq) {
		atcp_data_queue(sk, skb);
		return;
	}
discard:
	kfree_skb(skb);
}

/* sk->sk_backlog_rcv: socket spinlock held (softirq) or owned (backlog, process). */
int atcp_do_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct atcp_sock *as = atcp_sk(sk);

	atcp_set_cause(sk, ATCP_CAUSE_SEGMENT, atcp_flag_byte(tcp_hdr(skb)));
	atcp_fill_cb(skb, tcp_hdr(skb));
	as->segs_in += atcp_skb_segs(skb);
	if (skb->len > tcp_hdrlen(skb))
		as->data_segs_in += atcp_skb_segs(skb);

	switch (sk->sk_state) {
	case TCP_LISTEN:
		return atcp_listener_rcv(sk, skb);
	case TCP_CLOSE:
		atcp_send_reset_reply(sock_net(sk), skb);
		kfree_skb(skb);
		return 0;
	case TCP_SYN_SENT:
		atcp_rcv_synsent(sk, skb);
		return 0;
	default:
		atcp_rcv_synchronized(sk, skb);
		return 0;
	}
}

/* Checks that need nothing but the segment itself. */
static bool atcp_segment_valid(struct sk_buff *skb)
{
	const struct tcphdr *th;

	if (!pskb_may_pull(skb, sizeof(struct tcphdr)))
		return false;
	th = (const struct tcphdr *)skb->data;
	if (th->doff < sizeof(struct tcphdr) / 4 || !pskb_may_pull(skb, th->doff * 4))
		return false;
	th = (const struct tcphdr *)skb->data;
	/* contradictory flags are never part of a valid exchange */
	if (th->syn && th->rst)
		return false;
	return true;
}

/*
 * Process the segment now, or queue it on the backlog for release_sock()
 * when a process owns the socket.  Consumes the socket reference.  The
 * receive window already bounds queued data, so the backlog may hold up to
 * both buffers' worth before segments are dropped.
 */
static int atcp_rcv_or_backlog(struct sock *sk, struct sk_buff *skb)
{
	if (!sock_owned_by_user(sk))
		return atcp_do_rcv(sk, skb);
	if (sk_add_backlog(sk, skb, READ_ONCE(sk->sk_rcvbuf) + READ_ONCE(sk->sk_sndbuf))) {
		atomic_inc(&sk->sk_drops);
		ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_BACKLOGDROPS);
		kfree_skb(skb);
	}
	return 0;
}

static int atcp_deliver(struct sock *sk, struct sk_buff *skb)
{
	int ret = 0;

	if (sk_filter_trim_cap(sk, skb, tcp_hdr(skb)->doff * 4)) {
		kfree_skb(skb);
		goto out;
	}
	skb->dev = NULL;
	bh_lock_sock(sk);
	ret = atcp_rcv_or_backlog(sk, skb);
	bh_unlock_sock(sk);
out:
	sock_put(sk);
	return ret;
}

/*
 * A segment that waited in the listener's backlog while the handshake it
 * belongs to completed (the final ACK was ahead of it there): it is the new
 * connection's now.  Listener locked or owned; consumes the reference on
 * @child.
 */
void atcp_deliver_to_child(struct sock *child, struct sk_buff *skb)
{
	local_bh_disable();
	bh_lock_sock_nested(child);
	atcp_rcv_or_backlog(child, skb);
	bh_unlock_sock(child);
	local_bh_enable();
	sock_put(child);
}

/* atcp:atcp_segment for a segment that passed the checksum; @state: what it meets */
static void atcp_trace_in(const struct sk_buff *skb, int state)
{
	const struct tcphdr *th = tcp_hdr(skb);

	atcp_trace_segment(ATCP_TRACE_IN, th, skb->len - th->doff * 4, ip_hdr(skb)->saddr,
			   ip_hdr(skb)->daddr, state);
}

/* IP protocol handler: softirq, under RCU. */
int atcp_v4_rcv(struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);
	struct atcp_net *an = atcp_pernet(net);
	const struct tcphdr *th;
	const struct iphdr *iph;
	struct atcp_ent *ent;
	struct sock *sk;

	if (skb->pkt_type != PACKET_HOST)
		goto discard;
	/* segments, as TCP counts them: a super-segment from veth/lo is several */
	ATCP_ADD_STATS(an, ATCP_MIB_INSEGS, atcp_skb_segs(skb));
	if (skb_is_gso(skb))
		ATCP_INC_STATS(an, ATCP_MIB_GSOIN);

	if (!atcp_segment_valid(skb))
		goto bad_segment;
	if (skb_checksum_init(skb, IPPROTO_TCP, inet_compute_pseudo) ||
	    skb_checksum_complete(skb)) {
		ATCP_INC_STATS(an, ATCP_MIB_INCSUMERRORS);
		goto bad_segment;
	}
	th = tcp_hdr(skb);
	iph = ip_hdr(skb);

	ent = atcp_lookup_established(an, iph->daddr, th->dest, iph->saddr, th->source);
	/*
	 * SYN+FIN only has a meaning for a full socket: the SYN-ACK of a
	 * server that closes at once (SYN_SENT); a synchronized socket
	 * answers its SYN with a challenge ACK.  Elsewhere it is dropped.
	 */
	if (th->syn && th->fin && (!ent || ent->kind != ATCP_ENT_SOCK)) {
		if (ent)
			atcp_ent_put(ent);
		goto bad_segment;
	}
	if (ent) {
		switch (ent->kind) {
		case ATCP_ENT_SOCK:
			sk = &container_of(ent, struct atcp_sock, ent)->inet.sk;
			atcp_trace_in(skb, READ_ONCE(sk->sk_state));
			goto deliver;
		case ATCP_ENT_REQ:
			atcp_trace_in(skb, TCP_SYN_RECV);
			/* requests are handled by their listener, under its lock */
			sk = container_of(ent, struct atcp_request, ent)->listener;
			if (!refcount_inc_not_zero(&sk->sk_refcnt))
				sk = NULL;
			atcp_ent_put(ent);
			if (!sk)
				goto no_socket;
			goto deliver;
		case ATCP_ENT_TW:
			atcp_trace_in(skb, TCP_TIME_WAIT);
			if (!atcp_tw_rcv(container_of(ent, struct atcp_tw, ent), skb))
				return 0;
			/* a new SYN ended TIME_WAIT: look for a listener */
			break;
		}
	}

	sk = atcp_lookup_listener(an, skb, iph->saddr, th->source, iph->daddr, th->dest,
				  inet_iif(skb));
	if (!ent)
		atcp_trace_in(skb, sk ? TCP_LISTEN : TCP_CLOSE);
	if (!sk)
		goto no_socket;
deliver:
	if (!xfrm4_policy_check(sk, XFRM_POLICY_IN, skb)) {
		sock_put(sk);
		goto discard;
	}
	nf_reset_ct(skb);
	return atcp_deliver(sk, skb);

no_socket:
	ATCP_INC_STATS(an, ATCP_MIB_NOSOCKET);
	if (xfrm4_policy_check(NULL, XFRM_POLICY_IN, skb))
		atcp_send_reset_reply(net, skb);
	goto discard;
bad_segment:
	ATCP_INC_STATS(an, ATCP_MIB_INERRS);
discard:
	kfree_skb(skb);
	return 0;
}

/*
 * Fragmentation needed (RFC 1191): learn the smaller path MTU and send
 * smaller segments from now on.  Segments already built larger go out as
 * IP fragments when retransmitted (see atcp_transmit_skb()).
 */
static void atcp_mtu_reduced(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct dst_entry *dst;
	u16 mss;

	dst = __sk_dst_check(sk, 0);
	if (!dst)
		return;
	mss = atcp_mss_for_mtu(dst_mtu(dst)) - (as->ts_ok ? ATCPOLEN_TS_ALIGNED : 0);
	if (mss < as->mss)
		as->mss = max_t(u16, mss, ATCP_MIN_MSS);
}

/* An ICMP error ended a connection that was still opening. */
static void atcp_open_failed(struct sock *sk)
{
	ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_ATTEMPTFAILS);
	WRITE_ONCE(sk->sk_err, sk->sk_err_soft);
	sk_error_report(sk);
	atcp_done(sk);
}

/*
 * proto.release_cb: release_sock() of the owner, socket spinlock held.
 * Runs what ICMP handling had to leave while a process owned the socket.
 */
void atcp_release_cb(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	u8 deferred = as->deferred;

	if (!deferred)
		return;
	as->deferred = 0;
	if ((deferred & ATCP_DEFER_OPEN_ERROR) &&
	    ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)))
		atcp_open_failed(sk);
	if ((deferred & ATCP_DEFER_MTU) && sk->sk_state != TCP_CLOSE)
		atcp_mtu_reduced(sk);
}

/*
 * ICMP error about a segment we sent: softirq, under RCU; skb->data is the
 * IP header we sent, followed by at least 8 bytes of our header.  As TCP
 * does, an error ends a connection still opening; later ones are soft
 * unless IP_RECVERR asks for them.
 */
int atcp_v4_err(struct sk_buff *skb, u32 info)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	const struct tcphdr *th = (const struct tcphdr *)(skb->data + (iph->ihl << 2));
	struct atcp_net *an = atcp_pernet(dev_net(skb->dev));
	int type = icmp_hdr(skb)->type, code = icmp_hdr(skb)->code;
	struct atcp_ent *ent;
	struct atcp_sock *as;
	struct sock *sk;
	int err;
	u32 seq;

	ent = atcp_lookup_established(an, iph->saddr, th->source, iph->daddr, th->dest);
	if (!ent) {
		ATCP_INC_STATS(an, ATCP_MIB_NOSOCKET);
		return -ENOENT;
	}
	if (ent->kind != ATCP_ENT_SOCK) {
		atcp_ent_put(ent);	/* request and TIME_WAIT entries ignore ICMP */
		return 0;
	}
	as = container_of(ent, struct atcp_sock, ent);
	sk = &as->inet.sk;
	seq = ntohl(th->seq);

	bh_lock_sock(sk);
	if (sk->sk_state == TCP_CLOSE ||
	    (sk->sk_state != TCP_SYN_SENT && !atcp_seq_between(as->snd_una, seq, as->snd_nxt))) {
		ATCP_INC_STATS(an, ATCP_MIB_OUTOFWINDOW);
		goto out;
	}
	switch (type) {
	case ICMP_DEST_UNREACH:
		if (code > NR_ICMP_UNREACH)
			goto out;
		if (code == ICMP_FRAG_NEEDED) {
			ipv4_update_pmtu(skb, sock_net(sk), info, sk->sk_bound_dev_if,
					 atcp_ipproto);
			if (!sock_owned_by_user(sk))
				atcp_mtu_reduced(sk);
			else
				as->deferred |= ATCP_DEFER_MTU;
			goto out;
		}
		err = icmp_err_convert[code].errno;
		break;
	case ICMP_TIME_EXCEEDED:
		err = EHOSTUNREACH;
		break;
	case ICMP_PARAMETERPROB:
		err = EPROTO;
		break;
	default:
		goto out;
	}

	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		/* connect() may still own the socket: the answer came back at once */
		WRITE_ONCE(sk->sk_err_soft, err);
		if (sock_owned_by_user(sk))
			as->deferred |= ATCP_DEFER_OPEN_ERROR;
		else
			atcp_open_failed(sk);
	} else if (!sock_owned_by_user(sk) && atcp_ip_recverr(sk)) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
	} else {
		WRITE_ONCE(sk->sk_err_soft, err);
	}
out:
	bh_unlock_sock(sk);
	sock_put(sk);
	return 0;
}
