// SPDX-License-Identifier: GPL-2.0
/*
 * atcp timers of full sockets: retransmission (also SYN and zero-window
 * probes), delayed ACK, and the orphaned FIN_WAIT_2 timeout.
 * Timer callbacks run in softirq context; when a process owns the socket
 * they re-arm themselves shortly instead of touching it.
 */
#include <net/sock.h>
#include "atcp.h"

u32 atcp_rto_min(const struct sock *sk)
{
	return atcp_ms_to_jiffies(READ_ONCE(atcp_sk_net(sk)->rto_min_ms));
}

u32 atcp_rto_max(const struct sock *sk)
{
	return atcp_ms_to_jiffies(READ_ONCE(atcp_sk_net(sk)->rto_max_ms));
}

/* RFC 6298 2.2/2.3: fold one RTT measurement into SRTT/RTTVAR and derive the RTO. */
void atcp_rtt_sample(struct sock *sk, u32 rtt_us)
{
	struct atcp_sock *as = atcp_sk(sk);
	u32 granularity = jiffies_to_usecs(1);
	u32 rto;

	if (!rtt_us)
		rtt_us = 1;
	if (!as->min_rtt_us || rtt_us < as->min_rtt_us)
		as->min_rtt_us = rtt_us;
	if (!as->srtt_us) {
		as->srtt_us = rtt_us;
		as->rttvar_us = rtt_us / 2;
	} else {
		u32 delta = as->srtt_us > rtt_us ? as->srtt_us - rtt_us : rtt_us - as->srtt_us;

		as->rttvar_us = (3 * as->rttvar_us + delta) / 4;
		as->srtt_us = (7 * as->srtt_us + rtt_us) / 8;
	}
	rto = usecs_to_jiffies(as->srtt_us + max(granularity, 4 * as->rttvar_us));
	as->rto = clamp(rto, atcp_rto_min(sk), atcp_rto_max(sk));
}

/*
 * What is left of the user timeout (ATCP_USER_TIMEOUT) on a clock started
 * at @start (jiffies): 0 once it has run out, ULONG_MAX without a user
 * timeout or a started clock.
 */
static unsigned long atcp_user_timeout_left(const struct sock *sk, unsigned long start)
{
	u32 user_ms = atcp_sk(sk)->user_timeout_ms;
	unsigned long end;

	if (!user_ms || !start)
		return ULONG_MAX;
	end = start + msecs_to_jiffies(user_ms);
	return time_before(jiffies, end) ? end - jiffies : 0;
}

void atcp_reset_rtx_timer(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	unsigned long when = as->rto;

	if (as->probing) {
		when = min_t(unsigned long, (unsigned long)as->rto << as->backoff,
			     atcp_rto_max(sk));
		/* the probe that follows the user timeout ends the connection on time */
		when = clamp(atcp_user_timeout_left(sk, as->probes_stamp), 1UL, when);
	}
	sk_reset_timer(sk, &as->rtx_timer, jiffies + when);
}

/*
 * The peer seems to have dropped data it SACKed (atcp_sack_reneged()):
 * time out soon, a sixteenth of the RTT but at least 10 ms, unless more
 * ACKs show the scoreboard was right after all.  The timeout then forgets
 * the SACKs and resends (atcp_enter_loss()).
 */
void atcp_reneging_timer(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	unsigned long when = max(usecs_to_jiffies(as->srtt_us >> 4), msecs_to_jiffies(10));

	sk_reset_timer(sk, &as->rtx_timer, jiffies + min_t(unsigned long, when, as->rto));
}

/*
 * An ACK is owed: it goes out within delack_ms unless something else
 * carries it first.  The deadline of an ACK already owed stands.  A timer
 * still pending from an earlier ACK (sent meanwhile with data) is not
 * moved: it re-arms itself for the deadline when it fires, so a busy
 * request/response connection does not mod_timer() per segment.
 */
void atcp_arm_delack(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);

	if (!as->ack_pending || time_after_eq(jiffies, as->delack_due)) {
		as->ack_pending = true;
		as->delack_due = jiffies +
				 atcp_ms_to_jiffies(READ_ONCE(atcp_sk_net(sk)->delack_ms));
	}
	if (!timer_pending(&as->delack_timer))
		sk_reset_timer(sk, &as->delack_timer, as->delack_due);
}

void atcp_arm_fin_wait2(struct sock *sk)
{
	sk_reset_timer(sk, &atcp_sk(sk)->misc_timer,
		       jiffies + atcp_ms_to_jiffies(READ_ONCE(atcp_sk_net(sk)->fin_timeout_ms)));
}

/*
 * How long retransmissions may go unanswered, in ms, before @boundary is
 * reached: the time @boundary timeouts in a row would take from an RTO of
 * @base_ms that doubles up to rto_max_ms and then stays there (Linux's
 * model of tcp_retries2).  rto_min_ms 200 and rto_max_ms 120000 give
 * 3 s for 3, 102.2 s for 8 and 924.6 s for 15.
 */
static u32 atcp_model_timeout_ms(const struct sock *sk, u32 boundary, u32 base_ms)
{
	u32 max_ms = READ_ONCE(atcp_sk_net(sk)->rto_max_ms);
	u32 doublings;

	base_ms = clamp(base_ms, 1U, max_ms);
	doublings = ilog2(max_ms / base_ms);
	if (boundary <= doublings)
		return ((2U << boundary) - 1) * base_ms;
	return ((2U << doublings) - 1) * base_ms + (boundary - doublings) * max_ms;
}

/*
 * Has this run of timeouts lasted too long?  The clock starts at the first
 * retransmission (retrans_stamp, as Linux's) and the limit is @user_ms
 * (ATCP_USER_TIMEOUT) if set, else the model time of @boundary timeouts.
 * Never before the first retransmission.
 */
static bool atcp_retransmits_timed_out(const struct sock *sk, u32 boundary, u32 base_ms,
				       u32 user_ms)
{
	const struct atcp_sock *as = atcp_sk(sk);
	u32 limit_ms = user_ms ? : atcp_model_timeout_ms(sk, boundary, base_ms);

	if (!as->retransmits || !as->retrans_stamp)
		return false;
	return time_after_eq(jiffies, as->retrans_stamp + msecs_to_jiffies(limit_ms));
}

/* The connection is dead: report the error to the user and close. */
static void atcp_write_error(struct sock *sk, int err)
{
	if (sk->sk_state == TCP_SYN_SENT)
		ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_ATTEMPTFAILS);
	WRITE_ONCE(sk->sk_err, err);
	sk_error_report(sk);
	atcp_done(sk);
}

/*
 * RFC 1122 4.2.3.5: after the retries1 time the path may be bad: give IP
 * negative advice and look the route up afresh for what follows.  Once
 * per run of timeouts.
 */
static void atcp_retries1_reached(struct sock *sk)
{
	ATCP_INC_STATS(atcp_sk_net(sk), ATCP_MIB_RETRIES1REROUTES);
	atcp_sk(sk)->r1_rerouted = true;
	dst_negative_advice(sk);
	__sk_dst_reset(sk);
}

/*
 * timer: give up on a silent peer?  SYN_SENT and SYN_RECV count syn_retries
 * timeouts (also timed from rto_initial_ms); later states time retries1 and
 * retries2 from rto_min_ms.  An orphan gets ATCP_ORPHAN_RETRIES, or none
 * once its RTO has reached rto_max_ms.  Reports and closes; true if so.
 */
static bool atcp_write_timeout(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_net *an = atcp_sk_net(sk);
	u32 base_ms = READ_ONCE(an->rto_min_ms);
	bool expired = false;
	int limit;

	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		limit = as->syn_retries ? : READ_ONCE(an->syn_retries);
		base_ms = READ_ONCE(an->rto_initial_ms);
		expired = as->retransmits >= limit;
	} else {
		if (!as->r1_rerouted &&
		    atcp_retransmits_timed_out(sk, READ_ONCE(an->retries1), base_ms, 0))
			atcp_retries1_reached(sk);
		limit = READ_ONCE(an->retries2);
		/* nobody waits for an orphan; Linux's tcp_orphan_retries */
		if (sock_flag(sk, SOCK_DEAD))
			limit = as->rto < atcp_rto_max(sk) ? ATCP_ORPHAN_RETRIES : 0;
	}
	if (!expired)
		expired = atcp_retransmits_timed_out(sk, limit, base_ms, as->user_timeout_ms);
	if (expired)
		atcp_write_error(sk, sk->sk_err_soft ? : ETIMEDOUT);
	return expired;
}

/*
 * timer: probe a zero window (RFC 9293 3.8.6.1).  A peer that answers the
 * probes keeps the connection open, unless a user timeout is set: then the
 * window may stay shut that long from the first probe, as in Linux TCP.
 * One that stops answering gets retries2 probes (Linux counts them the
 * same way), an orphan's ATCP_ORPHAN_RETRIES backoffs.
 */
static void atcp_probe_timeout(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);

	if (!as->send_head || as->snd_nxt != as->snd_una) {
		as->probing = false;
		as->probes_stamp = 0;
		return;
	}
	if (!as->probes_stamp) {
		as->probes_stamp = jiffies ? : 1;
	} else if (!atcp_user_timeout_left(sk, as->probes_stamp)) {
		atcp_write_error(sk, sk->sk_err_soft ? : ETIMEDOUT);
		return;
	}
	if (sock_flag(sk, SOCK_DEAD) && as->backoff >= ATCP_ORPHAN_RETRIES) {
		/* an orphan's peer keeps its window shut: nobody will read */
		atcp_send_active_rst(sk, GFP_ATOMIC);
		atcp_write_error(sk, ETIMEDOUT);
		return;
	}
	if (!sock_flag(sk, SOCK_DEAD) &&
	    as->probes_out >= READ_ONCE(atcp_sk_net(sk)->retries2)) {
		atcp_write_error(sk, sk->sk_err_soft ? : ETIMEDOUT);
		return;
	}
	/* a window too small to use by the SWS rules still takes a probe with data */
	if (atcp_seq_after(as->snd_una + as->snd_wnd, as->snd_nxt) &&
	    atcp_write_xmit(sk, ATCP_PUSH_PROBE))
		return;
	atcp_send_probe(sk);
	if (as->probes_out < U8_MAX)
		as->probes_out++;
	if (as->backoff < 31)
		as->backoff++;
	atcp_reset_rtx_timer(sk);
}

/* timer: the oldest segment was not acknowledged in time (RFC 6298 5.4-5.7) */
static void atcp_rtx_timeout(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);

	atcp_set_cause(sk, ATCP_CAUSE_TIMER, ATCP_TIMER_RETRANSMIT);
	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	if (as->probing) {
		atcp_probe_timeout(sk);
		return;
	}
	if (!as->packets_out)
		return;
	if (atcp_write_timeout(sk))
		return;
	as->total_rto++;
	if (!as->rto_stamp) {
		as->total_rto_recoveries++;
		as->rto_stamp = jiffies ? : 1;
	}
	atcp_enter_loss(sk);
	if (as->retransmits < U8_MAX)
		as->retransmits++;
	if (as->backoff < 31)
		as->backoff++;
	atcp_xmit_retransmits(sk);
	/* the clock of atcp_retransmits_timed_out() runs from the first attempt */
	if (!as->retrans_stamp)
		as->retrans_stamp = jiffies;
	as->rto = min_t(u32, as->rto * 2, atcp_rto_max(sk));
	/*
	 * A user timeout ends the connection when it says, not at the next
	 * full RTO: the timer fires early once and atcp_write_timeout() then
	 * finds it expired (Linux TCP does the same).
	 */
	sk_reset_timer(sk, &as->rtx_timer,
		       jiffies + clamp(atcp_user_timeout_left(sk, as->retrans_stamp), 1UL,
				       (unsigned long)as->rto));
}

static void atcp_rtx_timer_fn(struct timer_list *t)
{
	struct atcp_sock *as = from_timer(as, t, rtx_timer);
	struct sock *sk = &as->inet.sk;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk))
		sk_reset_timer(sk, &as->rtx_timer, jiffies + ATCP_TIMER_RETRY);
	else
		atcp_rtx_timeout(sk);
	bh_unlock_sock(sk);
	sock_put(sk);
}

static void atcp_delack_timer_fn(struct timer_list *t)
{
	struct atcp_sock *as = from_timer(as, t, delack_timer);
	struct sock *sk = &as->inet.sk;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk)) {
		sk_reset_timer(sk, &as->delack_timer, jiffies + ATCP_TIMER_RETRY);
	} else if (as->ack_pending && time_before(jiffies, as->delack_due)) {
		/* armed for an earlier ACK that went out with data */
		sk_reset_timer(sk, &as->delack_timer, as->delack_due);
	} else if (as->ack_pending) {
		/* no reply came to carry the ACK: stop counting on one */
		as->pingpong = false;
		atcp_send_ack(sk);
	}
	bh_unlock_sock(sk);
	sock_put(sk);
}

static unsigned long atcp_keepalive_time(const struct atcp_sock *as)
{
	int secs = as->keepalive_idle ? :
		   READ_ONCE(atcp_sk_net(&as->inet.sk)->keepalive_time);

	return (unsigned long)secs * HZ;
}

static unsigned long atcp_keepalive_intvl(const struct atcp_sock *as)
{
	int secs = as->keepalive_intvl ? :
		   READ_ONCE(atcp_sk_net(&as->inet.sk)->keepalive_intvl);

	return (unsigned long)secs * HZ;
}

static int atcp_keepalive_probes(const struct atcp_sock *as)
{
	return as->keepalive_probes ? :
	       READ_ONCE(atcp_sk_net(&as->inet.sk)->keepalive_probes);
}

/* Arm the keepalive timer from the last time the peer was heard, if connected. */
static void atcp_arm_keepalive(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);

	if ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT))
		sk_reset_timer(sk, &as->misc_timer, as->rcv_tstamp + atcp_keepalive_time(as));
}

/* (Re)arm the keepalive timer if SO_KEEPALIVE is on. */
void atcp_reset_keepalive(struct sock *sk)
{
	if (sock_flag(sk, SOCK_KEEPOPEN))
		atcp_arm_keepalive(sk);
}

/*
 * proto.keepalive: SO_KEEPALIVE is being switched on or off; the socket
 * core sets SOCK_KEEPOPEN only after this returns (process context).
 */
void atcp_set_keepalive(struct sock *sk, int on)
{
	if (on && !sock_flag(sk, SOCK_KEEPOPEN)) {
		atcp_sk(sk)->rcv_tstamp = jiffies;
		atcp_arm_keepalive(sk);
	} else if (!on && sk->sk_state != TCP_FIN_WAIT2) {
		sk_stop_timer(sk, &atcp_sk(sk)->misc_timer);
	}
}

/* timer: probe a silent peer (RFC 1122 4.2.3.6), give up after the probes */
static void atcp_keepalive_timeout(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	unsigned long idle = jiffies - as->rcv_tstamp;

	atcp_set_cause(sk, ATCP_CAUSE_TIMER, ATCP_TIMER_KEEPALIVE);
	if (as->packets_out || as->send_head) {
		/* the retransmission timer watches the peer while data is out */
		sk_reset_timer(sk, &as->misc_timer, jiffies + atcp_keepalive_time(as));
		return;
	}
	if (idle < atcp_keepalive_time(as) && !as->keepalive_sent) {
		sk_reset_timer(sk, &as->misc_timer, as->rcv_tstamp + atcp_keepalive_time(as));
		return;
	}
	if (as->keepalive_sent >= atcp_keepalive_probes(as) ||
	    (as->user_timeout_ms && idle >= msecs_to_jiffies(as->user_timeout_ms))) {
		atcp_send_active_rst(sk, GFP_ATOMIC);
		atcp_write_error(sk, sk->sk_err_soft ? : ETIMEDOUT);
		return;
	}
	atcp_send_probe(sk);
	as->keepalive_sent++;
	sk_reset_timer(sk, &as->misc_timer, jiffies + atcp_keepalive_intvl(as));
}

/* timer: orphaned FIN_WAIT_2 lifetime, or keepalive */
static void atcp_misc_timer_fn(struct timer_list *t)
{
	struct atcp_sock *as = from_timer(as, t, misc_timer);
	struct sock *sk = &as->inet.sk;

	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk))
		atcp_set_cause(sk, ATCP_CAUSE_TIMER, ATCP_TIMER_FIN_WAIT2);
	if (sock_owned_by_user(sk))
		sk_reset_timer(sk, &as->misc_timer, jiffies + ATCP_TIMER_RETRY);
	else if (sk->sk_state == TCP_FIN_WAIT2 && sock_flag(sk, SOCK_DEAD))
		atcp_done(sk);
	else if (sock_flag(sk, SOCK_KEEPOPEN) &&
		 ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)))
		atcp_keepalive_timeout(sk);
	bh_unlock_sock(sk);
	sock_put(sk);
}

void atcp_init_timers(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);

	timer_setup(&as->rtx_timer, atcp_rtx_timer_fn, 0);
	timer_setup(&as->delack_timer, atcp_delack_timer_fn, 0);
	timer_setup(&as->misc_timer, atcp_misc_timer_fn, 0);
}

void atcp_clear_timers(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);

	sk_stop_timer(sk, &as->rtx_timer);
	sk_stop_timer(sk, &as->delack_timer);
	sk_stop_timer(sk, &as->misc_timer);
}
