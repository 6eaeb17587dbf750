// SPDX-License-Identifier: GPL-2.0
/*
 * atcp congestion control: NewReno (RFC 5681/6582) and CUBIC (RFC 9438).
 * The window is counted in segments.  Runs with the socket locked.
 */
#include <linux/string.h>
#include <net/sock.h>
#include "atcp.h"

/* Slow start (RFC 5681 3.1); returns the ACKed segments left for avoidance. */
static u32 atcp_slow_start(struct atcp_sock *as, u32 acked)
{
	u32 cwnd = min(as->cwnd + acked, as->ssthresh);

	acked -= cwnd - as->cwnd;
	as->cwnd = min_t(u32, cwnd, ATCP_MAX_CWND);
	return acked;
}

/* Grow by one segment every @cnt ACKed segments. */
static void atcp_cong_avoid_ai(struct atcp_sock *as, u32 cnt, u32 acked)
{
	cnt = max(cnt, 1U);
	as->cwnd_cnt += acked;
	if (as->cwnd_cnt >= cnt) {
		as->cwnd = min_t(u32, as->cwnd + as->cwnd_cnt / cnt, ATCP_MAX_CWND);
		as->cwnd_cnt %= cnt;
	}
}

static void reno_init(struct sock *sk)
{
}

static u32 reno_ssthresh(struct sock *sk)
{
	return max(atcp_sk(sk)->cwnd >> 1, 2U);
}

static void reno_cong_avoid(struct sock *sk, u32 acked)
{
	struct atcp_sock *as = atcp_sk(sk);

	if (as->cwnd < as->ssthresh) {
		acked = atcp_slow_start(as, acked);
		if (!acked)
			return;
	}
	atcp_cong_avoid_ai(as, as->cwnd, acked);
}

static void reno_on_loss(struct sock *sk)
{
}

/*
 * CUBIC state, kept in atcp_sock.cc_priv.  Times are in ms; C = 0.4 and
 * beta = 0.7 as RFC 9438 recommends.
 */
struct cubic_state {
	u32	w_max;		/* window before the last reduction */
	u32	origin;		/* plateau of the current epoch */
	u32	k_ms;		/* time to reach the plateau */
	u32	epoch_start;	/* jiffies; 0 = no epoch */
	u64	w_est_u;	/* Reno-friendly estimate, micro-segments */
};

#define CUBIC_BETA_NUM		7
#define CUBIC_BETA_DEN		10
/* alpha = 3 (1 - beta) / (1 + beta) for the Reno-friendly region, x 1e6 */
#define CUBIC_ALPHA_U		529412
/* (t_ms)^3 * C with C = 0.4 segments/s^3 = 4e-10 segments/ms^3 */
#define CUBIC_C_NUM		4
#define CUBIC_C_DEN		10000000000ULL

static struct cubic_state *cubic(struct sock *sk)
{
	BUILD_BUG_ON(sizeof(struct cubic_state) > sizeof_field(struct atcp_sock, cc_priv));
	return (struct cubic_state *)atcp_sk(sk)->cc_priv;
}

/* Integer cube root, rounded down. */
static u32 cubic_cbrt(u64 x)
{
	u32 lo = 0, hi = 2642245;	/* cbrt(2^64) */

	while (lo < hi) {
		u32 mid = lo + (hi - lo + 1) / 2;

		if ((u64)mid * mid * mid <= x)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static void cubic_init(struct sock *sk)
{
	memset(cubic(sk), 0, sizeof(struct cubic_state));
}

static u32 cubic_ssthresh(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct cubic_state *c = cubic(sk);

	c->epoch_start = 0;
	/* fast convergence (RFC 9438 4.7) */
	if (as->cwnd < c->w_max)
		c->w_max = as->cwnd * (CUBIC_BETA_DEN + CUBIC_BETA_NUM) / (2 * CUBIC_BETA_DEN);
	else
		c->w_max = as->cwnd;
	return max(as->cwnd * CUBIC_BETA_NUM / CUBIC_BETA_DEN, 2U);
}

static void cubic_cong_avoid(struct sock *sk, u32 acked)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct cubic_state *c = cubic(sk);
	u64 offs, delta, target;
	u32 t_ms, cnt;

	if (as->cwnd < as->ssthresh) {
		acked = atcp_slow_start(as, acked);
		if (!acked)
			return;
	}
	if (!c->epoch_start) {
		c->epoch_start = jiffies ? : 1;
		c->w_est_u = (u64)as->cwnd * 1000000;
		if (as->cwnd < c->w_max) {
			/* K = cbrt(W_max (1 - beta) / C), here from the current window */
			c->k_ms = cubic_cbrt((u64)(c->w_max - as->cwnd) * CUBIC_C_DEN / CUBIC_C_NUM);
			c->origin = c->w_max;
		} else {
			c->k_ms = 0;
			c->origin = as->cwnd;
		}
	}
	t_ms = jiffies_to_msecs(jiffies - c->epoch_start) + as->srtt_us / USEC_PER_MSEC;
	offs = t_ms > c->k_ms ? t_ms - c->k_ms : c->k_ms - t_ms;
	offs = min_t(u64, offs, 1000000);	/* keep 4 offs^3 in 64 bits */
	delta = div64_u64(offs * offs * offs * CUBIC_C_NUM, CUBIC_C_DEN);
	if (t_ms > c->k_ms)
		target = c->origin + delta;
	else
		target = c->origin > delta ? c->origin - delta : 0;

	/* the Reno-friendly region (RFC 9438 4.3) */
	c->w_est_u += div_u64((u64)CUBIC_ALPHA_U * acked, as->cwnd);
	if (div_u64(c->w_est_u, 1000000) > target)
		target = div_u64(c->w_est_u, 1000000);

	if (target > as->cwnd)
		cnt = as->cwnd / (u32)min_t(u64, target - as->cwnd, as->cwnd);
	else
		cnt = 100 * as->cwnd;
	atcp_cong_avoid_ai(as, cnt, acked);
}

static void cubic_on_loss(struct sock *sk)
{
	cubic(sk)->epoch_start = 0;
}

static const struct atcp_cong_ops atcp_cong_algos[] = {
	{
		.name		= "cubic",
		.init		= cubic_init,
		.ssthresh	= cubic_ssthresh,
		.cong_avoid	= cubic_cong_avoid,
		.on_loss	= cubic_on_loss,
	},
	{
		.name		= "reno",
		.init		= reno_init,
		.ssthresh	= reno_ssthresh,
		.cong_avoid	= reno_cong_avoid,
		.on_loss	= reno_on_loss,
	},
};

const struct atcp_cong_ops *atcp_cong_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(atcp_cong_algos); i++)
		if (!strcmp(atcp_cong_algos[i].name, name))
			return &atcp_cong_algos[i];
	return NULL;
}

const struct atcp_cong_ops *atcp_cong_by_index(unsigned int idx)
{
	return idx < ARRAY_SIZE(atcp_cong_algos) ? &atcp_cong_algos[idx] : &atcp_cong_algos[0];
}

unsigned int atcp_cong_index(const struct atcp_cong_ops *ops)
{
	return ops - atcp_cong_algos;
}

/* Space-separated names, as tcp_available_congestion_control shows them. */
void atcp_cong_available(char *buf, size_t len)
{
	unsigned int i;
	size_t off = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(atcp_cong_algos) && off < len; i++)
		off += scnprintf(buf + off, len - off, "%s%s", i ? " " : "",
				 atcp_cong_algos[i].name);
}

/* Start a connection with the netns default, or the one the user chose. */
void atcp_cong_init(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);

	if (!as->cc)
		as->cc = atcp_cong_by_index(READ_ONCE(atcp_sk_net(sk)->congestion_control));
	as->cwnd = ATCP_INIT_CWND;
	as->ssthresh = ATCP_INFINITE_SSTHRESH;
	as->reordering = ATCP_DEFAULT_REORDERING;
	as->cwnd_cnt = 0;
	as->max_packets_out = 0;
	as->cwnd_round_end = as->snd_nxt;
	as->cwnd_limited = false;
	as->cc->init(sk);
}

/*
 * After a send: remember how much of cwnd this round (one window of data,
 * until snd_una passes the snd_nxt it began at) used.  @pipe: segments in
 * flight now.  A round that filled cwnd is cwnd-limited; otherwise the
 * most it had in flight says how far slow start may still grow.
 */
void atcp_cwnd_validate(struct atcp_sock *as, u32 pipe)
{
	bool full = pipe >= as->cwnd;

	if (full || as->packets_out > as->max_packets_out ||
	    !atcp_seq_before(as->snd_una, as->cwnd_round_end)) {
		as->max_packets_out = as->packets_out;
		as->cwnd_round_end = as->snd_nxt;
		as->cwnd_limited = full;
	}
}

/*
 * Grow cwnd for @acked newly ACKed segments only while cwnd is what limits
 * the sender (the idea of RFC 7661's validated phase): a sender that the
 * application or the peer's window holds back learns nothing about the
 * path; in slow start it may still grow to twice what it had in flight.
 */
void atcp_cong_avoid(struct sock *sk, u32 acked)
{
	struct atcp_sock *as = atcp_sk(sk);

	if (!as->cwnd_limited &&
	    (as->cwnd >= as->ssthresh || as->cwnd >= 2 * as->max_packets_out))
		return;
	as->cc->cong_avoid(sk, acked);
}

/* ATCP_CONGESTION: switch algorithm; the window carries over. */
int atcp_cong_set(struct sock *sk, const char *name)
{
	const struct atcp_cong_ops *ops = atcp_cong_find(name);
	struct atcp_sock *as = atcp_sk(sk);

	if (!ops)
		return -ENOENT;
	as->cc = ops;
	as->cwnd_cnt = 0;
	ops->init(sk);
	return 0;
}
