// SPDX-License-Identifier: GPL-2.0
/*
 * What the two views of the tables say about one entry: a listener, a
 * connection, a SYN_RCVD request or a TIME_WAIT entry.  /proc/net/atcp
 * (atcp_proc.c) and sock_diag (atcp_diag_iter.c for atcp_diag.ko) both
 * print a struct atcp_diag_entry filled in here, so their addresses,
 * queues, timers and retransmission counts cannot disagree.
 *
 * Timers, in the codes of /proc/net/tcp's "tr" column:
 *   1  retransmission (data, SYN, FIN) or, for a request, the SYN-ACK's
 *   2  keepalive, or the orphaned FIN_WAIT_2 lifetime (misc_timer)
 *   3  TIME_WAIT
 *   4  zero-window probe (persist)
 * e->retrans counts retransmissions (SYN-ACKs for a request); e->probes
 * the unanswered zero-window or keepalive probes, TCP's "timeout" column.
 */
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include <net/sock.h>
#include "atcp.h"

/* jiffies until @t fires; 0 if it is not pending or due now */
static unsigned long atcp_timer_left(const struct timer_list *t)
{
	long left = READ_ONCE(t->expires) - jiffies;

	return timer_pending(t) && left > 0 ? left : 0;
}

/*
 * Describe full socket @sk into @e, which the caller zeroed.  Any context,
 * no socket lock needed (each field is read once); sock_diag holds the
 * lock for a consistent snapshot, /proc/net/atcp the table lock only.
 */
void atcp_describe_sock(struct sock *sk, struct atcp_diag_entry *e)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);

	e->kind = ATCP_EV_SOCK;
	e->state = inet_sk_state_load(sk);
	e->laddr = inet->inet_rcv_saddr;
	e->raddr = inet->inet_daddr;
	e->lport = htons(inet->inet_num);
	e->rport = inet->inet_dport;
	e->bound_dev_if = READ_ONCE(sk->sk_bound_dev_if);
	e->mark = READ_ONCE(sk->sk_mark);
	e->shutdown = READ_ONCE(sk->sk_shutdown);
	e->userlocks = sk->sk_userlocks;
	if (e->state == TCP_LISTEN) {
		e->rqueue = READ_ONCE(sk->sk_ack_backlog);
		e->wqueue = READ_ONCE(sk->sk_max_ack_backlog);
	} else {
		e->rqueue = max_t(int, READ_ONCE(as->rcv_nxt) - READ_ONCE(as->copied_seq), 0);
		e->wqueue = max_t(int, READ_ONCE(as->write_seq) - READ_ONCE(as->snd_una), 0);
	}
	e->retrans = READ_ONCE(as->retransmits);
	if (timer_pending(&as->rtx_timer)) {
		bool probing = READ_ONCE(as->probing);

		e->timer = probing ? 4 : 1;
		e->expires = atcp_timer_left(&as->rtx_timer);
		if (probing)
			e->probes = READ_ONCE(as->backoff);
	} else if (timer_pending(&as->misc_timer)) {
		e->timer = 2;
		e->expires = atcp_timer_left(&as->misc_timer);
		e->probes = READ_ONCE(as->keepalive_sent);
	}
	e->uid = atcp_sk_uid(sk);
	e->ino = sock_i_ino(sk);
	sock_diag_save_cookie(sk, e->cookie);
}

/* Describe table entry @ent (any kind) into @e, which the caller zeroed.  Any context. */
void atcp_describe_ent(struct atcp_ent *ent, struct atcp_diag_entry *e)
{
	if (ent->kind == ATCP_ENT_SOCK) {
		atcp_describe_sock(&container_of(ent, struct atcp_sock, ent)->inet.sk, e);
		return;
	}
	e->laddr = ent->laddr;
	e->raddr = ent->raddr;
	e->lport = ent->lport;
	e->rport = ent->rport;
	e->cookie[0] = INET_DIAG_NOCOOKIE;
	e->cookie[1] = INET_DIAG_NOCOOKIE;
	if (ent->kind == ATCP_ENT_REQ) {
		struct atcp_request *req = container_of(ent, struct atcp_request, ent);

		e->kind = ATCP_EV_REQUEST;
		e->state = TCP_SYN_RECV;
		e->timer = 1;
		e->retrans = READ_ONCE(req->retries);
		/* count before timer: pairs with atcp_req_timer_fn()'s smp_wmb() */
		smp_rmb();
		e->expires = atcp_timer_left(&req->timer);
		e->uid = atcp_sk_uid(req->listener);
		e->bound_dev_if = req->bound_dev_if;
	} else {
		struct atcp_tw *tw = container_of(ent, struct atcp_tw, ent);

		e->kind = ATCP_EV_TIMEWAIT;
		e->state = TCP_TIME_WAIT;
		e->timer = 3;
		e->expires = atcp_timer_left(&tw->timer);
		e->uid = tw->uid;
		e->bound_dev_if = tw->bound_dev_if;
	}
}
