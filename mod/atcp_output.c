// SPDX-License-Identifier: GPL-2.0
/*
 * atcp output: building segments, the send window, ACKs, RSTs and the
 * replies sent on behalf of request and TIME_WAIT entries.
 *
 * The checksum covers the TCP pseudo-header with protocol number 6, not
 * 253: a gateway that rewrites the IP protocol field turns an atcp segment
 * into a valid TCP segment and back, so atcp can talk to a real TCP peer.
 */
#include <net/route.h>
#include <net/sock.h>
#include <net/checksum.h>
#include <net/ip.h>
#include "atcp.h"
#include "atcp_ecn.h"
#include "atcp_trace.h"

u16 atcp_mss_for_mtu(u32 mtu)
{
	u32 mss = mtu - sizeof(struct iphdr) - sizeof(struct tcphdr);

	if (mtu < sizeof(struct iphdr) + sizeof(struct tcphdr) + ATCP_MIN_MSS)
		return ATCP_MIN_MSS;
	return min_t(u32, mss, 65535 - sizeof(struct iphdr) - sizeof(struct tcphdr));
}

/* The largest receive buffer the socket may grow to: what the window scale must cover. */
int atcp_rcvbuf_max(const struct sock *sk)
{
	if (sk->sk_userlocks & SOCK_RCVBUF_LOCK)
		return READ_ONCE(sk->sk_rcvbuf);
	return max(READ_ONCE(sk->sk_rcvbuf), READ_ONCE(atcp_sk_net(sk)->rmem[2]));
}

/* Smallest shift that lets @space fit into the 16-bit window field. */
u8 atcp_choose_wscale(int space)
{
	u8 wscale = 0;

	while (space > ATCP_MAX_WINDOW && wscale < ATCP_MAX_WSCALE) {
		space >>= 1;
		wscale++;
	}
	return wscale;
}

static u32 atcp_free_space(const struct sock *sk)
{
	int free = READ_ONCE(sk->sk_rcvbuf) - atomic_read(&sk->sk_rmem_alloc);

	return free > 0 ? free / 2 : 0;
}

/*
 * Choose the window to advertise now and remember it.  The right edge never
 * moves left, and it moves right only by a useful amount (receiver-side
 * silly window avoidance, RFC 1122 4.2.3.3).  Returns the scaled field value.
 */
u32 atcp_select_window(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	u32 max_win = ATCP_MAX_WINDOW << as->rcv_wscale;
	s32 remaining = (s32)(as->rcv_wup + as->rcv_wnd - as->rcv_nxt);
	u32 cur = remaining > 0 ? remaining : 0;
	u32 win = min(atcp_free_space(sk), max_win);
	u32 scaled;

	if (win < cur || win - cur < min_t(u32, as->advmss, READ_ONCE(sk->sk_rcvbuf) / 2))
		win = cur;

	scaled = win >> as->rcv_wscale;
	if ((scaled << as->rcv_wscale) < cur)
		scaled++;
	scaled = min(scaled, ATCP_MAX_WINDOW);
	as->rcv_wup = as->rcv_nxt;
	as->rcv_wnd = scaled << as->rcv_wscale;
	return scaled;
}

u32 atcp_ts_now(void)
{
	return (u32)div_u64(ktime_get_ns(), NSEC_PER_MSEC);
}

/*
 * Write the options of one segment in the layout Linux uses (MSS, SACK-
 * permitted folded into the timestamp's padding, NOP + window scale, NOP +
 * NOP + SACK blocks).  Returns the length in bytes, a multiple of 4.
 */
static unsigned int atcp_write_options(__be32 *ptr, const struct atcp_optspec *o)
{
	__be32 *start = ptr;
	unsigned int i;

	if (o->mss)
		*ptr++ = htonl((ATCPOPT_MSS << 24) | (ATCPOLEN_MSS << 16) | o->mss);
	if (o->ts) {
		if (o->sack_perm)
			*ptr++ = htonl((ATCPOPT_SACK_PERM << 24) | (ATCPOLEN_SACK_PERM << 16) |
				       (ATCPOPT_TIMESTAMP << 8) | ATCPOLEN_TIMESTAMP);
		else
			*ptr++ = htonl((ATCPOPT_NOP << 24) | (ATCPOPT_NOP << 16) |
				       (ATCPOPT_TIMESTAMP << 8) | ATCPOLEN_TIMESTAMP);
		*ptr++ = htonl(o->tsval);
		*ptr++ = htonl(o->tsecr);
	} else if (o->sack_perm) {
		*ptr++ = htonl((ATCPOPT_NOP << 24) | (ATCPOPT_NOP << 16) |
			       (ATCPOPT_SACK_PERM << 8) | ATCPOLEN_SACK_PERM);
	}
	if (o->wscale_ok)
		*ptr++ = htonl((ATCPOPT_NOP << 24) | (ATCPOPT_WSCALE << 16) |
			       (ATCPOLEN_WSCALE << 8) | o->wscale);
	if (o->num_sacks) {
		*ptr++ = htonl((ATCPOPT_NOP << 24) | (ATCPOPT_NOP << 16) |
			       (ATCPOPT_SACK << 8) | (2 + 8 * o->num_sacks));
		for (i = 0; i < o->num_sacks; i++) {
			*ptr++ = htonl(o->sacks[i].start);
			*ptr++ = htonl(o->sacks[i].end);
		}
	}
	if (o->tfo)
		ptr += atcp_fastopen_write_option(ptr, o->tfo) / 4;
	return (ptr - start) * 4;
}

/*
 * SACK blocks for an ACK (RFC 2018 4): a pending D-SACK first (RFC 2883),
 * then the block holding the latest out-of-order arrival, then the others
 * from the highest down.  Queued segments that meet or overlap form one
 * block; only the lowest ranges are collected, but the latest arrival's
 * block is found wherever it lies.
 */
static unsigned int atcp_sack_blocks(struct atcp_sock *as, struct atcp_sack_block *out,
				     unsigned int max)
{
	struct atcp_sack_block ranges[ATCP_MAX_SACKS + 4], cur = { }, latest = { };
	unsigned int n = 0, nr = 0, i;
	bool have_cur = false, have_latest = false;
	struct sk_buff *skb;

	if (as->dsack_pending) {
		out[n++] = as->dsack;
		as->dsack_pending = false;
	}
	for (skb = skb_rb_first(&as->ooo_queue);; skb = skb_rb_next(skb)) {
		u32 seq = skb ? ATCP_SKB_CB(skb)->seq : 0, end = skb ? ATCP_SKB_CB(skb)->end_seq : 0;

		if (skb && have_cur && !atcp_seq_after(seq, cur.end)) {
			if (atcp_seq_after(end, cur.end))
				cur.end = end;
			continue;
		}
		/* @cur is complete */
		if (have_cur) {
			bool is_latest = !atcp_seq_before(as->ooo_last_seq, cur.start) &&
					 atcp_seq_before(as->ooo_last_seq, cur.end);

			if (is_latest) {
				latest = cur;
				have_latest = true;
			} else if (nr < ARRAY_SIZE(ranges)) {
				ranges[nr++] = cur;
			}
		}
		if (!skb)
			break;
		cur.start = seq;
		cur.end = end;
		have_cur = true;
	}
	if (have_latest && n < max)
		out[n++] = latest;
	for (i = nr; i-- > 0 && n < max;)
		out[n++] = ranges[i];
	return n;
}

static void atcp_set_checksum(struct sk_buff *skb, __be32 saddr, __be32 daddr, bool offload)
{
	struct tcphdr *th = tcp_hdr(skb);
	unsigned int len = skb->len;

	if (offload) {
		skb->ip_summed = CHECKSUM_PARTIAL;
		skb->csum_start = skb_transport_header(skb) - skb->head;
		skb->csum_offset = offsetof(struct tcphdr, check);
		th->check = ~csum_tcpudp_magic(saddr, daddr, len, IPPROTO_TCP, 0);
	} else {
		th->check = 0;
		skb->ip_summed = CHECKSUM_NONE;
		th->check = csum_tcpudp_magic(saddr, daddr, len, IPPROTO_TCP,
					      skb_checksum(skb, 0, len, 0));
	}
}

static void atcp_ack_sent(struct atcp_sock *as)
{
	as->ack_pending = false;
	as->unacked_segs = 0;
	as->last_ack_sent = as->rcv_nxt;
}

/*
 * A skb of more than one MSS goes out as a super-segment; clear what an
 * earlier transmission of a longer version of it left (it shares the
 * fragment array with the queued original, which only ever goes out cloned).
 */
static void atcp_set_gso(const struct atcp_sock *as, struct sk_buff *skb, u32 len)
{
	struct skb_shared_info *si = skb_shinfo(skb);

	if (len > as->mss) {
		si->gso_size = as->mss;
		si->gso_segs = DIV_ROUND_UP(len, as->mss);
		si->gso_type = ATCP_GSO_TYPE;
	} else if (si->gso_size) {
		si->gso_size = 0;
		si->gso_segs = 0;
		si->gso_type = 0;
	}
}

/*
 * Put the header on @skb (or a clone of it) and hand it to IP.  Runs in any
 * context with the socket locked.  The original of a cloned skb stays on the
 * write queue for retransmission.
 */
int atcp_transmit_skb(struct sock *sk, struct sk_buff *oskb, bool clone_it, gfp_t gfp)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(oskb);
	struct sk_buff *skb = oskb;
	struct atcp_sack_block sacks[ATCP_MAX_SACKS];
	struct atcp_optspec o = { };
	__be32 opts[ATCP_MAX_OPT_SPACE / 4];
	unsigned int opt_len;
	struct tcphdr *th;
	u8 flags = cb->flags;
	u32 win, data_len;
	int err;

	if (sk->sk_state != TCP_SYN_SENT)
		flags |= ATCPHDR_ACK;
	/*
	 * A super-segment always carries PSH, as Linux TCP's GSO packets do
	 * (the receiver's GRO flushes at it); segmentation keeps it on the
	 * last segment only, so the wire sees PSH where the data ends.
	 */
	if (atcp_skb_pcount(oskb) > 1)
		flags |= ATCPHDR_PSH;
	if (flags & ATCPHDR_SYN)
		flags |= atcp_ecn_syn_flags(sk, flags);
	else
		atcp_ecn_xmit(sk, oskb, &flags);
	if (flags & ATCPHDR_SYN) {
		/* our SYN offers what the netns allows; a SYN-ACK echoes the peer */
		o.mss = as->advmss;
		o.wscale_ok = as->wscale_ok;
		o.wscale = as->rcv_wscale;
		o.sack_perm = as->sack_ok;
		o.tfo = as->tfo_syn_opt;	/* only while atcp_fastopen.c sends a SYN */
	}
	if (as->ts_ok) {
		o.ts = true;
		o.tsval = atcp_ts_now() + as->ts_off;
		o.tsecr = (flags & ATCPHDR_ACK) ? as->ts_recent : 0;
	}
	if (as->sack_ok && !(flags & (ATCPHDR_SYN | ATCPHDR_FIN | ATCPHDR_RST)) && !oskb->len &&
	    (as->dsack_pending || !atcp_ofo_empty(as))) {
		o.sacks = sacks;
		o.num_sacks = atcp_sack_blocks(as, sacks, ATCP_MAX_SACKS - as->ts_ok);
	}
	opt_len = atcp_write_options(opts, &o);
	if (flags & ATCPHDR_SYN)
		win = min_t(u32, atcp_free_space(sk), ATCP_MAX_WINDOW);
	else
		win = atcp_select_window(sk);

	if (clone_it) {
		skb = skb_cloned(oskb) ? pskb_copy(oskb, gfp) : skb_clone(oskb, gfp);
		if (!skb)
			return -ENOBUFS;
	}

	data_len = skb->len;
	skb_push(skb, sizeof(*th) + opt_len);
	skb_reset_transport_header(skb);
	skb_set_owner_w(skb, sk);
	atcp_set_gso(as, skb, oskb->len);
	if (data_len) {
		as->data_segs_out += atcp_skb_segs(skb);
		as->bytes_sent += data_len;
		as->data_sent_stamp = jiffies;
	}

	th = tcp_hdr(skb);
	memset(th, 0, sizeof(*th));
	th->source = inet->inet_sport;
	th->dest = inet->inet_dport;
	th->seq = htonl(cb->seq);
	th->ack_seq = (flags & ATCPHDR_ACK) ? htonl(as->rcv_nxt) : 0;
	th->doff = (sizeof(*th) + opt_len) >> 2;
	atcp_flag_byte(th) = flags;
	th->window = htons(win);
	if (opt_len)
		memcpy(th + 1, opts, opt_len);

	/* a super-segment is always CHECKSUM_PARTIAL: atcp_gso_segment() finishes it */
	atcp_set_checksum(skb, inet->inet_saddr, inet->inet_daddr,
			  skb_is_gso(skb) || (sk->sk_route_caps & NETIF_F_HW_CSUM));
	if (flags & ATCPHDR_ACK)
		atcp_ack_sent(as);
	as->segs_out += atcp_skb_segs(skb);
	ATCP_ADD_STATS(atcp_sk_net(sk), ATCP_MIB_OUTSEGS, atcp_skb_segs(skb));
	if (skb_is_gso(skb))
		ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_GSOOUT);

	atcp_trace_segment(ATCP_TRACE_OUT, th, skb->len - th->doff * 4, inet->inet_saddr,
			   inet->inet_daddr, sk->sk_state);
	memset(skb->cb, 0, sizeof(struct inet_skb_parm));
	err = ip_queue_xmit(sk, skb, &inet->cork.fl);
	return net_xmit_eval(err);
}

struct sk_buff *atcp_alloc_ctrl_skb(struct sock *sk, u32 seq, u8 flags, gfp_t gfp)
{
	struct sk_buff *skb = alloc_skb(ATCP_MAX_HEADER, gfp);

	if (!skb)
		return NULL;
	skb_reserve(skb, ATCP_MAX_HEADER);
	ATCP_SKB_CB(skb)->seq = seq;
	ATCP_SKB_CB(skb)->end_seq = seq;
	ATCP_SKB_CB(skb)->flags = flags;
	ATCP_SKB_CB(skb)->sacked = 0;
	return skb;
}

/*
 * Charge @size bytes of send memory that must be queued whatever the
 * global state (SYN, FIN, a split segment); may overdraw sk_forward_alloc,
 * which the uncharge on ACK restores.
 */
void atcp_wmem_charge_forced(struct sock *sk, int size)
{
	if (size > sk->sk_forward_alloc)
		__sk_mem_schedule(sk, size - sk->sk_forward_alloc, SK_MEM_SEND);
	sk_wmem_queued_add(sk, size);
	sk_mem_charge(sk, size);
}

/* Free a segment of the write queue and give its memory back. */
void atcp_wmem_free_skb(struct sock *sk, struct sk_buff *skb)
{
	sk_wmem_queued_add(sk, -skb->truesize);
	sk_mem_uncharge(sk, skb->truesize);
	consume_skb(skb);
}

/* Add a sequence-consuming skb (SYN, data, FIN) to the tail of the write queue. */
void atcp_queue_skb(struct sock *sk, struct sk_buff *skb)
{
	struct atcp_sock *as = atcp_sk(sk);

	__skb_queue_tail(&sk->sk_write_queue, skb);
	atcp_wmem_charge_forced(sk, skb->truesize);
	if (!as->send_head)
		as->send_head = skb;
}

/*
 * Set @skb's segment count from the current MSS and move the scoreboard
 * totals by the change (a sent skb was split, or the MSS moved).
 */
static void atcp_set_pcount(struct atcp_sock *as, struct sk_buff *skb, bool sent)
{
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	u32 segs = skb->len > as->mss ? DIV_ROUND_UP(skb->len, as->mss) : 1;
	int delta = (int)segs - cb->pcount;

	cb->pcount = segs;
	if (!sent || !delta)
		return;
	as->packets_out += delta;
	if (cb->sacked & ATCP_SKB_SACKED)
		as->sacked_out += delta;
	if (cb->sacked & ATCP_SKB_LOST)
		as->lost_out += delta;
	if (cb->sacked & ATCP_SKB_RETRANS)
		as->retrans_out += delta;
}

/*
 * A sent skb is shared with the clones still in flight: give it a page
 * fragment array of its own before changing it.  The memory it is charged
 * for stays as it was.
 */
static int atcp_unshare(struct sk_buff *skb)
{
	unsigned int truesize = skb->truesize;
	int err;

	if (!skb_cloned(skb))
		return 0;
	err = pskb_expand_head(skb, 0, 0, GFP_ATOMIC);
	skb->truesize = truesize;
	return err;
}

/*
 * Split @skb so that it carries @len bytes; the rest follows it in the
 * queue with the same scoreboard bits.  Works on sent skbs too (loss,
 * SACK or a retransmission that needs only part of one).
 */
int atcp_fragment(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	bool sent = skb != as->send_head && !atcp_seq_before(as->snd_nxt, cb->end_seq);
	struct sk_buff *rest;

	if (WARN_ON_ONCE(!len || len >= skb->len) || atcp_unshare(skb))
		return -ENOMEM;
	rest = alloc_skb(ATCP_MAX_HEADER, GFP_ATOMIC);
	if (!rest)
		return -ENOMEM;
	skb_reserve(rest, ATCP_MAX_HEADER);
	rest->ip_summed = skb->ip_summed;
	skb_split(skb, rest, len);
	*ATCP_SKB_CB(rest) = *cb;
	ATCP_SKB_CB(rest)->seq = cb->seq + len;
	ATCP_SKB_CB(rest)->pcount = 0;
	cb->end_seq = cb->seq + len;
	cb->flags &= ~(ATCPHDR_FIN | ATCPHDR_PSH);
	cb->eor = 0;
	rest->truesize += rest->data_len;
	skb->truesize -= rest->data_len;
	atcp_wmem_charge_forced(sk, rest->truesize - rest->data_len);
	__skb_queue_after(&sk->sk_write_queue, skb, rest);
	if (sent) {
		atcp_set_pcount(as, skb, true);
		atcp_set_pcount(as, rest, true);
	}
	return 0;
}

/*
 * The peer acknowledged the first @len bytes of the sent skb @skb: drop
 * them (their pages go back as the fragments are released).  Returns the
 * segments that left packets_out.  Socket locked.
 */
u32 atcp_trim_head(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct atcp_sock *as = atcp_sk(sk);
	u32 before = atcp_skb_pcount(skb), left = len;
	struct skb_shared_info *si;
	int i, k = 0;

	if (skb_headlen(skb) || atcp_unshare(skb))
		return 0;
	/*
	 * Only now: unsharing a clone's data gives @skb a fragment array of
	 * its own; the old one stays with the clone (still in flight, or held
	 * by a reader on the path) and must not change.
	 */
	si = skb_shinfo(skb);
	for (i = 0; i < si->nr_frags; i++) {
		skb_frag_t *f = &si->frags[i];
		u32 size = skb_frag_size(f);

		if (left >= size) {
			put_page(skb_frag_page(f));	/* our own pages, never a page pool's */
			left -= size;
			continue;
		}
		si->frags[k] = *f;
		if (left) {
			skb_frag_off_add(&si->frags[k], left);
			skb_frag_size_sub(&si->frags[k], left);
			left = 0;
		}
		k++;
	}
	si->nr_frags = k;
	skb->len -= len;
	skb->data_len -= len;
	skb->truesize -= len;
	sk_wmem_queued_add(sk, -len);
	sk_mem_uncharge(sk, len);
	ATCP_SKB_CB(skb)->seq += len;
	atcp_set_pcount(as, skb, true);
	return before - atcp_skb_pcount(skb);
}

/* Segments in flight by RFC 6675's estimate: sent, not SACKed, not lost, plus resends. */
u32 atcp_pipe(const struct atcp_sock *as)
{
	return as->packets_out - as->sacked_out - as->lost_out + as->retrans_out;
}

/*
 * Should a partial segment wait?  Nagle (RFC 896): while data is in flight,
 * unless ATCP_NODELAY.  ATCP_CORK and MSG_MORE hold it until pushed.
 */
static bool atcp_hold_partial(struct sock *sk, struct sk_buff *skb, int push)
{
	struct atcp_sock *as = atcp_sk(sk);

	if (!(skb->len % as->mss) || (ATCP_SKB_CB(skb)->flags & ATCPHDR_FIN) ||
	    !skb_queue_is_last(&sk->sk_write_queue, skb) || push >= ATCP_PUSH_FORCE)
		return false;
	if (as->cork || push == ATCP_PUSH_MORE)
		return true;
	/* a Fast Open child's SYN-ACK in flight is not data Nagle waits for */
	return !as->nodelay && as->packets_out > (sk->sk_state == TCP_SYN_RECV);
}

/* RFC 5681 4.1: after an idle period longer than the RTO, restart from IW. */
static void atcp_cwnd_restart(struct atcp_sock *as)
{
	if (!as->packets_out && as->lsnd_time &&
	    time_after(jiffies, as->lsnd_time + as->rto))
		as->cwnd = min_t(u32, as->cwnd, ATCP_INIT_CWND);
}

/*
 * Super-segments (GSO).  Like Linux TCP, sendmsg() fills write-queue skbs
 * up to atcp_size_goal() bytes, a whole number of MSS, and a skb goes out
 * as one packet of gso_size = MSS that IP, netfilter, the qdisc, veth and
 * the peer's stack handle once; atcp_gso_segment() cuts it where a device
 * needs single segments.  packets_out and the scoreboard count segments
 * (atcp_skb_pcount()); a sent skb is split only where the scoreboard needs
 * a boundary inside it (SACK, loss, retransmission) and trimmed when an
 * ACK covers part of it.
 */
static bool atcp_gso_ok(struct sock *sk)
{
	return READ_ONCE(atcp_sk_net(sk)->gso) && sk_can_gso(sk) &&
	       sk->sk_gso_max_segs >= 2 && sk->sk_gso_max_size >= 4U * atcp_sk(sk)->mss;
}

/* Bytes a write-queue skb may grow to: one MSS, or as many as one GSO packet takes. */
u32 atcp_size_goal(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	/* headers included, an IPv4 packet ends at 64 KB (no BIG TCP) */
	u32 max_bytes = min_t(u32, sk->sk_gso_max_size, 65535) -
			sizeof(struct iphdr) - sizeof(struct tcphdr) - ATCP_MAX_OPT_SPACE;
	u32 segs;

	if (!atcp_gso_ok(sk))
		return as->mss;
	/* no more than half the largest window the peer offered, as Linux TCP */
	if (as->max_window)
		max_bytes = min(max_bytes, as->max_window / 2);
	segs = min3(max_bytes / as->mss, (u32)sk->sk_gso_max_segs, 64U);
	return max(segs, 1U) * as->mss;
}

/*
 * How many bytes of the send head may go now: what cwnd and the peer's
 * window allow, in whole segments; a partial last segment only when
 * atcp_hold_partial() lets it go.  0: nothing.
 */
static u32 atcp_sendable(struct sock *sk, struct sk_buff *skb, int push)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	u32 wnd_end = as->snd_una + as->snd_wnd;
	u32 pipe = atcp_pipe(as), len = skb->len;

	if (cb->end_seq - cb->seq == 1 && (cb->flags & ATCPHDR_FIN))
		return 1;			/* a bare FIN ignores both windows */
	if (pipe >= as->cwnd)
		return 0;
	if (!len)
		return 1;
	if (DIV_ROUND_UP(len, as->mss) > as->cwnd - pipe)
		len = (as->cwnd - pipe) * as->mss;
	if (atcp_seq_after(cb->seq + len, wnd_end)) {
		u32 usable = atcp_seq_after(wnd_end, cb->seq) ? wnd_end - cb->seq : 0;

		/*
		 * Sender SWS avoidance (RFC 1122 4.2.3.4): less than a segment
		 * is sent only with nothing in flight and at least half the
		 * largest window the peer offered, or as a probe.
		 */
		if (usable < as->mss &&
		    (as->snd_nxt != as->snd_una || !usable ||
		     (usable < as->max_window / 2 && push != ATCP_PUSH_PROBE)))
			return 0;
		len = usable < as->mss ? usable : rounddown(usable, as->mss);
	}
	if (len == skb->len && atcp_hold_partial(sk, skb, push)) {
		/* Nagle/cork hold the partial tail segment, not the full ones before it */
		len = rounddown(len, as->mss);
		if (!len || len == skb->len)
			return 0;
	}
	/* no bigger than one GSO packet now (the route or the MSS may have changed) */
	if (len > as->mss)
		len = min(len, atcp_size_goal(sk));
	return len;
}

/*
 * Send what the peer's window and the congestion window allow from the
 * send head.  Any context, socket locked.  Returns the segments sent.
 */
int atcp_write_xmit(struct sock *sk, int push)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *skb;
	int sent = 0;
	u32 pipe;

	atcp_cwnd_restart(as);
	while ((skb = as->send_head)) {
		struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
		u32 len = atcp_sendable(sk, skb, push);

		if (!len)
			break;
		if (skb->len && len < skb->len && atcp_fragment(sk, skb, len))
			break;
		/* what a probe sends is pushed, as Linux TCP's window probes are */
		if (push == ATCP_PUSH_PROBE && skb->len)
			cb->flags |= ATCPHDR_PSH;
		atcp_set_pcount(as, skb, false);
		if (atcp_transmit_skb(sk, skb, true, GFP_ATOMIC))
			break;
		if (!as->rtt_timing) {
			as->rtt_timing = true;
			as->rtt_seq = cb->end_seq;
			as->rtt_start_us = div_u64(ktime_get_ns(), NSEC_PER_USEC);
		}
		as->snd_nxt = cb->end_seq;
		as->packets_out += atcp_skb_pcount(skb);
		sent += atcp_skb_pcount(skb);
		as->send_head = skb_queue_is_last(&sk->sk_write_queue, skb) ?
				NULL : skb_queue_next(&sk->sk_write_queue, skb);
	}
	pipe = atcp_pipe(as);
	if (sent || pipe >= as->cwnd)
		atcp_cwnd_validate(as, pipe);
	if (sent) {
		as->lsnd_time = jiffies;
		as->probes_stamp = 0;
		/* a pending probe's deadline is not this data's RTO */
		if (as->probing) {
			as->probing = false;
			atcp_reset_rtx_timer(sk);
		} else if (!timer_pending(&as->rtx_timer)) {
			atcp_reset_rtx_timer(sk);
		}
	} else if (as->send_head && !as->packets_out && !timer_pending(&as->rtx_timer)) {
		/*
		 * Nothing in flight and data left: the window is closed, or
		 * cork/MSG_MORE hold a partial segment.  The probe timer
		 * probes the window or, as Linux TCP, sends the held data
		 * after an RTO (the 200 ms ceiling of a cork).
		 */
		as->probing = true;
		atcp_reset_rtx_timer(sk);
	}
	return sent;
}

/* Push queued data if the connection can carry it. */
void atcp_push_pending(struct sock *sk, int push)
{
	if (((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
				    TCPF_FIN_WAIT1 | TCPF_CLOSING | TCPF_LAST_ACK)) ||
	    atcp_fastopen_passive(sk))
		atcp_write_xmit(sk, push);
}

/* process context: queue and send the SYN of an active open */
int atcp_send_syn(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *skb;

	skb = atcp_alloc_ctrl_skb(sk, as->iss, ATCPHDR_SYN, sk->sk_allocation);
	if (!skb)
		return -ENOBUFS;
	ATCP_SKB_CB(skb)->end_seq = as->iss + 1;
	as->snd_una = as->iss;
	as->snd_nxt = as->iss;
	as->write_seq = as->iss + 1;
	as->pushed_seq = as->write_seq;
	atcp_queue_skb(sk, skb);
	as->send_head = NULL;
	as->snd_nxt = as->iss + 1;
	ATCP_SKB_CB(skb)->pcount = 1;
	as->packets_out = 1;
	as->rtt_timing = true;
	as->rtt_seq = as->iss + 1;
	as->rtt_start_us = div_u64(ktime_get_ns(), NSEC_PER_USEC);
	as->syn_tsval = atcp_ts_now() + as->ts_off;
	atcp_transmit_skb(sk, skb, true, sk->sk_allocation);
	atcp_reset_rtx_timer(sk);
	return 0;
}

/* Simultaneous open: answer the peer's SYN with our SYN, now carrying an ACK. */
int atcp_send_synack_sock(struct sock *sk)
{
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	if (!skb || !(ATCP_SKB_CB(skb)->flags & ATCPHDR_SYN))
		return -EINVAL;
	return atcp_transmit_skb(sk, skb, true, GFP_ATOMIC);
}

void atcp_send_ack(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *skb;

	if (sk->sk_state == TCP_CLOSE || sk->sk_state == TCP_LISTEN)
		return;
	skb = atcp_alloc_ctrl_skb(sk, as->snd_nxt, ATCPHDR_ACK, GFP_ATOMIC);
	if (!skb) {
		atcp_arm_delack(sk);
		return;
	}
	atcp_transmit_skb(sk, skb, false, GFP_ATOMIC);
}

/* Zero-window probe: an ACK one below snd_una that makes the peer answer. */
void atcp_send_probe(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *skb;

	skb = atcp_alloc_ctrl_skb(sk, as->snd_una - 1, ATCPHDR_ACK, GFP_ATOMIC);
	if (skb)
		atcp_transmit_skb(sk, skb, false, GFP_ATOMIC);
}

/* Queue a FIN after all data and send it (process context, socket locked). */
void atcp_send_fin(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *tail = skb_peek_tail(&sk->sk_write_queue);

	if (as->fin_queued)
		return;
	as->fin_queued = true;
	if (tail && as->send_head) {
		ATCP_SKB_CB(tail)->flags |= ATCPHDR_FIN;
		ATCP_SKB_CB(tail)->end_seq++;
	} else {
		struct sk_buff *skb;

		skb = atcp_alloc_ctrl_skb(sk, as->write_seq, ATCPHDR_FIN, sk->sk_allocation);
		if (!skb) {
			/* Could not queue the FIN: give up on a graceful close. */
			atcp_send_active_rst(sk, sk->sk_allocation);
			atcp_done(sk);
			return;
		}
		ATCP_SKB_CB(skb)->end_seq = as->write_seq + 1;
		atcp_queue_skb(sk, skb);
	}
	as->write_seq++;
	atcp_write_xmit(sk, ATCP_PUSH_FORCE);
}

/* Abort the connection towards the peer: RST with our current sequence number. */
void atcp_send_active_rst(struct sock *sk, gfp_t gfp)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *skb;

	skb = atcp_alloc_ctrl_skb(sk, as->snd_nxt, ATCPHDR_RST | ATCPHDR_ACK, gfp);
	if (!skb)
		return;
	ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_OUTRSTS);
	atcp_transmit_skb(sk, skb, false, gfp);
}

/* Resend one segment of the write queue (timer or recovery, socket locked). */
int atcp_retransmit_skb(struct sock *sk, struct sk_buff *skb)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	int err;

	/* one segment at a time: the rest keeps its marks and goes next */
	if (skb->len > as->mss && atcp_fragment(sk, skb, as->mss))
		return -ENOMEM;
	err = atcp_transmit_skb(sk, skb, true, GFP_ATOMIC);
	/* as Linux: the give-up clock starts at the first attempt, sent or not */
	if (!as->retrans_stamp)
		as->retrans_stamp = jiffies;
	if (err)
		return err;
	if (!(cb->sacked & ATCP_SKB_RETRANS))
		as->retrans_out += atcp_skb_pcount(skb);
	if (as->ca_state == ATCP_CA_RECOVERY)
		as->undo_retrans++;
	cb->sacked |= ATCP_SKB_RETRANS | ATCP_SKB_EVER_RETRANS;
	as->rtt_timing = false;		/* Karn: no RTT sample from retransmissions */
	as->total_retrans++;
	as->bytes_retrans += skb->len;
	ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_RETRANSSEGS);
	return 0;
}

void atcp_write_queue_purge(struct sock *sk)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&sk->sk_write_queue)))
		atcp_wmem_free_skb(sk, skb);
	atcp_zc_complete(sk, 0, true);
	atcp_sk(sk)->send_head = NULL;
	atcp_sk(sk)->packets_out = 0;
	atcp_sk(sk)->sacked_out = 0;
	atcp_sk(sk)->lost_out = 0;
	atcp_sk(sk)->retrans_out = 0;
}

/* Decide how to acknowledge data just received: now, or after the delayed-ACK timer. */
void atcp_schedule_ack(struct sock *sk, u32 segs)
{
	struct atcp_sock *as = atcp_sk(sk);

	if (as->quickack && !as->pingpong) {
		as->quickack--;
		atcp_send_ack(sk);
		return;
	}
	/* at least every second full segment (RFC 5681 4.2), counted in MSS */
	as->unacked_segs = min_t(u32, as->unacked_segs + segs, U16_MAX);
	if (as->unacked_segs >= 2) {
		atcp_send_ack(sk);
		return;
	}
	atcp_arm_delack(sk);
}

/*
 * Receive buffer autotuning: if the reader drained a quarter of the buffer
 * within one round trip, the window limits the sender; double the buffer
 * up to rmem[2] unless the user fixed it with SO_RCVBUF.
 */
void atcp_rcvbuf_autotune(struct sock *sk, int copied)
{
	struct atcp_sock *as = atcp_sk(sk);
	unsigned long rtt = max_t(unsigned long, usecs_to_jiffies(as->srtt_us), 1);
	int rcvbuf = READ_ONCE(sk->sk_rcvbuf);

	as->rcvq_copied += copied;
	if (time_before(jiffies, as->rcvq_stamp + rtt))
		return;
	if (!(sk->sk_userlocks & SOCK_RCVBUF_LOCK) && as->rcvq_copied >= rcvbuf / 4)
		WRITE_ONCE(sk->sk_rcvbuf, min(2 * rcvbuf, READ_ONCE(atcp_sk_net(sk)->rmem[2])));
	as->rcvq_copied = 0;
	as->rcvq_stamp = jiffies;
}

/* Send buffer autotuning: room for two windows of data, up to wmem[2]. */
void atcp_sndbuf_autotune(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	u64 want = 4ULL * as->cwnd * as->mss;

	if (sk->sk_userlocks & SOCK_SNDBUF_LOCK || want <= READ_ONCE(sk->sk_sndbuf))
		return;
	WRITE_ONCE(sk->sk_sndbuf, min_t(u64, want, READ_ONCE(atcp_sk_net(sk)->wmem[2])));
}

/* After the reader consumed data: advertise a window that has opened a lot. */
void atcp_cleanup_rbuf(struct sock *sk, int copied)
{
	struct atcp_sock *as = atcp_sk(sk);
	s32 remaining = (s32)(as->rcv_wup + as->rcv_wnd - as->rcv_nxt);
	u32 cur = remaining > 0 ? remaining : 0;
	u32 win;

	if (copied <= 0 || !((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 |
						     TCPF_FIN_WAIT2)))
		return;
	win = min(atcp_free_space(sk), ATCP_MAX_WINDOW << as->rcv_wscale);
	/*
	 * An interactive peer gets the ACK with our reply (or from the
	 * delayed-ACK timer), unless more than a full segment waits for it.
	 */
	if ((as->ack_pending &&
	     (!as->pingpong || as->rcv_nxt - as->last_ack_sent > as->rcv_mss)) ||
	    (win >= 2 * cur && win - cur >= as->advmss))
		atcp_send_ack(sk);
}

/*
 * Replies without a full socket (RST for no socket, SYN-ACK of a request
 * entry, ACK from TIME_WAIT), sent through the netns control socket.
 * Softirq or timer context.
 */
struct atcp_reply {
	__be32	saddr;
	__be32	daddr;
	__be16	sport;
	__be16	dport;
	u32	seq;
	u32	ack;
	u8	flags;
	u16	window;
	u8	state;		/* the sender's, for atcp:atcp_segment */
	int	oif;
	struct atcp_optspec opts;	/* .mss: the route's, clamped to .mss if > 1 */
};

static void atcp_send_reply(struct net *net, const struct atcp_reply *r)
{
	struct atcp_net *an = atcp_pernet(net);
	struct atcp_optspec o = r->opts;
	__be32 opts[ATCP_MAX_OPT_SPACE / 4];
	unsigned int opt_len;
	struct flowi4 fl4;
	struct rtable *rt;
	struct sk_buff *skb;
	struct tcphdr *th;
	struct iphdr *iph;

	flowi4_init_output(&fl4, r->oif, 0, 0, RT_SCOPE_UNIVERSE, atcp_ipproto, 0,
			   r->daddr, r->saddr, r->dport, r->sport, GLOBAL_ROOT_UID);
	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		return;

	if (o.mss) {
		u16 route_mss = atcp_mss_for_mtu(dst_mtu(&rt->dst));

		o.mss = o.mss > 1 ? min(o.mss, route_mss) : route_mss;
	}
	opt_len = atcp_write_options(opts, &o);
	skb = alloc_skb(ATCP_MAX_HEADER, GFP_ATOMIC);
	if (!skb) {
		ip_rt_put(rt);
		return;
	}
	skb_reserve(skb, ATCP_MAX_HEADER);
	th = skb_push(skb, sizeof(*th) + opt_len);
	skb_reset_transport_header(skb);
	memset(th, 0, sizeof(*th));
	th->source = r->sport;
	th->dest = r->dport;
	th->seq = htonl(r->seq);
	th->ack_seq = htonl(r->ack);
	th->doff = (sizeof(*th) + opt_len) >> 2;
	atcp_flag_byte(th) = r->flags;
	th->window = htons(r->window);
	if (opt_len)
		memcpy(th + 1, opts, opt_len);
	atcp_set_checksum(skb, fl4.saddr, fl4.daddr, false);
	atcp_trace_segment(ATCP_TRACE_OUT, th, 0, fl4.saddr, fl4.daddr, r->state);

	iph = skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph->version = 4;
	iph->ihl = 5;
	iph->tos = 0;
	iph->frag_off = htons(IP_DF);
	iph->id = 0;
	iph->ttl = ip4_dst_hoplimit(&rt->dst);
	iph->protocol = atcp_ipproto;
	iph->saddr = fl4.saddr;
	iph->daddr = fl4.daddr;
	skb->protocol = htons(ETH_P_IP);
	skb_dst_set(skb, &rt->dst);

	ATCP_INC_STATS(an, ATCP_MIB_OUTSEGS);
	if (r->flags & ATCPHDR_RST)
		ATCP_INC_STATS(an, ATCP_MIB_OUTRSTS);
	ip_local_out(net, an->ctl_sk, skb);
}

/* RFC 9293 3.10.7.1: answer a segment that matches no connection with RST. */
void atcp_send_reset_reply(struct net *net, struct sk_buff *in)
{
	const struct tcphdr *th = tcp_hdr(in);
	const struct iphdr *iph = ip_hdr(in);
	struct atcp_reply r = {
		.saddr = iph->daddr, .daddr = iph->saddr,
		.sport = th->dest, .dport = th->source,
		.state = TCP_CLOSE,
		.oif = inet_iif(in),
	};

	if (th->rst)
		return;
	if (th->ack) {
		r.seq = ntohl(th->ack_seq);
		r.flags = ATCPHDR_RST;
	} else {
		r.ack = ntohl(th->seq) + th->syn + th->fin + in->len - th->doff * 4;
		r.flags = ATCPHDR_RST | ATCPHDR_ACK;
	}
	atcp_send_reply(net, &r);
}

int atcp_send_synack_req(struct atcp_request *req, const struct sock *lsk)
{
	return atcp_send_synack_req_tfo(req, lsk, NULL);
}

/* ... with a Fast Open cookie for the client (@tfo, NULL or len < 0: none) */
int atcp_send_synack_req_tfo(struct atcp_request *req, const struct sock *lsk,
			     const struct atcp_tfo_cookie *tfo)
{
	u32 tsval = req->cookie ? atcp_cookie_tsval(req) : atcp_ts_now() + req->ts_off;
	struct atcp_reply r = {
		.saddr = req->ent.laddr, .daddr = req->ent.raddr,
		.sport = req->ent.lport, .dport = req->ent.rport,
		.seq = req->iss, .ack = req->irs + 1,
		/* ECE alone agrees to ECN (RFC 3168 6.1.1) */
		.flags = ATCPHDR_SYN | ATCPHDR_ACK | (req->ecn_ok ? ATCPHDR_ECE : 0),
		.window = min_t(u32, READ_ONCE(lsk->sk_rcvbuf) / 2, ATCP_MAX_WINDOW),
		.state = TCP_SYN_RECV,
		.oif = req->bound_dev_if,
		.opts = {
			/* TCP_MAXSEG on the listener clamps what the SYN-ACK offers */
			.mss = atcp_sk(lsk)->user_mss ? : 1,
			.wscale_ok = req->wscale_ok, .wscale = req->rcv_wscale,
			.sack_perm = req->sack_ok, .ts = req->ts_ok,
			.tsval = tsval,
			.tsecr = req->ts_recent,
			.tfo = tfo && tfo->len >= 0 ? tfo : NULL,
		},
	};

	/*
	 * The range of TSvals our SYN-ACKs carried: the final ACK must echo
	 * one of them (atcp_req_rcv()).  Softirq (listener locked) or the
	 * request's timer: the first value is published once, before the flag.
	 */
	if (req->ts_ok && !req->cookie) {
		/* pairs with itself and with atcp_req_tsecr_bad()'s acquire */
		if (!smp_load_acquire(&req->synack_ts_sent)) {
			req->synack_tsval_first = tsval;
			/* first is set before the flag says so */
			smp_store_release(&req->synack_ts_sent, true);
		}
		WRITE_ONCE(req->synack_tsval_last, tsval);
	}
	atcp_send_reply(sock_net(lsk), &r);
	return 0;
}

/* A bare ACK from a request: the answer to a segment it cannot accept. */
void atcp_send_req_ack(struct atcp_request *req, const struct sock *lsk)
{
	u32 wnd = min_t(u32, READ_ONCE(lsk->sk_rcvbuf) / 2, ATCP_MAX_WINDOW);
	struct atcp_reply r = {
		.saddr = req->ent.laddr, .daddr = req->ent.raddr,
		.sport = req->ent.lport, .dport = req->ent.rport,
		.seq = req->iss + 1, .ack = req->irs + 1,
		.flags = ATCPHDR_ACK,
		.window = wnd >> req->rcv_wscale,
		.state = TCP_SYN_RECV,
		.oif = req->bound_dev_if,
		.opts = {
			.ts = req->ts_ok,
			.tsval = req->cookie ? atcp_cookie_tsval(req) : atcp_ts_now() + req->ts_off,
			.tsecr = req->ts_recent,
		},
	};

	atcp_send_reply(sock_net(lsk), &r);
}

void atcp_send_tw_ack(struct net *net, struct atcp_tw *tw)
{
	struct atcp_reply r = {
		.saddr = tw->ent.laddr, .daddr = tw->ent.raddr,
		.sport = tw->ent.lport, .dport = tw->ent.rport,
		.seq = tw->snd_nxt, .ack = tw->rcv_nxt,
		.flags = ATCPHDR_ACK,
		.window = min_t(u32, tw->rcv_wnd >> tw->rcv_wscale, ATCP_MAX_WINDOW),
		.state = TCP_TIME_WAIT,
		.oif = tw->bound_dev_if,
		.opts = {
			.ts = tw->ts_ok,
			.tsval = atcp_ts_now() + tw->ts_off, .tsecr = tw->ts_recent,
		},
	};

	atcp_send_reply(net, &r);
}
