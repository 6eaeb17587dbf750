// SPDX-License-Identifier: GPL-2.0
/*
 * atcp minisockets: the listener's SYN_RCVD request entries, creation of
 * the accepted child socket, and TIME_WAIT entries.
 *
 * Request entries are only touched under their listener's socket lock (or
 * while a process owns the listener), so the listener serialises its own
 * handshakes.  TIME_WAIT entries live on their own with a refcount and a
 * timer; the table lock decides who unhashes them.
 */
#include <net/sock.h>
#include <net/route.h>
#include <net/inet_common.h>
#include "atcp.h"
#include "atcp_ecn.h"

/* ---- request entries ---- */

void atcp_req_put(struct atcp_request *req)
{
	if (refcount_dec_and_test(&req->refcnt)) {
		sock_put(req->listener);
		kfree_rcu(req, rcu);
	}
}

/* Drop a request from its listener and the table. Listener locked or owned. */
static void atcp_req_unlink(struct sock *lsk, struct atcp_request *req)
{
	if (req->dead)
		return;
	req->dead = true;
	list_del(&req->list);
	atcp_sk(lsk)->req_count--;
	atcp_ehash_remove(atcp_sk_net(lsk), &req->ent);
	atcp_req_put(req);	/* the listener's reference */
}

/* the SYN-ACK timeout after @retries retransmissions */
static unsigned long atcp_req_timeout(const struct sock *lsk, unsigned int retries)
{
	unsigned long rto = atcp_ms_to_jiffies(READ_ONCE(atcp_sk_net(lsk)->rto_initial_ms));

	return min_t(unsigned long, rto << retries, atcp_rto_max(lsk));
}

/* timer: retransmit the SYN-ACK or give up on the request */
static void atcp_req_timer_fn(struct timer_list *t)
{
	struct atcp_request *req = from_timer(req, t, timer);
	struct sock *lsk = req->listener;

	bh_lock_sock(lsk);
	if (req->dead)
		goto out;
	if (sock_owned_by_user(lsk)) {
		mod_timer(&req->timer, jiffies + ATCP_TIMER_RETRY);
		bh_unlock_sock(lsk);
		return;		/* the pending timer keeps its reference */
	}
	if (req->retries >= READ_ONCE(atcp_sk_net(lsk)->synack_retries)) {
		ATCP_INC_STATS(atcp_sk_net(lsk), ATCP_MIB_LISTENDROPS);
		atcp_nl_req_event(req, TCP_SYN_RECV, TCP_CLOSE, ATCP_CAUSE_TIMER,
				  ATCP_TIMER_RETRANSMIT);
		atcp_req_unlink(lsk, req);
		goto out;
	}
	/*
	 * /proc and sock_diag read the entry without the listener lock: re-arm
	 * first and publish the new count after it (atcp_describe_ent()
	 * reads in the other order), so a reader that sees the retransmission
	 * also sees the pending timer, not the expired one.
	 */
	mod_timer(&req->timer, jiffies + atcp_req_timeout(lsk, req->retries + 1));
	smp_wmb();	/* timer before count, see atcp_describe_ent() */
	WRITE_ONCE(req->retries, req->retries + 1);
	ATCP_INC_STATS(atcp_sk_net(lsk), ATCP_MIB_RETRANSSEGS);
	atcp_send_synack_req(req, lsk);
	bh_unlock_sock(lsk);
	return;
out:
	bh_unlock_sock(lsk);
	atcp_req_put(req);
}

/*
 * No room for another request: net.atcp.max_syn_backlog requests, or (as
 * TCP counts it) more than the listen() backlog.
 */
static bool atcp_req_table_full(const struct sock *lsk)
{
	u32 count = atcp_sk(lsk)->req_count;

	return count >= READ_ONCE(atcp_sk_net(lsk)->max_syn_backlog) ||
	       count > READ_ONCE(lsk->sk_max_ack_backlog);
}

/* Fill @req from a SYN and our settings (listener locked). */
void atcp_req_init(struct atcp_request *req, struct sock *lsk, struct sk_buff *skb,
		   const struct atcp_opts *opts)
{
	struct atcp_net *an = atcp_sk_net(lsk);
	const struct tcphdr *th = tcp_hdr(skb);
	const struct iphdr *iph = ip_hdr(skb);

	req->ent.kind = ATCP_ENT_REQ;
	req->ent.laddr = iph->daddr;
	req->ent.raddr = iph->saddr;
	req->ent.lport = th->dest;
	req->ent.rport = th->source;
	req->irs = ATCP_SKB_CB(skb)->seq;
	req->peer_mss = opts->mss ? opts->mss : ATCP_DEFAULT_MSS;
	req->wscale_ok = opts->wscale_ok && READ_ONCE(an->window_scaling);
	req->snd_wscale = opts->wscale;
	req->sack_ok = opts->sack_ok && READ_ONCE(an->sack);
	req->ts_ok = opts->ts_present && READ_ONCE(an->timestamps);
	req->ts_recent = opts->tsval;
	req->rcv_wscale = req->wscale_ok ? atcp_choose_wscale(atcp_rcvbuf_max(lsk)) : 0;
	req->bound_dev_if = lsk->sk_bound_dev_if;
	req->born = jiffies;
	atcp_ecn_req_init(req, an, skb);
}

/* Answer a SYN with a cookie instead of a request entry (listener locked). */
static void atcp_send_cookie(struct sock *lsk, struct sk_buff *skb, const struct atcp_opts *opts)
{
	struct atcp_request req = { };

	atcp_req_init(&req, lsk, skb, opts);
	req.cookie = true;
	req.iss = atcp_cookie_make(&req);
	if (req.ts_ok) {
		req.ts_off = atcp_cookie_ts_off(&req.ent);
	} else {
		/* nowhere to keep them */
		req.wscale_ok = false;
		req.sack_ok = false;
		req.ecn_ok = false;
		req.rcv_wscale = 0;
	}
	atcp_sk(lsk)->last_cookie_sent = jiffies | 1;
	ATCP_INC_STATS(atcp_sk_net(lsk), ATCP_MIB_SYNCOOKIESSENT);
	atcp_send_synack_req(&req, lsk);
}

/* A SYN for a listener: remember it and answer with SYN-ACK (listener locked). */
static void atcp_conn_request(struct sock *lsk, struct sk_buff *skb)
{
	struct atcp_net *an = atcp_sk_net(lsk);
	struct atcp_sock *las = atcp_sk(lsk);
	int cookies = READ_ONCE(an->syncookies);
	struct atcp_tfo_cookie tfo;
	struct atcp_opts opts;
	struct atcp_request *req;

	if (sk_acceptq_is_full(lsk)) {
		ATCP_INC_STATS(an, ATCP_MIB_LISTENOVERFLOWS);
		goto drop;
	}
	if (!atcp_parse_options(tcp_hdr(skb), &opts)) {
		ATCP_INC_STATS(an, ATCP_MIB_INERRS);
		goto consumed;
	}
	if (cookies == 2 || atcp_req_table_full(lsk)) {
		if (!cookies)
			goto drop;
		atcp_send_cookie(lsk, skb, &opts);
		goto consumed;
	}
	/* Fast Open: a valid cookie makes the child now */
	if (atcp_fastopen_conn_request(lsk, skb, &opts, &tfo))
		return;

	req = kzalloc(sizeof(*req), GFP_ATOMIC);
	if (!req)
		goto drop;
	atcp_req_init(req, lsk, skb, &opts);
	refcount_set(&req->refcnt, 2);		/* listener list + timer */
	sock_hold(lsk);
	req->listener = lsk;
	req->iss = atcp_isn(req->ent.laddr, req->ent.raddr, req->ent.lport, req->ent.rport);
	req->ts_off = get_random_u32();
	timer_setup(&req->timer, atcp_req_timer_fn, 0);

	list_add_tail(&req->list, &las->requests);
	las->req_count++;
	atcp_ehash_insert(an, &req->ent);
	atcp_nl_req_event(req, TCP_LISTEN, TCP_SYN_RECV, ATCP_CAUSE_SEGMENT,
			  ATCP_SKB_CB(skb)->flags);
	mod_timer(&req->timer, jiffies + atcp_req_timeout(lsk, req->retries));
	atcp_send_synack_req_tfo(req, lsk, &tfo);
	goto consumed;
drop:
	ATCP_INC_STATS(an, ATCP_MIB_LISTENDROPS);
consumed:
	kfree_skb(skb);
}

/* Build the connected socket for a completed handshake (listener locked). */
struct sock *atcp_create_child(struct sock *lsk, struct atcp_request *req,
			       struct sk_buff *skb)
{
	struct inet_sock *linet = inet_sk(lsk);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	struct inet_sock *inet;
	struct atcp_sock *as;
	struct flowi4 *fl4;
	struct rtable *rt;
	struct sock *sk;

	sk = sk_alloc(sock_net(lsk), PF_INET, GFP_ATOMIC, lsk->sk_prot, false);
	if (!sk)
		return NULL;
	sock_init_data(NULL, sk);
	sk->sk_type = SOCK_STREAM;
	sk->sk_protocol = atcp_ipproto;
	sk->sk_destruct = inet_sock_destruct;
	sk->sk_backlog_rcv = lsk->sk_backlog_rcv;
	sk->sk_reuse = lsk->sk_reuse;
	sk->sk_reuseport = lsk->sk_reuseport;	/* not its group: children do not listen */
	sk->sk_bound_dev_if = lsk->sk_bound_dev_if;
	sk->sk_mark = lsk->sk_mark;
	sk->sk_priority = lsk->sk_priority;
	sk->sk_uid = lsk->sk_uid;
	sk->sk_userlocks = lsk->sk_userlocks & ~SOCK_BINDPORT_LOCK;
	sk->sk_sndbuf = lsk->sk_sndbuf;
	sk->sk_rcvbuf = lsk->sk_rcvbuf;
	sk->sk_rcvlowat = lsk->sk_rcvlowat;
	sk->sk_rcvtimeo = lsk->sk_rcvtimeo;
	sk->sk_sndtimeo = lsk->sk_sndtimeo;
	sk->sk_lingertime = lsk->sk_lingertime;
	if (sock_flag(lsk, SOCK_LINGER))
		sock_set_flag(sk, SOCK_LINGER);
	if (sock_flag(lsk, SOCK_KEEPOPEN))
		sock_set_flag(sk, SOCK_KEEPOPEN);
	if (sock_flag(lsk, SOCK_ZEROCOPY))
		sock_set_flag(sk, SOCK_ZEROCOPY);

	inet = inet_sk(sk);
	inet->uc_ttl = linet->uc_ttl;
	inet->tos = linet->tos;
	inet->pmtudisc = linet->pmtudisc;
	inet->mc_ttl = 1;
	inet->mc_index = 0;
	inet->inet_daddr = req->ent.raddr;
	inet->inet_dport = req->ent.rport;
	inet->inet_saddr = req->ent.laddr;
	inet->inet_rcv_saddr = req->ent.laddr;
	inet->inet_sport = req->ent.lport;
	inet->inet_num = ntohs(req->ent.lport);
	atomic_set(&inet->inet_id, get_random_u16());

	atcp_init_sock_common(sk);
	as = atcp_sk(sk);
	as->user_mss = atcp_sk(lsk)->user_mss;

	/* ip_queue_xmit() takes the addresses of every segment from cork.fl */
	fl4 = &inet->cork.fl.u.ip4;
	flowi4_init_output(fl4, sk->sk_bound_dev_if, sk->sk_mark, 0, RT_SCOPE_UNIVERSE,
			   atcp_ipproto, 0, inet->inet_daddr, inet->inet_saddr,
			   inet->inet_dport, inet->inet_sport, sk->sk_uid);
	rt = ip_route_output_flow(sock_net(sk), fl4, sk);
	if (IS_ERR(rt)) {
		sk_sockets_allocated_dec(sk);
		sk->sk_destruct = NULL;
		sk_free(sk);
		return NULL;
	}
	sk_setup_caps(sk, &rt->dst);
	as->advmss = atcp_mss_for_mtu(dst_mtu(&rt->dst));
	if (as->user_mss)
		as->advmss = min(as->advmss, as->user_mss);

	as->iss = req->iss;
	as->snd_una = req->iss + 1;
	as->snd_nxt = req->iss + 1;
	as->write_seq = req->iss + 1;
	as->pushed_seq = as->write_seq;
	as->irs = req->irs;
	as->rcv_nxt = req->irs + 1;
	as->copied_seq = as->rcv_nxt;
	as->rcv_wup = as->rcv_nxt;
	as->rcv_wnd = min_t(u32, READ_ONCE(lsk->sk_rcvbuf) / 2, ATCP_MAX_WINDOW);
	as->last_ack_sent = as->rcv_nxt;
	as->wscale_ok = req->wscale_ok;
	as->snd_wscale = req->snd_wscale;
	as->rcv_wscale = req->rcv_wscale;
	as->mss = max_t(u16, min(as->advmss, req->peer_mss), ATCP_MIN_MSS);
	as->sack_ok = req->sack_ok;
	as->ts_ok = req->ts_ok;
	as->ecn_flags = req->ecn_ok ? ATCP_ECN_OK : 0;
	as->ecn_cwr = false;
	as->ts_off = req->ts_off;
	as->ts_recent = req->ts_recent;
	as->ts_recent_stamp = jiffies;
	if (as->ts_ok)
		as->mss -= ATCPOLEN_TS_ALIGNED;
	as->rcv_tstamp = jiffies;
	atcp_cong_init(sk);
	as->snd_wnd = (u32)cb->wnd << as->snd_wscale;
	as->max_window = as->snd_wnd;
	as->snd_wl1 = cb->seq;
	as->snd_wl2 = cb->ack_seq;
	if (req->retries == 0)
		atcp_rtt_sample(sk, jiffies_to_usecs(jiffies - req->born));

	as->ent.laddr = req->ent.laddr;
	as->ent.raddr = req->ent.raddr;
	as->ent.lport = req->ent.lport;
	as->ent.rport = req->ent.rport;
	as->bind.addr = linet->inet_rcv_saddr;
	as->bind.port = inet->inet_num;
	as->bind.reuse = lsk->sk_reuse != SK_NO_REUSE;
	as->bind.sk = sk;

	/* A new socket starts in SYN_RECV: it is the request entry grown up. */
	sk->sk_state = TCP_SYN_RECV;
	return sk;
}

/* The final ACK of the handshake arrived for @req (listener locked). */
static void atcp_req_complete(struct sock *lsk, struct atcp_request *req, struct sk_buff *skb)
{
	struct atcp_net *an = atcp_sk_net(lsk);
	struct sock *child;

	if (sk_acceptq_is_full(lsk)) {
		/* Keep the request; the SYN-ACK retransmission will ask again. */
		ATCP_INC_STATS(an, ATCP_MIB_LISTENOVERFLOWS);
		kfree_skb(skb);
		return;
	}
	child = atcp_create_child(lsk, req, skb);
	if (!child) {
		ATCP_INC_STATS(an, ATCP_MIB_LISTENDROPS);
		if (req->cookie)	/* nothing is left of it */
			atcp_nl_req_event(req, TCP_SYN_RECV, TCP_CLOSE, ATCP_CAUSE_SEGMENT,
					  ATCP_SKB_CB(skb)->flags);
		kfree_skb(skb);
		return;
	}

	local_bh_disable();
	bh_lock_sock_nested(child);
	spin_lock(&an->lock);
	atcp_bind_add(an, &atcp_sk(child)->bind);
	spin_unlock(&an->lock);
	atcp_ehash_replace(an, &req->ent, &atcp_sk(child)->ent);
	atcp_req_unlink(lsk, req);
	if (timer_delete(&req->timer))
		atcp_req_put(req);

	atcp_set_cause(child, ATCP_CAUSE_SEGMENT, ATCP_SKB_CB(skb)->flags);
	atcp_set_state(child, TCP_ESTABLISHED);
	ATCP_INC_STATS(an, ATCP_MIB_PASSIVEOPENS);
	list_add_tail(&atcp_sk(child)->accept_node, &atcp_sk(lsk)->accept_queue);
	sk_acceptq_added(lsk);
	/* the ACK may carry data or a FIN already */
	atcp_do_rcv(child, skb);
	bh_unlock_sock(child);
	local_bh_enable();

	lsk->sk_data_ready(lsk);
}

/* Is [seq, end_seq) acceptable in the window that starts at @start (RFC 9293 3.10.7.4)? */
static bool atcp_req_in_window(const struct atcp_skb_cb *cb, u32 start, u32 wnd)
{
	if (cb->seq == start)
		return true;
	if (atcp_seq_after(cb->end_seq, start) && atcp_seq_before(cb->seq, start + wnd))
		return true;
	return cb->seq == start + wnd && cb->seq == cb->end_seq;
}

/*
 * A non-zero TSecr must echo the TSval of one of the request's SYN-ACKs
 * (it is an extension of the ACK number, RFC 7323 5.2's "too early or too
 * late" values; Linux TCP checks it from 6.15 on, "TSEcrRejected").  Any
 * segment, RSTs too; not a TSval of the bare ACKs the request sent.
 */
static bool atcp_req_tsecr_bad(const struct atcp_request *req, const struct atcp_opts *opts)
{
	u32 first, last;

	if (!req->ts_ok || !opts->ts_present || !opts->tsecr)
		return false;
	/* pairs with the release in atcp_send_synack_req_tfo(): first is set */
	if (!smp_load_acquire(&req->synack_ts_sent))
		return false;
	first = req->synack_tsval_first;
	last = READ_ONCE(req->synack_tsval_last);
	return opts->tsecr - first > last - first;
}

/* Answer a segment the request cannot accept with an ACK, unless rate limited. */
static void atcp_req_oow_ack(struct sock *lsk, struct atcp_request *req, struct sk_buff *skb)
{
	if (!atcp_oow_rate_limited(atcp_sk_net(lsk), skb, &req->last_oow_ack))
		atcp_send_req_ack(req, lsk);
}

/*
 * A segment for a half-open connection (RFC 9293 3.10.7.4 in SYN-RECEIVED),
 * checked in the order Linux TCP checks it so that both answer alike.
 * Softirq, listener locked.
 */
static void atcp_req_rcv(struct sock *lsk, struct atcp_request *req, struct sk_buff *skb)
{
	struct atcp_net *an = atcp_sk_net(lsk);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	u32 rcv_nxt = req->irs + 1;
	u32 wnd = min_t(u32, READ_ONCE(lsk->sk_rcvbuf) / 2, ATCP_MAX_WINDOW);
	u8 flags = cb->flags & (ATCPHDR_RST | ATCPHDR_SYN | ATCPHDR_ACK);
	struct atcp_opts opts;
	bool paws = false, tsecr_bad;

	if (!atcp_parse_options(tcp_hdr(skb), &opts)) {
		ATCP_INC_STATS(an, ATCP_MIB_INERRS);
		goto drop;
	}
	/* the request's ts_recent is the SYN's: nothing older may pass (RFC 7323 5) */
	if (req->ts_ok && opts.ts_present && !(flags & ATCPHDR_RST))
		paws = (s32)(req->ts_recent - opts.tsval) > 0;
	tsecr_bad = atcp_req_tsecr_bad(req, &opts);

	if (flags == ATCPHDR_SYN && cb->seq == req->irs && !paws) {
		/* our SYN-ACK was lost: send it again */
		if (!atcp_oow_rate_limited(an, skb, &req->last_oow_ack))
			atcp_send_synack_req(req, lsk);
		goto drop;
	}
	if ((flags & ATCPHDR_ACK) && cb->ack_seq != req->iss + 1) {
		atcp_send_reset_reply(sock_net(lsk), skb);
		goto drop;
	}
	if (paws || tsecr_bad || !atcp_req_in_window(cb, rcv_nxt, wnd)) {
		ATCP_INC_STATS(an, paws ? ATCP_MIB_PAWSDROPS :
			       tsecr_bad ? ATCP_MIB_TSECRREJECTED : ATCP_MIB_OUTOFWINDOW);
		if (!(flags & ATCPHDR_RST))
			atcp_req_oow_ack(lsk, req, skb);
		goto drop;
	}
	if (cb->seq == req->irs)	/* the SYN again, with more: SYN out of window */
		flags &= ~ATCPHDR_SYN;
	if ((flags & ATCPHDR_RST) && cb->seq != rcv_nxt) {
		/* RFC 5961 3.2: an inexact RST in the window is challenged */
		ATCP_INC_STATS(an, ATCP_MIB_CHALLENGEACKS);
		atcp_req_oow_ack(lsk, req, skb);
		goto drop;
	}
	if (flags & (ATCPHDR_RST | ATCPHDR_SYN)) {
		/*
		 * RFC 9293 3.10.7.4: a passive open returns to LISTEN on a
		 * RST at rcv_nxt or a SYN in the window; the SYN is answered
		 * with RST.
		 */
		if (flags & ATCPHDR_SYN) {
			ATCP_INC_STATS(an, ATCP_MIB_ATTEMPTFAILS);
			atcp_send_reset_reply(sock_net(lsk), skb);
		}
		atcp_nl_req_event(req, TCP_SYN_RECV, TCP_LISTEN, ATCP_CAUSE_SEGMENT, cb->flags);
		atcp_req_unlink(lsk, req);
		goto drop;
	}
	if (!(flags & ATCPHDR_ACK)) {
		ATCP_INC_STATS(an, ATCP_MIB_NOACKDROP);
		goto drop;
	}
	/* the connection's ts_recent: this ACK's, as it is acceptable */
	if (req->ts_ok && opts.ts_present && !atcp_seq_after(cb->seq, rcv_nxt))
		req->ts_recent = opts.tsval;
	atcp_req_complete(lsk, req, skb);
	return;
drop:
	kfree_skb(skb);
}

/*
 * An ACK at a listener with no request entry: if it carries one of our
 * cookies, the handshake is complete.  True if the segment was consumed
 * (listener locked).
 */
static bool atcp_cookie_ack(struct sock *lsk, struct sk_buff *skb)
{
	struct atcp_net *an = atcp_sk_net(lsk);
	struct atcp_sock *las = atcp_sk(lsk);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	unsigned long sent = READ_ONCE(las->last_cookie_sent);
	const struct tcphdr *th = tcp_hdr(skb);
	struct atcp_ent tuple = {
		.laddr = ip_hdr(skb)->daddr, .raddr = ip_hdr(skb)->saddr,
		.lport = th->dest, .rport = th->source,
	};
	struct atcp_request *req = NULL;
	struct atcp_opts opts;
	u16 mss;

	/* only while cookies may be in flight: no hashing for every stray ACK */
	if (!READ_ONCE(an->syncookies) || !sent ||
	    time_after(jiffies, sent + ATCP_COOKIE_LIFETIME))
		return false;
	mss = atcp_cookie_check(&tuple, cb->seq - 1, cb->ack_seq - 1);
	if (!mss || !atcp_parse_options(th, &opts))
		goto failed;
	req = kzalloc(sizeof(*req), GFP_ATOMIC);
	if (!req)
		goto drop;
	atcp_req_init(req, lsk, skb, &opts);
	req->irs = cb->seq - 1;
	req->iss = cb->ack_seq - 1;
	req->peer_mss = mss;
	if (req->ts_ok) {
		req->ts_off = atcp_cookie_ts_off(&req->ent);
		if (!atcp_cookie_ts_opts(req, opts.tsecr))
			goto failed;
		if (!READ_ONCE(an->window_scaling))
			req->wscale_ok = false;
		if (!READ_ONCE(an->sack))
			req->sack_ok = false;
		if (!READ_ONCE(an->ecn))
			req->ecn_ok = false;
	} else {
		req->wscale_ok = false;
		req->sack_ok = false;
		req->ecn_ok = false;
	}
	req->snd_wscale = req->wscale_ok ? req->snd_wscale : 0;
	req->rcv_wscale = req->wscale_ok ? atcp_choose_wscale(atcp_rcvbuf_max(lsk)) : 0;
	ATCP_INC_STATS(an, ATCP_MIB_SYNCOOKIESRECV);
	if (sk_acceptq_is_full(lsk)) {
		ATCP_INC_STATS(an, ATCP_MIB_LISTENOVERFLOWS);
		goto drop;
	}

	refcount_set(&req->refcnt, 1);
	sock_hold(lsk);
	req->listener = lsk;
	req->cookie = true;
	req->dead = true;		/* on no list, in no table */
	req->retries = 1;		/* no RTT sample: we do not know when the SYN-ACK left */
	timer_setup(&req->timer, atcp_req_timer_fn, 0);
	atcp_nl_req_event(req, TCP_LISTEN, TCP_SYN_RECV, ATCP_CAUSE_SEGMENT, cb->flags);
	atcp_req_complete(lsk, req, skb);
	atcp_req_put(req);
	return true;
failed:
	ATCP_INC_STATS(an, ATCP_MIB_SYNCOOKIESFAILED);
	kfree(req);
	return false;
drop:
	ATCP_INC_STATS(an, ATCP_MIB_LISTENDROPS);
	kfree(req);
	kfree_skb(skb);
	return true;
}

/* LISTEN state (RFC 9293 3.10.7.2), listener locked or owned. */
int atcp_listener_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct atcp_ent *ent;

	rcu_read_lock();
	ent = atcp_lookup_established(atcp_sk_net(sk), iph->daddr, th->dest,
				      iph->saddr, th->source);
	rcu_read_unlock();
	if (ent) {
		struct atcp_request *req = container_of(ent, struct atcp_request, ent);

		if (ent->kind == ATCP_ENT_SOCK) {
			atcp_deliver_to_child(&container_of(ent, struct atcp_sock, ent)->inet.sk,
					      skb);
			return 0;
		}
		if (ent->kind == ATCP_ENT_REQ && req->listener == sk && !req->dead)
			atcp_req_rcv(sk, req, skb);
		else
			kfree_skb(skb);	/* the connection moved on meanwhile */
		atcp_ent_put(ent);
		return 0;
	}

	if (cb->flags & ATCPHDR_RST)
		goto drop;
	if (cb->flags & ATCPHDR_ACK) {
		if (!(cb->flags & ATCPHDR_SYN) && atcp_cookie_ack(sk, skb))
			return 0;
		atcp_send_reset_reply(sock_net(sk), skb);
		goto drop;
	}
	if (!(cb->flags & ATCPHDR_SYN))
		goto drop;
	atcp_conn_request(sk, skb);
	return 0;
drop:
	kfree_skb(skb);
	return 0;
}

/* Abort a child nobody accepted (process context, listener owned). */
static void atcp_abort_child(struct sock *child)
{
	sock_hold(child);
	local_bh_disable();
	bh_lock_sock_nested(child);
	sock_orphan(child);
	if (child->sk_state == TCP_CLOSE) {
		atcp_destroy_sock(child);
	} else {
		atcp_send_active_rst(child, GFP_ATOMIC);
		atcp_done(child);
	}
	bh_unlock_sock(child);
	local_bh_enable();
	sock_put(child);
}

/* A listener is closing: drop its requests and the children not yet accepted. */
void atcp_listen_stop(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_request *req, *tmp;

	atcp_lhash_remove(sk);
	list_for_each_entry_safe(req, tmp, &as->requests, list) {
		refcount_inc(&req->refcnt);
		spin_lock_bh(&sk->sk_lock.slock);
		atcp_nl_req_event(req, TCP_SYN_RECV, TCP_CLOSE, READ_ONCE(as->ev_cause),
				  READ_ONCE(as->ev_detail));
		atcp_req_unlink(sk, req);
		spin_unlock_bh(&sk->sk_lock.slock);
		if (timer_delete_sync(&req->timer))
			atcp_req_put(req);
		atcp_req_put(req);
	}
	while (!list_empty(&as->accept_queue)) {
		struct atcp_sock *child = list_first_entry(&as->accept_queue, struct atcp_sock,
							   accept_node);

		list_del_init(&child->accept_node);
		sk_acceptq_removed(sk);
		atcp_abort_child(&child->inet.sk);
	}
}

/* ---- TIME_WAIT entries ---- */

void atcp_tw_put(struct atcp_tw *tw)
{
	if (refcount_dec_and_test(&tw->refcnt))
		kfree_rcu(tw, rcu);
}

/* an->lock held: remove @tw from the tables; true if this call did it. */
bool atcp_tw_unhash_locked(struct atcp_net *an, struct atcp_tw *tw)
{
	lockdep_assert_held(&an->lock);
	if (!tw->ent.hashed)
		return false;
	hlist_del_init_rcu(&tw->ent.node);
	tw->ent.hashed = false;
	if (tw->bind.bound) {
		hlist_del_init(&tw->bind.node);
		tw->bind.bound = false;
	}
	atomic_dec(&an->tw_count);
	return true;
}

/* Remove @tw from the tables; true if this call did it (and owns the table's ref). */
static bool atcp_tw_unhash(struct atcp_net *an, struct atcp_tw *tw)
{
	bool unhashed;

	spin_lock_bh(&an->lock);
	unhashed = atcp_tw_unhash_locked(an, tw);
	spin_unlock_bh(&an->lock);
	return unhashed;
}

/*
 * an->lock held: may a connect() of @sk take over the TIME_WAIT entry @ent
 * of the same 4-tuple?  Only with timestamps (PAWS keeps the incarnations
 * apart); an explicitly bound port always may, an ephemeral one as
 * net.atcp.tw_reuse says, once the entry heard nothing for a second.
 */
struct atcp_tw *atcp_tw_reusable(struct atcp_net *an, struct atcp_ent *ent, bool bound_port)
{
	struct atcp_tw *tw;
	int reuse;

	if (ent->kind != ATCP_ENT_TW)
		return NULL;
	tw = container_of(ent, struct atcp_tw, ent);
	if (!tw->ts_ok)
		return NULL;
	if (bound_port)
		return tw;
	reuse = READ_ONCE(an->timewait_reuse);
	if (reuse == 2 && !ipv4_is_loopback(ent->laddr) && !ipv4_is_loopback(ent->raddr) &&
	    tw->bound_dev_if != LOOPBACK_IFINDEX)
		reuse = 0;
	if (!reuse || !time_after(jiffies, tw->ts_recent_stamp + HZ))
		return NULL;
	return tw;
}

/*
 * Process context: @tw was unhashed by a connect() that took its 4-tuple
 * (atcp_tw_unhash_locked()); report its end and drop the table's reference.
 */
void atcp_tw_recycled(struct atcp_net *an, struct atcp_tw *tw)
{
	ATCP_INC_STATS(an, ATCP_MIB_TWRECYCLED);
	atcp_nl_tw_event(an, tw, ATCP_CAUSE_SYSCALL, ATCP_SYSCALL_CONNECT);
	if (timer_delete(&tw->timer))
		atcp_tw_put(tw);
	atcp_tw_put(tw);
}

static void atcp_tw_kill(struct atcp_net *an, struct atcp_tw *tw, u8 flags)
{
	if (atcp_tw_unhash(an, tw)) {
		atcp_nl_tw_event(an, tw, ATCP_CAUSE_SEGMENT, flags);
		atcp_tw_put(tw);
	}
	if (timer_delete(&tw->timer))
		atcp_tw_put(tw);
}

/* timer: 2*MSL passed without news from the peer */
static void atcp_tw_timer_fn(struct timer_list *t)
{
	struct atcp_tw *tw = from_timer(tw, t, timer);
	struct atcp_net *an = atcp_pernet(read_pnet(&tw->net));

	if (atcp_tw_unhash(an, tw)) {
		atcp_nl_tw_event(an, tw, ATCP_CAUSE_TIMER, ATCP_TIMER_TIME_WAIT);
		atcp_tw_put(tw);
	}
	atcp_tw_put(tw);
}

static unsigned long atcp_tw_timeout(struct atcp_net *an)
{
	return 2 * atcp_ms_to_jiffies(READ_ONCE(an->msl_ms));
}

/*
 * The socket saw the end of the connection from both sides: hand its
 * 4-tuple and port to a TIME_WAIT entry and close it.  Socket locked.
 */
void atcp_time_wait(struct sock *sk)
{
	struct atcp_net *an = atcp_sk_net(sk);
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_tw *tw = NULL;

	/* the limit is loose under races, as TCP's is: it bounds memory, not exactly */
	if (atomic_read(&an->tw_count) < READ_ONCE(an->max_tw_buckets))
		tw = kzalloc(sizeof(*tw), GFP_ATOMIC);
	if (!tw) {
		ATCP_INC_STATS(an, ATCP_MIB_TIMEWAITOVERFLOW);
		atcp_done(sk);
		return;
	}
	tw->ent = as->ent;
	tw->ent.kind = ATCP_ENT_TW;
	tw->ent.hashed = false;
	tw->bind.addr = as->bind.addr;
	tw->bind.port = as->bind.port;
	tw->bind.reuse = as->bind.reuse;
	tw->bind.reuseport = sk->sk_reuseport;
	tw->bind.bound_dev_if = sk->sk_bound_dev_if;
	tw->bind.by_connect = as->bind.by_connect;
	refcount_set(&tw->refcnt, 2);		/* table + timer */
	write_pnet(&tw->net, sock_net(sk));
	tw->snd_nxt = as->snd_nxt;
	tw->rcv_nxt = as->rcv_nxt;
	tw->rcv_wnd = as->rcv_wnd;
	tw->rcv_wscale = as->rcv_wscale;
	tw->ts_ok = as->ts_ok;
	tw->ts_recent = as->ts_recent;
	tw->ts_recent_stamp = as->ts_recent_stamp;
	tw->ts_off = as->ts_off;
	tw->bound_dev_if = sk->sk_bound_dev_if;
	tw->uid = atcp_sk_uid(sk);
	timer_setup(&tw->timer, atcp_tw_timer_fn, 0);

	spin_lock_bh(&an->lock);
	if (as->ent.hashed) {
		hlist_replace_rcu(&as->ent.node, &tw->ent.node);
		INIT_HLIST_NODE(&as->ent.node);
		as->ent.hashed = false;
		tw->ent.hashed = true;
	}
	if (as->bind.bound) {
		hlist_del_init(&as->bind.node);
		as->bind.bound = false;
		atcp_bind_add(an, &tw->bind);
	}
	if (tw->ent.hashed)
		atomic_inc(&an->tw_count);
	spin_unlock_bh(&an->lock);

	ATCP_INC_STATS(an, ATCP_MIB_TIMEWAITS);
	tw->expires = jiffies + atcp_tw_timeout(an);
	if (tw->ent.hashed) {
		mod_timer(&tw->timer, tw->expires);
	} else {
		/* the socket was not hashed (should not happen): nothing to keep */
		if (tw->bind.bound)
			atcp_bind_remove(an, &tw->bind);
		kfree(tw);
	}
	atcp_set_state(sk, TCP_TIME_WAIT);
	atcp_done(sk);
}

/*
 * A segment for a TIME_WAIT entry (softirq).  Consumes the lookup reference.
 * Returns true if the segment is a new SYN that should go to a listener;
 * otherwise the segment was consumed.
 */
int atcp_tw_rcv(struct atcp_tw *tw, struct sk_buff *skb)
{
	struct net *net = read_pnet(&tw->net);
	struct atcp_net *an = atcp_pernet(net);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);

	atcp_fill_cb(skb, tcp_hdr(skb));
	if (cb->flags & ATCPHDR_RST) {
		/* an exact RST ends TIME_WAIT early, as Linux TCP does by default */
		if (cb->seq == tw->rcv_nxt)
			atcp_tw_kill(an, tw, cb->flags);
		goto consumed;
	}
	if ((cb->flags & ATCPHDR_SYN) && !(cb->flags & ATCPHDR_ACK) &&
	    atcp_seq_after(cb->seq, tw->rcv_nxt)) {
		/* RFC 9293 3.10.7.4: a new incarnation may start */
		atcp_tw_kill(an, tw, cb->flags);
		atcp_tw_put(tw);
		return true;
	}
	if (cb->seq == tw->rcv_nxt && cb->end_seq == cb->seq)
		goto consumed;		/* a bare ACK: nothing to say */
	if (cb->flags & ATCPHDR_FIN) {
		/* the peer did not get our last ACK: restart the 2*MSL wait */
		if (tw->ent.hashed && !mod_timer(&tw->timer, jiffies + atcp_tw_timeout(an)))
			refcount_inc(&tw->refcnt);
	}
	if (!atcp_oow_rate_limited(an, skb, &tw->last_oow_ack))
		atcp_send_tw_ack(net, tw);
consumed:
	atcp_tw_put(tw);
	kfree_skb(skb);
	return false;
}

/* Namespace or module teardown: drop every TIME_WAIT entry (process context). */
void atcp_tw_flush(struct atcp_net *an)
{
	unsigned int i;

	for (i = 0; i < (1U << ATCP_EHASH_BITS); i++) {
		struct atcp_tw *tw;
		struct atcp_ent *ent;
restart:
		tw = NULL;
		spin_lock_bh(&an->lock);
		hlist_for_each_entry(ent, &an->ehash[i], node) {
			if (ent->kind == ATCP_ENT_TW) {
				tw = container_of(ent, struct atcp_tw, ent);
				refcount_inc(&tw->refcnt);
				break;
			}
		}
		spin_unlock_bh(&an->lock);
		if (!tw)
			continue;
		if (atcp_tw_unhash(an, tw))
			atcp_tw_put(tw);
		if (timer_delete_sync(&tw->timer))
			atcp_tw_put(tw);
		atcp_tw_put(tw);
		goto restart;
	}
}
