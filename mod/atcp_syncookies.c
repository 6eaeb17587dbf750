// SPDX-License-Identifier: GPL-2.0
/*
 * atcp SYN cookies (RFC 4987 section 3.6).  When a listener's request
 * table is full, or always with net.atcp.syncookies = 2, the SYN-ACK's
 * sequence number encodes the connection and no request entry is kept;
 * the final ACK of the handshake proves it and the child is built from it.
 *
 * Our ISN, the cookie, has 32 bits:
 *   31-30  the 64-second period it was made in, modulo 4;
 *   29-0   30 bits of siphash(4-tuple, peer's ISN, period), XORed with the
 *          index of the MSS in atcp_cookie_mss[] (3 bits).
 * A cookie stays valid for ATCP_COOKIE_PERIODS periods, 2 to 3 minutes.
 * If the peer sent timestamps, the low 6 bits of our TSval carry its
 * window scale (15: none), its SACK permission (bit 4) and whether ECN was
 * agreed (bit 5), which the ACK echoes.  Without timestamps a cookie
 * connection has none of them, as with Linux TCP.
 */
#include <linux/siphash.h>
#include <net/sock.h>
#include "atcp.h"

#define ATCP_COOKIE_PERIOD_SHIFT	6	/* 64 s */
#define ATCP_COOKIE_PERIODS		3	/* the current one and two before */
#define ATCP_COOKIE_HASH_MASK		0x3fffffffU
#define ATCP_COOKIE_TS_BITS		6
#define ATCP_COOKIE_TS_MASK		((1U << ATCP_COOKIE_TS_BITS) - 1)
#define ATCP_COOKIE_NO_WSCALE		15
#define ATCP_COOKIE_SACK		0x10
#define ATCP_COOKIE_ECN			0x20

/* Eight MSS values a cookie can say; the peer gets the largest not above its own. */
static const u16 atcp_cookie_mss[] = { ATCP_MIN_MSS, 536, 1300, 1440, 1460, 4312, 8960, 65483 };

static siphash_key_t atcp_cookie_key __read_mostly;

struct atcp_cookie_input {
	__be32	laddr;
	__be32	raddr;
	__be16	lport;
	__be16	rport;
	u32	irs;
	u32	period;
};

static u32 atcp_cookie_hash(const struct atcp_ent *tuple, u32 irs, u32 period)
{
	struct atcp_cookie_input in = {
		.laddr = tuple->laddr, .raddr = tuple->raddr,
		.lport = tuple->lport, .rport = tuple->rport,
		.irs = irs, .period = period,
	};

	net_get_random_once(&atcp_cookie_key, sizeof(atcp_cookie_key));
	return (u32)siphash(&in, sizeof(in), &atcp_cookie_key);
}

static u32 atcp_cookie_period(void)
{
	return (u32)(ktime_get_seconds() >> ATCP_COOKIE_PERIOD_SHIFT);
}

/* The cookie for @req (addresses, irs and peer_mss set); lowers peer_mss to what it says. */
u32 atcp_cookie_make(struct atcp_request *req)
{
	u32 period = atcp_cookie_period();
	unsigned int idx;

	for (idx = ARRAY_SIZE(atcp_cookie_mss) - 1; idx > 0; idx--)
		if (req->peer_mss >= atcp_cookie_mss[idx])
			break;
	req->peer_mss = atcp_cookie_mss[idx];
	return (period << 30) |
	       ((atcp_cookie_hash(&req->ent, req->irs, period) ^ idx) & ATCP_COOKIE_HASH_MASK);
}

/* The MSS @cookie says for this 4-tuple and peer ISN, or 0 if it is not ours or too old. */
u16 atcp_cookie_check(const struct atcp_ent *tuple, u32 irs, u32 cookie)
{
	u32 now = atcp_cookie_period();
	unsigned int age;

	for (age = 0; age < ATCP_COOKIE_PERIODS; age++) {
		u32 period = now - age;
		u32 idx;

		if ((period & 3) != cookie >> 30)
			continue;
		idx = (cookie ^ atcp_cookie_hash(tuple, irs, period)) & ATCP_COOKIE_HASH_MASK;
		return idx < ARRAY_SIZE(atcp_cookie_mss) ? atcp_cookie_mss[idx] : 0;
	}
	return 0;
}

/* A timestamp offset the ACK's side can compute again: fixed per 4-tuple. */
u32 atcp_cookie_ts_off(const struct atcp_ent *tuple)
{
	return atcp_cookie_hash(tuple, 0, U32_MAX);
}

/* Our SYN-ACK's TSval: the clock, not ahead of it, with the options in its low bits. */
u32 atcp_cookie_tsval(const struct atcp_request *req)
{
	u32 now = atcp_ts_now() + req->ts_off;
	u32 opts = req->wscale_ok ? req->snd_wscale : ATCP_COOKIE_NO_WSCALE;
	u32 tsval;

	if (req->sack_ok)
		opts |= ATCP_COOKIE_SACK;
	if (req->ecn_ok)
		opts |= ATCP_COOKIE_ECN;
	tsval = (now & ~ATCP_COOKIE_TS_MASK) | opts;
	if (atcp_seq_after(tsval, now))
		tsval -= 1U << ATCP_COOKIE_TS_BITS;
	return tsval;
}

/* Recover the peer's options from the TSecr of its ACK; false if they make no sense. */
bool atcp_cookie_ts_opts(struct atcp_request *req, u32 tsecr)
{
	u32 wscale = tsecr & 0xf;

	if (tsecr & ATCP_COOKIE_TS_MASK & ~(0xfU | ATCP_COOKIE_SACK | ATCP_COOKIE_ECN))
		return false;
	if (wscale != ATCP_COOKIE_NO_WSCALE && wscale > ATCP_MAX_WSCALE)
		return false;
	req->wscale_ok = wscale != ATCP_COOKIE_NO_WSCALE;
	req->snd_wscale = req->wscale_ok ? wscale : 0;
	req->sack_ok = tsecr & ATCP_COOKIE_SACK;
	req->ecn_ok = tsecr & ATCP_COOKIE_ECN;
	return true;
}
