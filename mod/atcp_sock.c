// SPDX-License-Identifier: GPL-2.0
/*
 * atcp socket calls: connect, listen, accept, close, shutdown, send,
 * receive, poll, socket options and ioctls.  All of them run in process
 * context and take the socket lock.
 */
#include <linux/sockios.h>
#include <linux/termios.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/inet_common.h>
#include <linux/splice.h>
#include "atcp.h"
#include "atcp_ecn.h"

/* Everything a new connection starts from; process context, socket locked. */
static void atcp_reset_connection_state(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_net *an = atcp_sk_net(sk);

	as->fin_queued = false;
	as->probing = false;
	as->probes_stamp = 0;
	as->probes_out = 0;
	as->ca_state = ATCP_CA_OPEN;
	as->dupacks = 0;
	as->retrans_stamp = 0;
	as->keepalive_sent = 0;
	as->dsack_pending = false;
	as->quickack = 0;
	as->pingpong = false;
	as->lrcv_time = 0;
	as->rate_stamp_us = 0;
	as->rtt_timing = false;
	as->ack_pending = false;
	as->unacked_segs = 0;
	as->retransmits = 0;
	as->rto_stamp = 0;
	as->r1_rerouted = false;
	as->backoff = 0;
	as->srtt_us = 0;
	as->rttvar_us = 0;
	as->min_rtt_us = 0;
	as->snd_wnd = 0;
	as->max_window = 0;
	/* what our SYN will offer (RFC 7323, RFC 2018) */
	as->wscale_ok = READ_ONCE(an->window_scaling);
	as->sack_ok = READ_ONCE(an->sack);
	as->ts_ok = READ_ONCE(an->timestamps);
	as->ts_off = get_random_u32();
	atcp_ecn_init_sock(sk);
	as->snd_wscale = 0;
	as->rcv_wscale = 0;
	as->rto = atcp_ms_to_jiffies(READ_ONCE(an->rto_initial_ms));
	atcp_cong_init(sk);
}

int atcp_connect(struct sock *sk, ATCP_SOCKADDR *uaddr, int addr_len)
{
	struct sockaddr_in *usin = (struct sockaddr_in *)uaddr;
	struct atcp_sock *as = atcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct atcp_tw_heir heir;
	struct flowi4 *fl4;
	struct rtable *rt;
	int err;

	atcp_set_cause(sk, ATCP_CAUSE_SYSCALL, ATCP_SYSCALL_CONNECT);
	if (addr_len < sizeof(*usin))
		return -EINVAL;
	if (usin->sin_family != AF_INET)
		return -EAFNOSUPPORT;

	fl4 = &inet->cork.fl.u.ip4;
	flowi4_init_output(fl4, sk->sk_bound_dev_if, sk->sk_mark, 0, RT_SCOPE_UNIVERSE,
			   atcp_ipproto, inet_sk_flowi_flags(sk), usin->sin_addr.s_addr,
			   inet->inet_saddr, usin->sin_port, inet->inet_sport, sk->sk_uid);
	rt = ip_route_output_flow(sock_net(sk), fl4, sk);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	if (rt->rt_flags & (RTCF_MULTICAST | RTCF_BROADCAST)) {
		ip_rt_put(rt);
		return -ENETUNREACH;
	}
	if (!inet->inet_saddr)
		inet->inet_saddr = fl4->saddr;
	if (!inet->inet_rcv_saddr)
		inet->inet_rcv_saddr = fl4->saddr;
	inet->inet_dport = usin->sin_port;
	inet->inet_daddr = usin->sin_addr.s_addr;

	err = atcp_hash_connect(sk, &heir);
	if (err) {
		ip_rt_put(rt);
		inet->inet_dport = 0;
		if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK))
			inet_reset_saddr(sk);
		return err;
	}
	sk_setup_caps(sk, &rt->dst);
	atomic_set(&inet->inet_id, get_random_u16());

	atcp_reset_connection_state(sk);
	as->advmss = atcp_mss_for_mtu(dst_mtu(&rt->dst));
	if (as->user_mss)
		as->advmss = min(as->advmss, as->user_mss);
	as->mss = as->advmss;
	if (as->wscale_ok)
		as->rcv_wscale = atcp_choose_wscale(atcp_rcvbuf_max(sk));
	as->iss = atcp_isn(inet->inet_saddr, inet->inet_daddr, inet->inet_sport,
			   inet->inet_dport);
	if (heir.taken) {
		/* start beyond anything the old incarnation may still have in flight */
		as->iss = heir.snd_nxt + 65535 + 2;
		as->ts_recent = heir.ts_recent;
		as->ts_recent_stamp = heir.ts_recent_stamp;
	}
	atcp_set_state(sk, TCP_SYN_SENT);
	/* TCP_FASTOPEN_CONNECT with a cookie: the SYN waits for the first write */
	if (atcp_fastopen_defer_connect(sk))
		return 0;
	err = atcp_fastopen_connect(sk);
	if (err) {
		atcp_set_state(sk, TCP_CLOSE);
		inet->inet_dport = 0;
		return err;
	}
	return 0;
}

/* Abort whatever the socket was doing and return it to a fresh CLOSE state. */
int atcp_disconnect(struct sock *sk, int flags)
{
	int old_state = sk->sk_state;
	struct inet_sock *inet = inet_sk(sk);

	atcp_set_cause(sk, ATCP_CAUSE_SYSCALL, ATCP_SYSCALL_DISCONNECT);
	if (old_state == TCP_LISTEN) {
		atcp_set_state(sk, TCP_CLOSE);
		atcp_listen_stop(sk);
	} else if ((1 << old_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT | TCPF_FIN_WAIT1 |
					 TCPF_FIN_WAIT2 | TCPF_SYN_RECV)) {
		atcp_send_active_rst(sk, sk->sk_allocation);
		WRITE_ONCE(sk->sk_err, ECONNRESET);
	} else if (old_state == TCP_SYN_SENT) {
		WRITE_ONCE(sk->sk_err, ECONNRESET);
	}
	atcp_set_state(sk, TCP_CLOSE);
	atcp_clear_timers(sk);
	atcp_write_queue_purge(sk);
	skb_queue_purge(&sk->sk_receive_queue);
	atcp_ofo_purge(sk);
	inet->inet_dport = 0;
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK))
		inet_reset_saddr(sk);
	sk->sk_shutdown = 0;
	sock_reset_flag(sk, SOCK_DONE);
	atcp_set_defer_connect(sk, 0);
	atcp_reset_connection_state(sk);
	sk_dst_reset(sk);
	sk_error_report(sk);
	return 0;
}

static int atcp_wait_for_child(struct sock *sk, long timeo)
{
	DEFINE_WAIT(wait);
	int err;

	for (;;) {
		prepare_to_wait_exclusive(sk_sleep(sk), &wait, TASK_INTERRUPTIBLE);
		release_sock(sk);
		if (list_empty(&atcp_sk(sk)->accept_queue))
			timeo = schedule_timeout(timeo);
		sched_annotate_sleep();
		lock_sock(sk);
		err = 0;
		if (!list_empty(&atcp_sk(sk)->accept_queue))
			break;
		err = -EINVAL;
		if (sk->sk_state != TCP_LISTEN)
			break;
		err = sock_intr_errno(timeo);
		if (signal_pending(current))
			break;
		err = -EAGAIN;
		if (!timeo)
			break;
	}
	finish_wait(sk_sleep(sk), &wait);
	return err;
}

struct sock *atcp_accept(ATCP_ACCEPT_ARGS)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_sock *child;
	int err;

	lock_sock(sk);
	err = -EINVAL;
	if (sk->sk_state != TCP_LISTEN)
		goto out_err;
	if (list_empty(&as->accept_queue)) {
		long timeo = sock_rcvtimeo(sk, ATCP_ACCEPT_FLAGS & O_NONBLOCK);

		err = -EAGAIN;
		if (!timeo)
			goto out_err;
		err = atcp_wait_for_child(sk, timeo);
		if (err)
			goto out_err;
	}
	child = list_first_entry(&as->accept_queue, struct atcp_sock, accept_node);
	list_del_init(&child->accept_node);
	sk_acceptq_removed(sk);
	release_sock(sk);
	return &child->inet.sk;
out_err:
	release_sock(sk);
	ATCP_ACCEPT_ERR = err;
	return NULL;
}

static int atcp_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	int err = -EINVAL;

	lock_sock(sk);
	atcp_set_cause(sk, ATCP_CAUSE_SYSCALL, ATCP_SYSCALL_LISTEN);
	if (sock->state != SS_UNCONNECTED || sock->type != SOCK_STREAM)
		goto out;
	if (!((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
		goto out;
	WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
	if (sk->sk_state != TCP_LISTEN) {
		err = -EADDRINUSE;
		if (!inet_sk(sk)->inet_num) {
			if (atcp_get_port(sk, 0))
				goto out;
			inet_sk(sk)->inet_sport = htons(inet_sk(sk)->inet_num);
		} else if (atcp_listen_conflict(sk)) {
			goto out;
		}
		atcp_fastopen_listen(sk, backlog);
		atcp_set_state(sk, TCP_LISTEN);
		err = atcp_lhash_insert(sk);
		if (err) {
			/* no memory for the SO_REUSEPORT group */
			atcp_set_state(sk, TCP_CLOSE);
			goto out;
		}
	}
	err = 0;
out:
	release_sock(sk);
	return err;
}

/* The state a user's close or shutdown(SHUT_WR) leads to; true if a FIN is due. */
static bool atcp_close_state(struct sock *sk)
{
	switch (sk->sk_state) {
	case TCP_ESTABLISHED:
	case TCP_SYN_RECV:
		atcp_set_state(sk, TCP_FIN_WAIT1);
		return true;
	case TCP_CLOSE_WAIT:
		atcp_set_state(sk, TCP_LAST_ACK);
		return true;
	default:
		return false;
	}
}

void atcp_shutdown(struct sock *sk, int how)
{
	atcp_set_cause(sk, ATCP_CAUSE_SYSCALL, ATCP_SYSCALL_SHUTDOWN);
	if (!(how & SEND_SHUTDOWN))
		return;
	if (atcp_close_state(sk))
		atcp_send_fin(sk);
}

static bool atcp_closing(const struct sock *sk)
{
	return (1 << sk->sk_state) & (TCPF_FIN_WAIT1 | TCPF_CLOSING | TCPF_LAST_ACK);
}

/* SO_LINGER with a timeout: wait until our FIN is acknowledged. */
static void atcp_linger_wait(struct sock *sk, long timeout)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);

	add_wait_queue(sk_sleep(sk), &wait);
	do {
		if (sk_wait_event(sk, &timeout, !atcp_closing(sk), &wait))
			break;
	} while (!signal_pending(current) && timeout);
	remove_wait_queue(sk_sleep(sk), &wait);
}

static bool atcp_unread_data(struct sock *sk)
{
	u32 copied_seq = atcp_sk(sk)->copied_seq;
	struct sk_buff *skb;

	skb_queue_walk(&sk->sk_receive_queue, skb) {
		if (atcp_seq_after(ATCP_SKB_CB(skb)->seq + skb->len, copied_seq))
			return true;
	}
	return false;
}

void atcp_close(struct sock *sk, long timeout)
{
	lock_sock(sk);
	atcp_set_cause(sk, ATCP_CAUSE_SYSCALL, ATCP_SYSCALL_CLOSE);
	sk->sk_shutdown = SHUTDOWN_MASK;

	if (sk->sk_state == TCP_LISTEN) {
		atcp_set_state(sk, TCP_CLOSE);
		atcp_listen_stop(sk);
		goto orphan;
	}
	if (sk->sk_state == TCP_CLOSE)
		goto orphan;

	if (atcp_unread_data(sk)) {
		/* RFC 2525 2.17: data the user never read is lost, tell the peer */
		atcp_send_active_rst(sk, sk->sk_allocation);
		atcp_done(sk);
	} else if (sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime) {
		/* SO_LINGER {1, 0}: abort with RST, no TIME_WAIT */
		atcp_disconnect(sk, 0);
	} else if (sk->sk_state == TCP_SYN_SENT) {
		atcp_done(sk);
	} else if (atcp_close_state(sk)) {
		atcp_send_fin(sk);
	}
	skb_queue_purge(&sk->sk_receive_queue);
	if (timeout && atcp_closing(sk))
		atcp_linger_wait(sk, timeout);

orphan:
	sock_hold(sk);
	sock_orphan(sk);
	if (sk->sk_state == TCP_FIN_WAIT2)
		atcp_arm_fin_wait2(sk);
	if (sk->sk_state == TCP_CLOSE)
		atcp_destroy_sock(sk);
	release_sock(sk);
	sock_put(sk);
}

/*
 * proto.stream_memory_free, any context: fewer unsent bytes than
 * ATCP_NOTSENT_LOWAT (or net.atcp.notsent_lowat).  With @wake (poll and
 * wakeups) half of them, as Linux TCP, so a writer is not woken per ACK.
 */
bool atcp_stream_memory_free(const struct sock *sk, int wake)
{
	const struct atcp_sock *as = atcp_sk(sk);
	u32 lowat = READ_ONCE(as->notsent_lowat) ? :
		    READ_ONCE(atcp_sk_net(sk)->notsent_lowat);
	u64 notsent = READ_ONCE(as->write_seq) - READ_ONCE(as->snd_nxt);

	return (notsent << wake) < lowat;
}

static bool atcp_stream_writeable(const struct sock *sk)
{
	return READ_ONCE(sk->sk_wmem_queued) < READ_ONCE(sk->sk_sndbuf) &&
	       sk_stream_wspace(sk) >= sk_stream_min_wspace(sk) &&
	       atcp_stream_memory_free(sk, 1);
}

/*
 * sk->sk_write_space: any context; wakes writers once the queue has room.
 * Only a writer or poll() that found the queue full (SOCK_NOSPACE) waits
 * for that: every other ACK would just wake a reader sleeping on the same
 * queue for nothing.
 */
void atcp_write_space(struct sock *sk)
{
	struct socket_wq *wq;

	if (!sk->sk_socket)
		return;
	/* pairs with the barrier in atcp_poll(): queue freed, then NOSPACE read */
	smp_mb();
	if (!test_bit(SOCK_NOSPACE, &sk->sk_socket->flags) || !atcp_stream_writeable(sk))
		return;
	clear_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_poll(&wq->wait, EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND);
	if (wq && wq->fasync_list && !(sk->sk_shutdown & SEND_SHUTDOWN))
		sock_wake_async(wq, SOCK_WAKE_SPACE, POLL_OUT);
	rcu_read_unlock();
}

/*
 * Data written within a delayed-ACK interval of the last data received is
 * a reply: the connection is interactive (request/response), so the ACK
 * for the next request can wait for the reply instead of going out alone
 * when the request is read (atcp_cleanup_rbuf()).  Socket owned.
 */
static void atcp_note_reply(struct sock *sk, int copied)
{
	struct atcp_sock *as = atcp_sk(sk);
	unsigned long ato = atcp_ms_to_jiffies(READ_ONCE(atcp_sk_net(sk)->delack_ms));

	if (copied > 0 && as->lrcv_time && time_before(jiffies, as->lrcv_time + ato))
		as->pingpong = true;
}

/*
 * PSH (RFC 9293 3.9.1), set where Linux TCP sets it: on the last segment of
 * each write that is not followed by MSG_MORE, and on a full segment once
 * half the largest window the peer offered went by without one.
 */
static bool atcp_forced_push(const struct atcp_sock *as)
{
	return atcp_seq_after(as->write_seq, as->pushed_seq + (as->max_window >> 1));
}

static void atcp_mark_push(struct atcp_sock *as, struct sk_buff *skb)
{
	ATCP_SKB_CB(skb)->flags |= ATCPHDR_PSH;
	as->pushed_seq = as->write_seq;
}

/* the end of a write (or a wait for memory): PSH on the unsent tail */
static void atcp_push_write(struct sock *sk, int flags)
{
	struct atcp_sock *as = atcp_sk(sk);

	if (!as->send_head)
		return;
	if (!(flags & MSG_MORE) || atcp_forced_push(as))
		atcp_mark_push(as, skb_peek_tail(&sk->sk_write_queue));
	atcp_push_pending(sk, (flags & MSG_MORE) ? ATCP_PUSH_MORE : ATCP_PUSH_NORMAL);
}

int atcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size)
{
	struct atcp_sock *as = atcp_sk(sk);
	int flags = msg->msg_flags;
	int copied = 0, copied_syn = 0;
	struct sk_buff *zc_skb = NULL;
	bool zc_newseg = true;
	long timeo;
	int err;

	lock_sock(sk);
	if ((flags & MSG_FASTOPEN) || atcp_defer_connect(sk)) {
		/* Fast Open: connect with (some of) the data in the SYN */
		err = atcp_fastopen_sendmsg(sk, msg, size, &copied_syn);
		if (err == -EINPROGRESS && copied_syn > 0) {
			release_sock(sk);
			return copied_syn;
		}
		if (err)
			goto out_err;
	}
	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
	if ((flags & MSG_ZEROCOPY) && size && sock_flag(sk, SOCK_ZEROCOPY)) {
		zc_skb = atcp_zc_alloc(sk);
		if (!zc_skb) {
			err = -ENOBUFS;
			goto out_err;
		}
	}
	if (!((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) &&
	    !atcp_fastopen_passive(sk)) {
		err = sk_stream_wait_connect(sk, &timeo);
		if (err)
			goto out_err;
	}

	while (msg_data_left(msg)) {
		struct sk_buff *skb = as->send_head ? skb_peek_tail(&sk->sk_write_queue) : NULL;
		u32 size_goal = atcp_size_goal(sk);
		struct page_frag *pfrag;
		size_t seg = 0;
		bool merge;
		int copy, i;

		err = -EPIPE;
		if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
			goto do_error;

		if (skb && (skb->len >= size_goal || ATCP_SKB_CB(skb)->eor ||
			    (ATCP_SKB_CB(skb)->flags & ATCPHDR_FIN)))
			skb = NULL;
		if (skb) {
			i = skb_shinfo(skb)->nr_frags;
			pfrag = sk_page_frag(sk);
			/* out of fragments: PSH on it, as Linux TCP */
			if (i >= MAX_SKB_FRAGS &&
			    ((zc_skb && zc_newseg) ||
			     !skb_can_coalesce(skb, i, pfrag->page, pfrag->offset))) {
				atcp_mark_push(as, skb);
				skb = NULL;
			}
		}
		if (!skb) {
			/* the send buffer, and ATCP_NOTSENT_LOWAT */
			if (!sk_stream_memory_free(sk))
				goto wait_for_space;
			skb = alloc_skb_fclone(ATCP_MAX_HEADER, sk->sk_allocation);
			if (!skb)
				goto wait_for_space;
			if (!sk_wmem_schedule(sk, skb->truesize)) {
				kfree_skb(skb);
				goto wait_for_space;
			}
			skb_reserve(skb, ATCP_MAX_HEADER);
			/* summed at transmission (atcp_set_checksum), not while copying */
			skb->ip_summed = CHECKSUM_PARTIAL;
			ATCP_SKB_CB(skb)->seq = as->write_seq;
			ATCP_SKB_CB(skb)->end_seq = as->write_seq;
			ATCP_SKB_CB(skb)->flags = 0;
			ATCP_SKB_CB(skb)->sacked = 0;
			ATCP_SKB_CB(skb)->eor = 0;
			__skb_queue_tail(&sk->sk_write_queue, skb);
			sk_wmem_queued_add(sk, skb->truesize);
			sk_mem_charge(sk, skb->truesize);
			if (!as->send_head)
				as->send_head = skb;
		}

		pfrag = sk_page_frag(sk);
		if (!sk_page_frag_refill(sk, pfrag))
			goto wait_for_space;
		copy = min_t(int, msg_data_left(msg), size_goal - skb->len);
		copy = min_t(int, copy, pfrag->size - pfrag->offset);
		if (zc_skb) {
			seg = atcp_zc_seg(&msg->msg_iter);
			if (seg && seg < copy)
				copy = seg;
		}
		if (!sk_wmem_schedule(sk, copy))
			goto wait_for_space;
		i = skb_shinfo(skb)->nr_frags;
		merge = skb_can_coalesce(skb, i, pfrag->page, pfrag->offset) &&
			!(zc_skb && zc_newseg);
		err = skb_copy_to_page_nocache(sk, &msg->msg_iter, skb, pfrag->page,
					       pfrag->offset, copy);
		if (err)
			goto do_error;
		/* the next copy starts a segment (and a fragment) when this one ended one */
		if (zc_skb)
			zc_newseg = copy == seg;
		if (merge) {
			skb_frag_size_add(&skb_shinfo(skb)->frags[i - 1], copy);
		} else {
			skb_fill_page_desc(skb, i, pfrag->page, pfrag->offset, copy);
			page_ref_inc(pfrag->page);
		}
		pfrag->offset += copy;
		/* an unsent tail that this write extends no longer ends a write */
		if (!copied)
			ATCP_SKB_CB(skb)->flags &= ~ATCPHDR_PSH;
		ATCP_SKB_CB(skb)->end_seq += copy;
		as->write_seq += copy;
		copied += copy;
		/* MSG_EOR: the next write starts a skb (and so a segment) of its own */
		if (!msg_data_left(msg) && (flags & MSG_EOR))
			ATCP_SKB_CB(skb)->eor = 1;
		/*
		 * A full skb goes at once if it is next, unless it ends the
		 * write (atcp_push_write() marks it first); a long write
		 * gets PSH now and then.
		 */
		if (skb->len < size_goal || !msg_data_left(msg))
			continue;
		if (atcp_forced_push(as)) {
			atcp_mark_push(as, skb);
			atcp_push_pending(sk, ATCP_PUSH_NORMAL);
		} else if (skb == as->send_head) {
			atcp_push_pending(sk, ATCP_PUSH_NORMAL);
		}
		continue;

wait_for_space:
		set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		if (copied)
			atcp_push_write(sk, flags & ~MSG_MORE);
		else
			atcp_push_pending(sk, ATCP_PUSH_NORMAL);
		err = sk_stream_wait_memory(sk, &timeo);
		if (err)
			goto do_error;
	}
	atcp_note_reply(sk, copied);
	if (copied)
		atcp_push_write(sk, flags);
	atcp_zc_commit(sk, zc_skb, copied);
	release_sock(sk);
	return copied + copied_syn;

do_error:
	if (copied + copied_syn) {
		if (copied)
			atcp_push_write(sk, flags);
		atcp_zc_commit(sk, zc_skb, copied);
		release_sock(sk);
		return copied + copied_syn;
	}
out_err:
	atcp_zc_commit(sk, zc_skb, 0);
	err = sk_stream_error(sk, flags, err);
	release_sock(sk);
	return err;
}

/*
 * Nothing is queued and nothing was read yet: end of stream (1), an error
 * to return (negative), or 0 when the caller should wait.  The order of the
 * checks is TCP's.
 */
static int atcp_recv_nothing(struct sock *sk, long timeo)
{
	if (sock_flag(sk, SOCK_DONE))
		return 1;
	if (sk->sk_err)
		return sock_error(sk);
	if (sk->sk_shutdown & RCV_SHUTDOWN)
		return 1;
	if (sk->sk_state == TCP_CLOSE)
		return -ENOTCONN;
	if (!timeo)
		return -EAGAIN;
	if (signal_pending(current))
		return sock_intr_errno(timeo);
	return 0;
}

/* Bytes received and not read yet.  Socket locked. */
static int atcp_inq(struct sock *sk)
{
	struct sk_buff *tail = skb_peek_tail(&sk->sk_receive_queue);

	return tail ? ATCP_SKB_CB(tail)->seq + tail->len - atcp_sk(sk)->copied_seq : 0;
}

int atcp_recvmsg(ATCP_RECVMSG_ARGS)
{
	struct atcp_sock *as = atcp_sk(sk);
	u32 peek_seq, *seq;
	int copied = 0;
	long timeo;
	int target;

	if (flags & MSG_ERRQUEUE)
		return atcp_recv_error(sk, msg, len);
	if (flags & MSG_OOB)
		return -EINVAL;

	lock_sock(sk);
	if (sk->sk_state == TCP_LISTEN) {
		copied = -ENOTCONN;
		goto out;
	}
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);
	peek_seq = as->copied_seq;
	seq = (flags & MSG_PEEK) ? &peek_seq : &as->copied_seq;

	while (len > 0) {
		struct sk_buff *skb, *tmp;
		u32 offset, used;
		int err;

		skb_queue_walk_safe(&sk->sk_receive_queue, skb, tmp) {
			offset = *seq - ATCP_SKB_CB(skb)->seq;
			if (offset < skb->len)
				goto found;
		}

		if (copied >= target)
			break;
		if (copied) {
			if (sk->sk_err || sk->sk_state == TCP_CLOSE ||
			    (sk->sk_shutdown & RCV_SHUTDOWN) || !timeo ||
			    signal_pending(current))
				break;
		} else {
			int why = atcp_recv_nothing(sk, timeo);

			if (why) {
				copied = min(why, 0);
				break;
			}
		}
		if (!(flags & MSG_PEEK))
			atcp_cleanup_rbuf(sk, copied);
		sk_wait_data(sk, &timeo, skb_peek_tail(&sk->sk_receive_queue));
		continue;
found:
		used = min_t(u32, skb->len - offset, len);
		err = skb_copy_datagram_msg(skb, offset, msg, used);
		if (err) {
			if (!copied)
				copied = -EFAULT;
			break;
		}
		*seq += used;
		copied += used;
		len -= used;
		if (!(flags & MSG_PEEK) && offset + used >= skb->len) {
			__skb_unlink(skb, &sk->sk_receive_queue);
			consume_skb(skb);
		}
	}
	if (copied > 0 && !(flags & MSG_PEEK)) {
		atcp_rcvbuf_autotune(sk, copied);
		atcp_cleanup_rbuf(sk, copied);
	}
	sk_mem_reclaim(sk);
	if (as->recvmsg_inq && copied >= 0) {
		/* after the FIN, non-zero: the reader should read on (to the EOF) */
		int inq = atcp_inq(sk) ? : sock_flag(sk, SOCK_DONE);

		put_cmsg(msg, SOL_TCP, TCP_CM_INQ, sizeof(inq), &inq);
	}
out:
	release_sock(sk);
	return copied;
}

/*
 * splice(2) from the socket into a pipe: hand over received pages without
 * copying.  Process context; waits like recv() unless SPLICE_F_NONBLOCK.
 */
static ssize_t atcp_splice_read(struct socket *sock, loff_t *ppos,
				struct pipe_inode_info *pipe, size_t len, unsigned int flags)
{
	struct sock *sk = sock->sk;
	struct atcp_sock *as = atcp_sk(sk);
	ssize_t spliced = 0;
	long timeo;
	int ret = 0;

	lock_sock(sk);
	timeo = sock_rcvtimeo(sk, (sock->file->f_flags & O_NONBLOCK) ||
			      (flags & SPLICE_F_NONBLOCK));
	while (len) {
		struct sk_buff *skb = skb_peek(&sk->sk_receive_queue);
		u32 offset;

		if (!skb) {
			int why;

			if (spliced)
				break;
			why = atcp_recv_nothing(sk, timeo);
			if (why) {
				ret = min(why, 0);
				break;
			}
			sk_wait_data(sk, &timeo, NULL);
			continue;
		}
		offset = as->copied_seq - ATCP_SKB_CB(skb)->seq;
		ret = skb_splice_bits(skb, sk, offset, pipe, min_t(size_t, len, skb->len - offset),
				      flags);
		if (ret <= 0)
			break;
		as->copied_seq += ret;
		spliced += ret;
		len -= ret;
		if (offset + ret >= skb->len) {
			__skb_unlink(skb, &sk->sk_receive_queue);
			consume_skb(skb);
		}
		ret = 0;
	}
	if (spliced) {
		atcp_rcvbuf_autotune(sk, spliced);
		atcp_cleanup_rbuf(sk, spliced);
	}
	sk_mem_reclaim(sk);
	release_sock(sk);
	return spliced ? : ret;
}

/* Enough unread bytes for SO_RCVLOWAT (a FIN counts in rcv_nxt, not as data). */
static bool atcp_readable(const struct sock *sk)
{
	const struct atcp_sock *as = atcp_sk(sk);
	int avail = READ_ONCE(as->rcv_nxt) - READ_ONCE(as->copied_seq);

	if (sock_flag(sk, SOCK_DONE))
		avail--;
	return avail > 0 && avail >= max_t(int, READ_ONCE(sk->sk_rcvlowat), 1);
}

static __poll_t atcp_poll(struct file *file, struct socket *sock, poll_table *wait)
{
	struct sock *sk = sock->sk;
	__poll_t mask = 0;
	int state, shutdown;

	sock_poll_wait(file, sock, wait);
	state = inet_sk_state_load(sk);
	if (state == TCP_LISTEN)
		return READ_ONCE(sk->sk_ack_backlog) ? EPOLLIN | EPOLLRDNORM : 0;

	shutdown = READ_ONCE(sk->sk_shutdown);
	if (shutdown == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;

	if ((state != TCP_SYN_SENT && state != TCP_SYN_RECV) || atcp_fastopen_passive(sk)) {
		if (atcp_readable(sk))
			mask |= EPOLLIN | EPOLLRDNORM;
		if (shutdown & SEND_SHUTDOWN) {
			mask |= EPOLLOUT | EPOLLWRNORM;
		} else if (atcp_stream_writeable(sk)) {
			mask |= EPOLLOUT | EPOLLWRNORM;
		} else {
			sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
			set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
			/* order NOSPACE before re-reading the queue; pairs with the
			 * ACK path freeing space and calling atcp_write_space()
			 */
			smp_mb__after_atomic();
			if (atcp_stream_writeable(sk))
				mask |= EPOLLOUT | EPOLLWRNORM;
		}
	} else if (state == TCP_SYN_SENT && atcp_defer_connect(sk)) {
		/* TCP_FASTOPEN_CONNECT: the first write sends the SYN */
		mask |= EPOLLOUT | EPOLLWRNORM;
	}
	/* an error is reported after the state change that caused it */
	smp_rmb();
	if (READ_ONCE(sk->sk_err) || !skb_queue_empty_lockless(&sk->sk_error_queue))
		mask |= EPOLLERR;
	return mask;
}

static int atcp_sock_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg)
{
	struct sock *sk = sock->sk;
	struct atcp_sock *as = atcp_sk(sk);
	int answ;

	switch (cmd) {
	case SIOCINQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		lock_sock(sk);
		answ = atcp_inq(sk);
		release_sock(sk);
		break;
	case SIOCOUTQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		answ = (1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV | TCPF_CLOSE) ?
		       0 : READ_ONCE(as->write_seq) - READ_ONCE(as->snd_una) - as->fin_queued;
		break;
	case SIOCOUTQNSD:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		answ = (1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV | TCPF_CLOSE) ?
		       0 : READ_ONCE(as->write_seq) - READ_ONCE(as->snd_nxt);
		break;
	default:
		return inet_ioctl(sock, cmd, arg);
	}
	return put_user(max(answ, 0), (int __user *)arg);
}

void atcp_get_info(struct sock *sk, struct atcp_info *info)
{
	struct atcp_sock *as = atcp_sk(sk);

	memset(info, 0, sizeof(*info));
	info->state = inet_sk_state_load(sk);
	info->ca_state = as->ca_state;
	info->retransmits = as->retransmits;
	info->backoff = as->backoff;
	if (as->wscale_ok) {
		info->options |= ATCPI_OPT_WSCALE;
		info->snd_wscale = as->snd_wscale;
		info->rcv_wscale = as->rcv_wscale;
	}
	if (as->sack_ok)
		info->options |= ATCPI_OPT_SACK;
	if (as->ts_ok)
		info->options |= ATCPI_OPT_TIMESTAMPS;
	if (as->ecn_flags & ATCP_ECN_OK)
		info->options |= ATCPI_OPT_ECN;
	if (as->ecn_flags & ATCP_ECN_SEEN)
		info->options |= ATCPI_OPT_ECN_SEEN;
	info->rto_us = jiffies_to_usecs(as->rto);
	info->ato_us = READ_ONCE(atcp_sk_net(sk)->delack_ms) * USEC_PER_MSEC;
	info->snd_mss = as->mss;
	info->rcv_mss = as->rcv_mss ? as->rcv_mss : as->advmss;
	info->advmss = as->advmss;
	info->iss = as->iss;
	info->irs = as->irs;
	info->snd_una = as->snd_una;
	info->snd_nxt = as->snd_nxt;
	info->rcv_nxt = as->rcv_nxt;
	info->snd_wnd = as->snd_wnd;
	info->rcv_wnd = as->rcv_wnd;
	info->srtt_us = as->srtt_us;
	info->rttvar_us = as->rttvar_us;
	info->snd_cwnd = as->cwnd;
	info->snd_ssthresh = as->ssthresh;
	info->unacked = as->packets_out;
	info->sacked = as->sacked_out;
	info->lost = as->lost_out;
	info->retrans = as->retrans_out;
	info->total_retrans = as->total_retrans;
	info->bytes_acked = as->bytes_acked;
	info->bytes_received = as->bytes_received;
	info->segs_out = as->segs_out;
	info->segs_in = as->segs_in;
	info->delivery_rate = as->delivery_rate;
}

/* sk_pacing_rate as TCP_INFO gives it: "unlimited" is all ones in 64 bits */
static u64 atcp_pacing_rate(unsigned long rate)
{
	return rate == ~0UL ? ~0ULL : rate;
}

/* TCP_INFO for programs written for TCP: the same facts in struct tcp_info. */
static void atcp_get_tcp_info(struct sock *sk, struct tcp_info *ti)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct dst_entry *dst;
	struct atcp_info ai;

	atcp_get_info(sk, &ai);
	memset(ti, 0, sizeof(*ti));
	ti->tcpi_state = ai.state;
	ti->tcpi_ca_state = ai.ca_state;
	ti->tcpi_retransmits = ai.retransmits;
	/* as Linux's icsk_probes_out: zero-window probes while probing, else keepalives */
	ti->tcpi_probes = as->probing ? as->probes_out : as->keepalive_sent;
	ti->tcpi_backoff = ai.backoff;
	if (ai.options & ATCPI_OPT_TIMESTAMPS)
		ti->tcpi_options |= TCPI_OPT_TIMESTAMPS;
	if (ai.options & ATCPI_OPT_SACK)
		ti->tcpi_options |= TCPI_OPT_SACK;
	if (as->syn_data_acked)
		ti->tcpi_options |= TCPI_OPT_SYN_DATA;
	if (ai.options & ATCPI_OPT_ECN)
		ti->tcpi_options |= TCPI_OPT_ECN;
	if (ai.options & ATCPI_OPT_ECN_SEEN)
		ti->tcpi_options |= TCPI_OPT_ECN_SEEN;
	if (ai.options & ATCPI_OPT_WSCALE) {
		ti->tcpi_options |= TCPI_OPT_WSCALE;
		ti->tcpi_snd_wscale = ai.snd_wscale;
		ti->tcpi_rcv_wscale = ai.rcv_wscale;
	}
	ti->tcpi_rto = ai.rto_us;
	ti->tcpi_ato = ai.ato_us;
	ti->tcpi_snd_mss = ai.snd_mss;
	ti->tcpi_rcv_mss = ai.rcv_mss;
	ti->tcpi_unacked = ai.unacked;
	ti->tcpi_sacked = ai.sacked;
	ti->tcpi_lost = ai.lost;
	ti->tcpi_retrans = ai.retrans;
	/* ms since: data was last sent, data came, any segment came (ACK) */
	ti->tcpi_last_data_sent = jiffies_to_msecs(jiffies - as->data_sent_stamp);
	ti->tcpi_last_data_recv = jiffies_to_msecs(jiffies - (as->lrcv_time ? : as->rcv_tstamp));
	ti->tcpi_last_ack_recv = jiffies_to_msecs(jiffies - as->rcv_tstamp);
	dst = __sk_dst_get(sk);
	if (dst)
		ti->tcpi_pmtu = dst_mtu(dst);
	/* the most atcp would offer with an empty queue (no receive slow start) */
	ti->tcpi_rcv_ssthresh = min_t(u32, READ_ONCE(sk->sk_rcvbuf) / 2,
				      ATCP_MAX_WINDOW << as->rcv_wscale);
	ti->tcpi_rtt = ai.srtt_us;
	ti->tcpi_rttvar = ai.rttvar_us;
	ti->tcpi_snd_ssthresh = ai.snd_ssthresh;
	ti->tcpi_snd_cwnd = ai.snd_cwnd;
	ti->tcpi_advmss = ai.advmss;
	ti->tcpi_reordering = as->reordering;
	ti->tcpi_rcv_space = as->rcv_wnd;
	ti->tcpi_total_retrans = ai.total_retrans;
	ti->tcpi_bytes_acked = ai.bytes_acked;
	ti->tcpi_bytes_received = ai.bytes_received;
	ti->tcpi_segs_out = ai.segs_out;
	ti->tcpi_segs_in = ai.segs_in;
	ti->tcpi_delivery_rate = ai.delivery_rate;
	ti->tcpi_delivered = as->delivered;
	ti->tcpi_snd_wnd = ai.snd_wnd;
	/* as Linux: all ones while there is no sample */
	ti->tcpi_min_rtt = as->min_rtt_us ? : ~0U;
	/* atcp does not pace: all ones unless SO_MAX_PACING_RATE lowered it */
	ti->tcpi_pacing_rate = atcp_pacing_rate(READ_ONCE(sk->sk_pacing_rate));
	ti->tcpi_max_pacing_rate = atcp_pacing_rate(READ_ONCE(sk->sk_max_pacing_rate));
	ti->tcpi_notsent_bytes = max_t(s32, as->write_seq - as->snd_nxt, 0);
	ti->tcpi_data_segs_in = as->data_segs_in;
	ti->tcpi_data_segs_out = as->data_segs_out;
	ti->tcpi_delivered_ce = as->delivered_ce;
	ti->tcpi_bytes_sent = as->bytes_sent;
	ti->tcpi_bytes_retrans = as->bytes_retrans;
	ti->tcpi_dsack_dups = as->dsacks;
	ti->tcpi_reord_seen = as->reord_seen;
	ti->tcpi_rcv_ooopack = as->rcv_ooopack;
#ifdef ATCP_HAVE_TCPI_RCV_WND
	ti->tcpi_rcv_wnd = ai.rcv_wnd;
#endif
#ifdef ATCP_HAVE_TCPI_TOTAL_RTO
	ti->tcpi_total_rto = min_t(u32, as->total_rto, U16_MAX);
	ti->tcpi_total_rto_recoveries = min_t(u32, as->total_rto_recoveries, U16_MAX);
	ti->tcpi_total_rto_time = as->total_rto_time +
		(as->rto_stamp ? jiffies_to_msecs(jiffies - as->rto_stamp) : 0);
#endif
}

/* SOL_ATCP, and SOL_TCP with TCP's names for programs written for TCP */
static bool atcp_level_ok(int level)
{
	return level == SOL_ATCP || level == SOL_TCP;
}

int atcp_setsockopt(struct sock *sk, int level, int optname, sockptr_t optval,
		    unsigned int optlen)
{
	struct atcp_sock *as = atcp_sk(sk);
	int val, err = 0;

	if (!atcp_level_ok(level))
		return ip_setsockopt(sk, level, optname, optval, optlen);
	if (optname == ATCP_CONGESTION) {
		char name[ATCP_CA_NAME_MAX];
		long len = min_t(long, optlen, sizeof(name) - 1);

		if (optlen < 1)
			return -EINVAL;
		len = strncpy_from_sockptr(name, optval, len);
		if (len < 0)
			return -EFAULT;
		name[len] = '\0';
		lock_sock(sk);
		err = atcp_cong_set(sk, name);
		release_sock(sk);
		return err;
	}
	if (optname == ATCP_FASTOPEN_KEY) {
		lock_sock(sk);
		err = atcp_fastopen_setsockopt(sk, optname, optval, optlen, 0);
		release_sock(sk);
		return err;
	}
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;

	lock_sock(sk);
	switch (optname) {
	case ATCP_NODELAY:
		as->nodelay = !!val;
		if (as->nodelay)
			atcp_push_pending(sk, ATCP_PUSH_FORCE);
		break;
	case ATCP_CORK:
		as->cork = !!val;
		if (!as->cork)
			atcp_push_pending(sk, ATCP_PUSH_FORCE);
		break;
	case ATCP_MAXSEG:
		if (val && (val < ATCP_MIN_MSS || val > ATCP_MAX_WINDOW)) {
			err = -EINVAL;
			break;
		}
		as->user_mss = val;
		break;
	case ATCP_KEEPIDLE:
		if (val < 1 || val > ATCP_MAX_KEEPIDLE) {
			err = -EINVAL;
			break;
		}
		as->keepalive_idle = val;
		atcp_reset_keepalive(sk);
		break;
	case ATCP_KEEPINTVL:
		if (val < 1 || val > ATCP_MAX_KEEPINTVL)
			err = -EINVAL;
		else
			as->keepalive_intvl = val;
		break;
	case ATCP_KEEPCNT:
		if (val < 1 || val > ATCP_MAX_KEEPCNT)
			err = -EINVAL;
		else
			as->keepalive_probes = val;
		break;
	case ATCP_SYNCNT:
		if (val < 1 || val > ATCP_MAX_SYNCNT)
			err = -EINVAL;
		else
			as->syn_retries = val;
		break;
	case ATCP_USER_TIMEOUT:
		if (val < 0)
			err = -EINVAL;
		else
			as->user_timeout_ms = val;
		break;
	case ATCP_INQ:
		if (val < 0 || val > 1)
			err = -EINVAL;
		else
			as->recvmsg_inq = val;
		break;
	case ATCP_ZEROCOPY:
		/* SO_ZEROCOPY's checks and flag */
		if (val < 0 || val > 1)
			err = -EINVAL;
		else
			sock_valbool_flag(sk, SOCK_ZEROCOPY, val);
		break;
	case ATCP_NOTSENT_LOWAT:
		/* any value, as Linux TCP: a negative one is a large unsigned one */
		WRITE_ONCE(as->notsent_lowat, val);
		sk->sk_write_space(sk);
		break;
	default:
		err = atcp_fastopen_setsockopt(sk, optname, optval, optlen, val);
	}
	release_sock(sk);
	return err;
}

static int atcp_copy_out(void *data, unsigned int size, char __user *optval,
			 int __user *optlen, int len)
{
	len = min_t(unsigned int, len, size);
	if (put_user(len, optlen) || copy_to_user(optval, data, len))
		return -EFAULT;
	return 0;
}

int atcp_getsockopt(struct sock *sk, int level, int optname, char __user *optval,
		    int __user *optlen)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_net *an = atcp_sk_net(sk);
	int len, val;

	if (!atcp_level_ok(level))
		return ip_getsockopt(sk, level, optname, optval, optlen);
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;

	switch (optname) {
	case ATCP_INFO:
		if (level == SOL_TCP) {
			struct tcp_info ti;

			lock_sock(sk);
			atcp_get_tcp_info(sk, &ti);
			release_sock(sk);
			return atcp_copy_out(&ti, sizeof(ti), optval, optlen, len);
		}
		{
			struct atcp_info info;

			lock_sock(sk);
			atcp_get_info(sk, &info);
			release_sock(sk);
			return atcp_copy_out(&info, sizeof(info), optval, optlen, len);
		}
	case ATCP_CONGESTION: {
		char name[ATCP_CA_NAME_MAX] = { };
		const struct atcp_cong_ops *ops = as->cc ? :
			atcp_cong_by_index(READ_ONCE(an->congestion_control));

		strscpy(name, ops->name, sizeof(name));
		return atcp_copy_out(name, sizeof(name), optval, optlen, len);
	}
	case ATCP_NODELAY:
		val = as->nodelay;
		break;
	case ATCP_CORK:
		val = as->cork;
		break;
	case ATCP_MAXSEG:
		val = (1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN) ?
		      (as->user_mss ? : ATCP_DEFAULT_MSS) : as->mss;
		break;
	case ATCP_KEEPIDLE:
		val = as->keepalive_idle ? : READ_ONCE(an->keepalive_time);
		break;
	case ATCP_KEEPINTVL:
		val = as->keepalive_intvl ? : READ_ONCE(an->keepalive_intvl);
		break;
	case ATCP_KEEPCNT:
		val = as->keepalive_probes ? : READ_ONCE(an->keepalive_probes);
		break;
	case ATCP_SYNCNT:
		val = as->syn_retries ? : READ_ONCE(an->syn_retries);
		break;
	case ATCP_USER_TIMEOUT:
		val = as->user_timeout_ms;
		break;
	case ATCP_INQ:
		val = as->recvmsg_inq;
		break;
	case ATCP_NOTSENT_LOWAT:
		val = READ_ONCE(as->notsent_lowat);
		break;
	case ATCP_ZEROCOPY:
		val = sock_flag(sk, SOCK_ZEROCOPY);
		break;
	case ATCP_CC_INFO:
		/* NewReno and CUBIC export no state, as Linux's reno and cubic */
		return atcp_copy_out(NULL, 0, optval, optlen, len);
	default:
		return atcp_fastopen_getsockopt(sk, optname, optval, optlen, len);
	}
	return atcp_copy_out(&val, sizeof(int), optval, optlen, len);
}

const struct proto_ops atcp_stream_ops = {
	.family		= PF_INET,
	.owner		= THIS_MODULE,
	.release	= inet_release,
	.bind		= inet_bind,
	.connect	= inet_stream_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= inet_accept,
	.getname	= inet_getname,
	.poll		= atcp_poll,
	.ioctl		= atcp_sock_ioctl,
	.gettstamp	= sock_gettstamp,
	.listen		= atcp_listen,
	.shutdown	= inet_shutdown,
	.setsockopt	= sock_common_setsockopt,
	.getsockopt	= sock_common_getsockopt,
	.sendmsg	= inet_sendmsg,
	.recvmsg	= inet_recvmsg,
	.mmap		= sock_no_mmap,
	.splice_read	= atcp_splice_read,
#ifdef ATCP_HAVE_SENDPAGE
	.sendpage	= sock_no_sendpage,
#endif
};
