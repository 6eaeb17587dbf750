// SPDX-License-Identifier: GPL-2.0
/*
 * Segment fuzzer.  A raw socket in namespace A ("the peer", P) plays the
 * other end of connections of a real socket in namespace B (S): it makes the
 * handshakes and the closes itself, by hand, to drive S into every state
 * (LISTEN, SYN_SENT, SYN_RCVD, ESTABLISHED, FIN_WAIT1/2, CLOSING,
 * CLOSE_WAIT, LAST_ACK, TIME_WAIT: one test each), then throws bursts of
 * random and mutated segments at it: random flags, sequence and
 * acknowledgment numbers near and far from the window, every option with
 * good and bad lengths, SACK blocks in and out of range, timestamps ahead,
 * behind and across the wrap (P's clock starts just before 2^32 and jumps),
 * huge and zero windows, urgent pointers, reserved bits, truncated headers,
 * data offsets below 5 and beyond the segment, bad checksums.
 *
 * A's kernel has no socket for these connections: a tc filter on veth_a
 * lets out only the raw socket's packets (SO_MARK), so A never answers S
 * with a RST of its own.
 *
 * The oracle.  Every data byte P sends, in any segment, is the byte of P's
 * stream pattern at that sequence number, so whatever S accepts must
 * reassemble into the pattern.  The bursts leave out only the few segments
 * that may legitimately change the connection's state, and keep S's
 * rcv_nxt where it is (data only above it or entirely below it), so after
 * every burst the connection must still be in its state and work:
 *   - a RST is never at rcv_nxt (nor rcv_nxt - 1 after a FIN, nor among
 *     the data just above, where Linux accepts one at a SACK edge);
 *   - an acceptable FIN is never sent (a FIN rides only on segments that are
 *     dropped anyway: RST, SYN, no ACK, far out of the window);
 *   - no ACK covers S's SYN or FIN; in SYN_SENT no SYN without ACK
 *     (simultaneous open); in SYN_RCVD and TIME_WAIT no RST or SYN that
 *     RFC 9293 / Linux act on; segments at or below rcv_nxt carry P's
 *     current timestamp (they may become ts_recent).
 * After each burst P fills the hole above rcv_nxt with valid data; S's
 * application must read exactly the pattern up to the new rcv_nxt, which
 * S's ACK must confirm.  Where S may send, S writes and P checks every byte
 * against S's pattern.  Then the connection leaves its state the scripted
 * way (the SYN-ACK, the final ACK, the ACK of the FIN, ...) or, one time in
 * four, is killed by the one segment the rules name (RFC 9293 / RFC 5961:
 * a RST at rcv_nxt; in SYN_SENT a RST acking our SYN), and S must report it.
 *
 * Counters: InSegs of B grows by exactly the number of segments P sent
 * (TCP and atcp), InCsumErrors by exactly the number with a bad checksum
 * and a sound header (Linux TCP: at most that); for atcp InErrs at
 * least by those plus the truncated headers, bad data offsets and SYN+RST
 * (SYN+FIN passes the header check: full sockets take it), and
 * OutOfWindow + PAWSEstab (+ TSEcrRejected, at a request) at least by the
 * valid segments far outside the window, and with NoAckDrop at least by
 * those plus the in-window ones with none of ACK, SYN, RST in a
 * synchronized state ("valid": sound header, checksum and options).
 * Before each check P waits until B has taken in every segment it sent.
 *
 * Knobs: ATCP_FUZZ_SECS (default 10) seconds of fuzzing per variant, split
 * over the ten states; ATCP_FUZZ_SEED replays; ATCP_FUZZ_PROTO=atcp or tcp
 * runs one variant only; ATCP_FUZZ_STATES=established,close_wait only
 * those tests.  Long runs: see Documentation/testing.md.
 */
#include "atcp_lib.h"

#define LPORT		5700		/* S's listener */
#define FUZZ_PORT0	30000		/* sources of the segments at the listener */
#define FUZZ_MARK	0x253		/* SO_MARK of P's raw socket */
#define FILL		6000		/* data above rcv_nxt per burst, then filled */
#define FAR		(1U << 26)	/* beyond any window */
#define BURST		200		/* segments per burst */
#define BURSTS_PER_CONN	4
#define P_SEED		0x5e9a
#define S_SEED		0x5e9b
#define MAXPKT		70000
#define S_MAX		(1 << 18)	/* most of S's stream one connection moves */

static uint8_t s_have[S_MAX];		/* bytes of S's stream P got */

enum fstate {
	F_LISTEN, F_SYN_SENT, F_SYN_RCVD, F_ESTABLISHED, F_FIN_WAIT1, F_FIN_WAIT2,
	F_CLOSING, F_CLOSE_WAIT, F_LAST_ACK, F_TIME_WAIT, F_NR,
};

static const char *const fstate_names[F_NR] = {
	"LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2",
	"CLOSING", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT",
};

static const int fstate_tcp[F_NR] = {
	TCP_LISTEN, TCP_SYN_SENT, TCP_SYN_RECV, TCP_ESTABLISHED, TCP_FIN_WAIT1,
	TCP_FIN_WAIT2, TCP_CLOSING, TCP_CLOSE_WAIT, TCP_LAST_ACK, TCP_TIME_WAIT,
};

/* What P sent, by class (for the counters). */
struct fz_count {
	unsigned long sent;		/* every segment into B */
	unsigned long fuzzed;		/* of those, from bursts */
	unsigned long hdr_bad;		/* truncated, data offset < 5 or beyond */
	unsigned long syn_bad;		/* SYN with FIN or RST (atcp drops those) */
	unsigned long csum_bad;		/* header fine, checksum wrong */
	unsigned long csum_any;		/* checksum wrong, SYN+FIN/RST or not (TCP) */
	unsigned long far;		/* valid, far outside the window (sync states) */
	unsigned long noack;		/* valid, in a sync state, no ACK/SYN/RST */
	unsigned long kills, transitions, conns, bursts, send_errors;
};

struct fz {
	int proto, target;
	struct fuzz_rng r;
	int raw, lfd, s;
	uint16_t pport, sport;
	uint32_t paddr, saddr;
	/* P's side */
	uint32_t p_isn, r0;		/* r0: P's next sequence number = S's rcv_nxt */
	bool p_fin;			/* P's FIN sent (and accepted) */
	bool ts, sack, ws;
	uint8_t p_ws;
	uint16_t p_mss;
	uint32_t ts_cur;		/* P's timestamp clock */
	uint32_t ts_syn;		/* ... when P sent its SYN or SYN-ACK */
	/* S's side, as P saw it */
	bool s_isn_set;
	uint32_t s_isn, s_nxt;
	uint64_t s_rcvd;		/* S's stream received in order */
	bool s_fin_seen, ack_fin;	/* S sent its FIN; P acknowledges it */
	uint32_t s_fin;			/* sequence number of S's FIN */
	uint32_t s_ack, s_tsval;	/* last ack and timestamp from S */
	uint32_t s_syn_tsval;		/* timestamp of S's last SYN(-ACK) */
	bool s_ack_set;
	uint8_t s_ws;
	uint32_t s_win;			/* S's window, scaled */
	unsigned int s_rsts, s_segs;
	bool s_bad;			/* S sent bytes off its pattern */
	/* S's application */
	uint64_t app_rd, app_wr;
	uint32_t wseq[BURST];		/* in-window-ish ACK-bearing sequence numbers */
	unsigned int nwseq;
	long long insegs0;		/* B's InSegs before the test */
	struct fz_count c;
};

static bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

/* ------------------------------------------------------------ P's input */

/* The last segments of S, printed when its data is wrong. */
struct sseen {
	uint8_t flags;
	uint32_t seq, ack, len;
	uint16_t win;
	unsigned int when;	/* fuzzed segments sent before */
};
#define NRECENT 64
static struct sseen sseen[NRECENT];
static unsigned int nsseen, nrecent;
static void dump_recent(void);

static void dump_sseen(const struct fz *f)
{
	unsigned int i;

	for (i = nsseen > NRECENT ? nsseen - NRECENT : 0; i < nsseen; i++) {
		const struct sseen *ss = &sseen[i % NRECENT];

		fprintf(stderr, "#   S[%u] after fuzz %u: flags %#04x seq %u len %u ack %u win %u\n",
			i, ss->when, ss->flags, ss->seq - f->s_isn - 1, ss->len,
			ss->ack - f->p_isn - 1, ss->win);
	}
}

/* Process one packet seen by the raw socket if it belongs to the connection. */
static void fz_input(struct fz *f, const uint8_t *buf, ssize_t n)
{
	const struct iphdr *ip = (const struct iphdr *)buf;
	const struct tcphdr *th;
	const uint8_t *pl, *o;
	size_t ihl, doff, len, i;
	uint32_t seq;
	uint8_t fl;

	if (n < (ssize_t)sizeof(*ip))
		return;
	ihl = ip->ihl * 4;
	if (n < (ssize_t)(ihl + 20) || ip->saddr != f->saddr || ip->daddr != f->paddr)
		return;
	th = (const struct tcphdr *)(buf + ihl);
	doff = th->doff * 4;
	if (doff < 20 || ihl + doff > (size_t)n)
		return;
	if (ntohs(th->source) != f->sport || ntohs(th->dest) != f->pport)
		return;
	fl = buf[ihl + 13];
	seq = ntohl(th->seq);
	len = n - ihl - doff;
	pl = buf + ihl + doff;
	f->s_segs++;
	{
		struct sseen *ss = &sseen[nsseen++ % NRECENT];

		ss->flags = fl;
		ss->seq = ntohl(th->seq);
		ss->ack = ntohl(th->ack_seq);
		ss->len = len;
		ss->win = ntohs(th->window);
		ss->when = nrecent;
	}
	if (fl & SEG_RST) {
		f->s_rsts++;
		return;
	}
	/* options: timestamp to echo; window scale and timestamps of a SYN */
	o = buf + ihl + 20;
	for (i = 0; i + 1 < doff - 20;) {
		if (o[i] == 0)
			break;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (o[i + 1] < 2 || i + o[i + 1] > doff - 20)
			break;
		if (o[i] == 8 && o[i + 1] == 10) {
			memcpy(&f->s_tsval, o + i + 2, 4);
			f->s_tsval = ntohl(f->s_tsval);
			if (fl & SEG_SYN)
				f->s_syn_tsval = f->s_tsval;
		}
		if (o[i] == 3 && o[i + 1] == 3 && (fl & SEG_SYN))
			f->s_ws = o[i + 2] > 14 ? 14 : o[i + 2];
		i += o[i + 1];
	}
	if (fl & SEG_SYN) {
		if (!f->s_isn_set) {
			f->s_isn = seq;
			f->s_nxt = seq + 1;
			f->s_isn_set = true;
		}
		seq++;
	}
	if (!f->s_isn_set)
		return;
	if (fl & SEG_ACK) {
		if (!f->s_ack_set || seq_lt(f->s_ack, ntohl(th->ack_seq)))
			f->s_ack = ntohl(th->ack_seq);
		f->s_ack_set = true;
		f->s_win = (uint32_t)ntohs(th->window) << ((fl & SEG_SYN) ? 0 : f->s_ws);
	}
	if (len) {
		uint32_t off = seq - (f->s_isn + 1);

		if (pattern_check(pl, len, S_SEED, off) >= 0) {
			struct atcp_info ai;
			socklen_t alen = sizeof(ai);
			long long d, found = -1;

			/* where in S's stream do these bytes come from? */
			for (d = 0; d < (long long)f->app_wr && found < 0; d++)
				if (pattern_check(pl, len < 16 ? len : 16, S_SEED, d) < 0)
					found = d;
			fprintf(stderr, "# S sent bytes off its pattern at offset %u (seq %u, %zu "
				"bytes, flags %#x): they are S's bytes at offset %lld\n", off, seq, len,
				fl, found);
			if (f->proto == IPPROTO_ATCP && f->s >= 0 &&
			    !getsockopt(f->s, SOL_ATCP, ATCP_INFO, &ai, &alen))
				fprintf(stderr, "# S: snd_una %u snd_nxt %u (offsets), state %s\n",
					ai.snd_una - f->s_isn - 1, ai.snd_nxt - f->s_isn - 1,
					state_name(ai.state));
			if (!f->s_bad) {
				dump_recent();
				dump_sseen(f);
			}
			f->s_bad = true;
		}
		/* what P holds of S's stream, in order or not */
		if (off < S_MAX && len <= S_MAX - off) {
			memset(s_have + off, 1, len);
			while (f->s_rcvd < S_MAX && s_have[f->s_rcvd])
				f->s_rcvd++;
		}
	}
	if (seq_lt(f->s_nxt, seq + len + !!(fl & SEG_FIN)))
		f->s_nxt = seq + len + !!(fl & SEG_FIN);
	if ((fl & SEG_FIN) && !f->s_fin_seen) {
		f->s_fin_seen = true;
		f->s_fin = seq + len;
	}
}

/* Read everything the raw socket holds; returns the number of packets. */
static int fz_pump(struct fz *f)
{
	static uint8_t buf[MAXPKT];
	int count = 0;
	ssize_t n;

	while ((n = recv(f->raw, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		fz_input(f, buf, n);
		count++;
	}
	return count;
}

/* Wait (pumping) until @cond holds or @ms pass. */
#define FZ_WAIT(f, cond, ms) WAIT_UNTIL((fz_pump(f), (cond)), ms)

/* What P acknowledges: S's stream as received, and its FIN once allowed. */
static uint32_t fz_ack(const struct fz *f)
{
	uint32_t ack = f->s_isn + 1 + (uint32_t)f->s_rcvd;

	if (f->ack_fin && f->s_fin_seen && ack == f->s_fin)
		ack++;
	return ack;
}

/* ------------------------------------------------------------ P's output */

static int fz_xmit(struct fz *f, const uint8_t *buf, size_t len)
{
	int tries = 0;

	/* a full send buffer (the raw socket is non-blocking): wait for room */
	while (raw_send(f->raw, f->saddr, buf, len)) {
		if (errno != EAGAIN || ++tries > 100) {
			f->c.send_errors++;
			return -1;
		}
		poll_fd(f->raw, POLLOUT, 10);
	}
	f->c.sent++;
	return 0;
}

static size_t ts_opt(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
	o[0] = 1;
	o[1] = 1;
	o[2] = 8;
	o[3] = 10;
	tsval = htonl(tsval);
	tsecr = htonl(tsecr);
	memcpy(o + 4, &tsval, 4);
	memcpy(o + 8, &tsecr, 4);
	return 12;
}

/*
 * Build a segment of P: header with @opts, then @paylen bytes of P's
 * pattern at @seq (after the SYN's sequence number), right checksum.
 */
static size_t fz_build(const struct fz *f, uint8_t *buf, uint8_t flags, uint32_t seq,
		       uint32_t ack, uint16_t win, const uint8_t *opts, size_t optlen,
		       size_t paylen)
{
	struct tcphdr *th = (struct tcphdr *)buf;
	size_t hlen = 20 + optlen, pre = 0;
	int32_t off;

	memset(th, 0, 20);
	th->source = htons(f->pport);
	th->dest = htons(f->sport);
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->doff = hlen / 4;
	buf[13] = flags;
	th->window = htons(win);
	memcpy(buf + 20, opts, optlen);
	/* bytes before P's first sequence number are never delivered */
	off = seq + !!(flags & SEG_SYN) - (f->p_isn + 1);
	if (off < 0) {
		pre = (size_t)-(int64_t)off < paylen ? (size_t)-(int64_t)off : paylen;
		memset(buf + hlen, 0xee, pre);
		off = 0;
	}
	pattern_fill(buf + hlen + pre, paylen - pre, P_SEED, off);
	th->check = tcp_csum(f->paddr, f->saddr, buf, hlen + paylen);
	return hlen + paylen;
}

/* A valid segment of P at @seq with the current timestamp. */
static int fz_send(struct fz *f, uint8_t flags, uint32_t seq, uint32_t ack, size_t paylen)
{
	uint8_t buf[1600], opts[40];
	size_t optlen = 0;

	if (f->ts)
		optlen = ts_opt(opts, ++f->ts_cur, f->s_tsval);
	return fz_xmit(f, buf, fz_build(f, buf, flags, seq, ack, 65535, opts, optlen, paylen));
}

/* P's SYN or SYN-ACK with its (random, valid) options. */
static int fz_send_syn(struct fz *f, uint8_t flags, uint32_t ack)
{
	uint8_t buf[128], opts[40];
	size_t n = 0;

	opts[n++] = 2;
	opts[n++] = 4;
	opts[n++] = f->p_mss >> 8;
	opts[n++] = f->p_mss;
	if (f->sack) {
		opts[n++] = 1;
		opts[n++] = 1;
		opts[n++] = 4;
		opts[n++] = 2;
	}
	if (f->ts)
		n += ts_opt(opts + n, ++f->ts_cur, (flags & SEG_ACK) ? f->s_tsval : 0);
	f->ts_syn = f->ts_cur;
	if (f->ws) {
		opts[n++] = 1;
		opts[n++] = 3;
		opts[n++] = 3;
		opts[n++] = f->p_ws;
	}
	return fz_xmit(f, buf, fz_build(f, buf, flags, f->p_isn, ack, 65535, opts, n, 0));
}

/* ------------------------------------------------------------ S's application */

/* Read what S's socket holds (non-blocking), checking P's pattern. */
static int app_read(struct fz *f)
{
	static uint8_t buf[65536];
	ssize_t n;

	while ((n = recv(f->s, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		long long bad = pattern_check(buf, n, P_SEED, f->app_rd);

		if (bad >= 0) {
			fprintf(stderr, "# S read a byte off P's pattern at offset %lld\n", bad);
			return -1;
		}
		f->app_rd += n;
	}
	if (n == 0) {
		fprintf(stderr, "# S read EOF at offset %llu\n", (unsigned long long)f->app_rd);
		return -1;
	}
	if (errno != EAGAIN) {
		fprintf(stderr, "# S recv: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int app_write(struct fz *f, size_t len)
{
	uint8_t buf[8192];
	ssize_t n;

	if (len > sizeof(buf))
		len = sizeof(buf);
	pattern_fill(buf, len, S_SEED, f->app_wr);
	n = send(f->s, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n != (ssize_t)len) {
		fprintf(stderr, "# S send: %zd (%s)\n", n, n < 0 ? strerror(errno) : "short");
		return -1;
	}
	f->app_wr += len;
	return 0;
}

static int s_state(const struct fz *f)
{
	return sock_state(f->s);
}

static int expect_state(struct fz *f, int st)
{
	if (!FZ_WAIT(f, s_state(f) == st, SOON_MS)) {
		fprintf(stderr, "# S is %s (error %d), expected %s\n", state_name(s_state(f)),
			sock_error(f->s), state_name(st));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ connections */

static void fz_conn_reset(struct fz *f)
{
	f->s = -1;
	f->s_isn_set = f->s_ack_set = f->s_fin_seen = f->ack_fin = f->p_fin = false;
	f->s_rcvd = 0;
	memset(s_have, 0, sizeof(s_have));
	f->s_rsts = f->s_segs = 0;
	f->s_ws = 0;
	f->app_rd = f->app_wr = 0;
	f->pport = 40000 + (f->pport + 1 + frand_n(&f->r, 16)) % 20000;
	f->p_isn = frand(&f->r);
	f->r0 = f->p_isn + 1;
	f->ts = fchance(&f->r, 75);
	f->sack = fchance(&f->r, 75);
	f->ws = fchance(&f->r, 75);
	f->p_ws = frand_n(&f->r, 15);
	f->p_mss = 100 + frand_n(&f->r, 1361);
	raw_drain(f->raw);
}

static void fz_conn_close(struct fz *f)
{
	if (f->s >= 0)
		abort_fd(f->s);
	f->s = -1;
}

static void set_oobinline(int fd)
{
	set_int(fd, SOL_SOCKET, SO_OOBINLINE, 1);
}

/* S connects to P: S in SYN_SENT, P has its SYN. */
static int open_active_syn(struct fz *f)
{
	f->s = ns_socket(NS_B, f->proto);
	if (f->s < 0)
		return -1;
	set_oobinline(f->s);
	set_nonblock(f->s, true);
	f->sport = 0;
	if (connect_ns(f->s, NS_A, f->pport) == 0 || errno != EINPROGRESS) {
		fprintf(stderr, "# connect: %s\n", strerror(errno));
		return -1;
	}
	f->sport = local_port(f->s);
	if (!FZ_WAIT(f, f->s_isn_set, SOON_MS)) {
		fprintf(stderr, "# no SYN from S\n");
		return -1;
	}
	return 0;
}

/* SYN_SENT -> ESTABLISHED by P's SYN-ACK. */
static int syn_sent_complete(struct fz *f)
{
	fz_send_syn(f, SEG_SYN | SEG_ACK, f->s_isn + 1);
	f->r0 = f->p_isn + 1;
	if (expect_state(f, TCP_ESTABLISHED))
		return -1;
	set_nonblock(f->s, false);
	set_io_timeout(f->s, IO_TIMEOUT_MS);
	return FZ_WAIT(f, f->s_ack_set && f->s_ack == f->r0, SOON_MS) ? 0 : -1;
}

/* P connects to S's listener: a request in SYN_RCVD, P has the SYN-ACK. */
static int open_passive_syn(struct fz *f)
{
	f->sport = LPORT;
	fz_send_syn(f, SEG_SYN, 0);
	if (!FZ_WAIT(f, f->s_isn_set, SOON_MS)) {
		fprintf(stderr, "# no SYN-ACK from the listener\n");
		return -1;
	}
	f->r0 = f->p_isn + 1;
	return 0;
}

/* SYN_RCVD -> ESTABLISHED by P's ACK; S is the accepted socket. */
static int syn_rcvd_complete(struct fz *f)
{
	long long tsecr0 = ns_counter(NS_B, "netstat", "TcpExt", "TSEcrRejected");

	/*
	 * The final ACK echoes the SYN-ACK's timestamp, as a client answering
	 * the SYN-ACK does: the ACKs the request sent to the burst carry later
	 * ones, and Linux TCP after 6.12 (TSEcrRejected, in 7.2's headers and
	 * not 6.12's) drops a final ACK, or a RST, whose TSecr no SYN-ACK
	 * carried (7.2).
	 */
	f->s_tsval = f->s_syn_tsval;
	fz_send(f, SEG_ACK, f->r0, f->s_isn + 1, 0);
	if (poll_fd(f->lfd, POLLIN, SOON_MS) != POLLIN) {
		fprintf(stderr, "# nothing to accept (TSEcrRejected +%lld)\n",
			ns_counter(NS_B, "netstat", "TcpExt", "TSEcrRejected") - tsecr0);
		return -1;
	}
	f->s = accept(f->lfd, NULL, NULL);
	if (f->s < 0)
		return -1;
	set_oobinline(f->s);
	set_io_timeout(f->s, IO_TIMEOUT_MS);
	return expect_state(f, TCP_ESTABLISHED);
}

static int open_established(struct fz *f)
{
	if (fchance(&f->r, 50))
		return open_active_syn(f) || syn_sent_complete(f) ? -1 : 0;
	return open_passive_syn(f) || syn_rcvd_complete(f) ? -1 : 0;
}

/* P acknowledges everything S sent (and its FIN if allowed). */
static int p_ack_all(struct fz *f)
{
	fz_pump(f);
	return fz_send(f, SEG_ACK, f->r0, fz_ack(f), 0);
}

/* S writes @len bytes; P receives all of them, checks and acknowledges them. */
static int s_to_p(struct fz *f, size_t len)
{
	uint64_t acked;

	if (app_write(f, len))
		return -1;
	acked = f->s_rcvd;
	/* acknowledge as it arrives: S's window and cwnd may be small */
	if (!WAIT_UNTIL((fz_pump(f), f->s_rcvd > acked ? (acked = f->s_rcvd, p_ack_all(f)) : 0,
			 f->s_rcvd >= f->app_wr), IO_TIMEOUT_MS)) {
		fprintf(stderr, "# P got %llu of S's %llu bytes\n",
			(unsigned long long)f->s_rcvd, (unsigned long long)f->app_wr);
		return -1;
	}
	if (f->s_bad)
		return -1;
	return p_ack_all(f);
}

/* S's FIN (after shutdown) has reached P. */
static int s_shutdown(struct fz *f)
{
	if (shutdown(f->s, SHUT_WR))
		return -1;
	if (!FZ_WAIT(f, f->s_fin_seen, SOON_MS)) {
		fprintf(stderr, "# no FIN from S\n");
		return -1;
	}
	return 0;
}

/* P's FIN at r0, acknowledging what fz_ack() says. */
static int p_fin(struct fz *f)
{
	fz_pump(f);
	fz_send(f, SEG_FIN | SEG_ACK, f->r0, fz_ack(f), 0);
	f->r0++;
	f->p_fin = true;
	return 0;
}

/* Drive a new connection into the target state. */
static int fz_open(struct fz *f)
{
	switch (f->target) {
	case F_SYN_SENT:
		return open_active_syn(f);
	case F_SYN_RCVD:
		return open_passive_syn(f);
	case F_ESTABLISHED:
		if (open_established(f))
			return -1;
		/* data of S in flight, unacknowledged, for the ACKs and SACKs */
		set_int(f->s, sol(f->proto), TCP_NODELAY, 1);	/* no tail held back */
		if (s_to_p(f, 3000) || app_write(f, 800) ||
		    !FZ_WAIT(f, f->s_rcvd >= f->app_wr, IO_TIMEOUT_MS)) {
			fprintf(stderr, "# S's data did not arrive\n");
			return -1;
		}
		return 0;
	case F_FIN_WAIT1:
	case F_FIN_WAIT2:
	case F_CLOSING:
	case F_TIME_WAIT:
		if (open_established(f) || s_shutdown(f) || expect_state(f, TCP_FIN_WAIT1))
			return -1;
		if (f->target == F_FIN_WAIT1)
			return 0;
		if (f->target == F_CLOSING)
			return p_fin(f) || expect_state(f, TCP_CLOSING);
		f->ack_fin = true;
		if (p_ack_all(f) || expect_state(f, TCP_FIN_WAIT2))
			return -1;
		if (f->target == F_FIN_WAIT2)
			return 0;
		p_fin(f);
		if (!FZ_WAIT(f, state_done(s_state(f)) && f->s_ack == f->r0, SOON_MS)) {
			fprintf(stderr, "# S is %s after P's FIN\n", state_name(s_state(f)));
			return -1;
		}
		return 0;
	case F_CLOSE_WAIT:
	case F_LAST_ACK:
		if (open_established(f) || p_fin(f) || expect_state(f, TCP_CLOSE_WAIT))
			return -1;
		if (f->target == F_CLOSE_WAIT)
			return 0;
		return s_shutdown(f) || expect_state(f, TCP_LAST_ACK);
	}
	return -1;
}

/* ------------------------------------------------------------ the burst */

/* A random timestamp option; @safe: at or below rcv_nxt, P's clock only. */
static size_t fuzz_ts(struct fz *f, uint8_t *o, bool safe)
{
	uint32_t tsval = f->ts_cur, tsecr = f->s_tsval;

	if (!safe) {
		switch (frand_n(&f->r, 6)) {
		case 0:
			tsval += 1 + frand_n(&f->r, 0x7fffffff);	/* ahead */
			break;
		case 1:
			tsval -= (1U << 20) + frand_n(&f->r, 0x7fffffff - (1U << 20));
			break;
		case 2:
			tsval = frand(&f->r);
			break;
		case 3:
			tsval -= frand_n(&f->r, 4);		/* just behind */
			break;
		}
	}
	if (fchance(&f->r, 20))
		tsecr = fchance(&f->r, 50) ? 0 : (uint32_t)frand(&f->r);
	return ts_opt(o, tsval, tsecr);
}

static uint32_t near_edge(struct fz *f, uint32_t base)
{
	switch (frand_n(&f->r, 5)) {
	case 0:
		return base;
	case 1:
		return base + frand_n(&f->r, 3000);
	case 2:
		return base - frand_n(&f->r, 3000);
	case 3:
		return base + (fchance(&f->r, 50) ? FAR : -FAR) + frand(&f->r) % FAR;
	}
	return frand(&f->r);
}

/* One option of any kind, well or badly formed, into @o (room @room). */
static size_t fuzz_one_opt(struct fz *f, uint8_t *o, size_t room, bool safe)
{
	size_t n, i;

	if (room < 2)
		return 0;
	switch (frand_n(&f->r, 14)) {
	case 0:		/* SACK blocks around S's send window, or anywhere */
		n = 1 + frand_n(&f->r, 4);
		if (2 + 8 * n > room)
			n = (room - 2) / 8;
		if (!n)
			return 0;
		o[0] = 5;
		o[1] = 2 + 8 * n;
		for (i = 0; i < n; i++) {
			uint32_t a = near_edge(f, fchance(&f->r, 50) ? f->s_nxt : fz_ack(f));
			uint32_t b = fchance(&f->r, 70) ? a + frand_n(&f->r, 3000) : near_edge(f, a);

			a = htonl(a);
			b = htonl(b);
			memcpy(o + 2 + 8 * i, &a, 4);
			memcpy(o + 6 + 8 * i, &b, 4);
		}
		return o[1];
	case 1:		/* SACK with a bad length */
		n = 2 + frand_n(&f->r, room - 1);
		o[0] = 5;
		o[1] = fchance(&f->r, 80) ? n : frand_n(&f->r, 256);
		for (i = 2; i < n; i++)
			o[i] = frand(&f->r);
		return n;
	case 2:
		if (room < 12 || !f->ts)
			return 0;
		return fuzz_ts(f, o, safe);
	case 3:		/* timestamp with a bad length (but within the header) */
		n = 2 + frand_n(&f->r, room - 1 < 12 ? room - 1 : 12);
		o[0] = 8;
		o[1] = n;
		for (i = 2; i < n; i++)
			o[i] = safe ? 0 : frand(&f->r);
		return n;
	case 4:		/* MSS, good or bad length */
	case 5:		/* window scale */
	case 6:		/* SACK permitted */
		{
			static const uint8_t kinds[] = { 2, 3, 4 }, lens[] = { 4, 3, 2 };
			int k = frand_n(&f->r, 3);

			n = fchance(&f->r, 60) ? lens[k] : 2 + frand_n(&f->r, 6);
			if (n > room)
				n = room;
			o[0] = kinds[k];
			o[1] = n;
			for (i = 2; i < n; i++)
				o[i] = frand(&f->r);
			return n;
		}
	case 7:		/* length 0 or 1: malformed */
		o[0] = 2 + frand_n(&f->r, 30);
		o[1] = frand_n(&f->r, 2);
		return 2;
	case 8:		/* length beyond the option space */
		o[0] = frand_n(&f->r, 2) ? 5 : 8;
		o[1] = room + 1 + frand_n(&f->r, 40);
		return 2;
	case 9:		/* unknown kind */
		n = 2 + frand_n(&f->r, room - 1);
		o[0] = 9 + frand_n(&f->r, 246);
		o[1] = n;
		for (i = 2; i < n; i++)
			o[i] = frand(&f->r);
		return n;
	case 10:	/* end of list, then garbage */
		n = 1 + frand_n(&f->r, room);
		o[0] = 0;
		for (i = 1; i < n; i++)
			o[i] = frand(&f->r);
		return n;
	case 11:
		o[0] = 1;
		return 1;
	case 12:	/* random bytes */
		n = 1 + frand_n(&f->r, room);
		for (i = 0; i < n; i++)
			o[i] = frand(&f->r);
		return n;
	}
	if (room >= 12 && f->ts)
		return ts_opt(o, f->ts_cur, f->s_tsval);
	return 0;
}

/*
 * Walk @o as a receiver does (stopping where a malformed option ends the
 * list) and give every well-formed timestamp P's current clock: noise can
 * form one (a bad SACK length lands inside random bytes; a zero-filled
 * timestamp is "newer" while ts_cur is about to wrap), and a segment at or
 * below rcv_nxt may update ts_recent, after which PAWS drops P's valid
 * segments.
 */
static void ts_tame(struct fz *f, uint8_t *o, size_t len)
{
	size_t i = 0;

	while (i < len && o[i] != 0) {
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (len - i < 2 || o[i + 1] < 2 || o[i + 1] > len - i)
			return;
		if (o[i] == 8 && o[i + 1] == 10) {
			uint32_t tsval = htonl(f->ts_cur);

			memcpy(o + i + 2, &tsval, 4);
		}
		i += o[i + 1];
	}
}

/* Options of a fuzzed segment: a multiple of 4, at most 40 bytes. */
static size_t fuzz_opts(struct fz *f, uint8_t *o, bool safe)
{
	size_t len = 0, want;
	int r = frand_n(&f->r, 10);

	if (r < 2)
		return 0;
	if (r < 6) {	/* what a normal segment carries */
		if (f->ts)
			len = ts_opt(o, f->ts_cur, f->s_tsval);
		if (r == 5)
			len += fuzz_one_opt(f, o + len, 40 - len, safe);
	} else {
		want = 4 * (1 + frand_n(&f->r, 10));
		while (len < want) {
			size_t n = fuzz_one_opt(f, o + len, want - len, safe);

			if (!n)
				o[len++] = 1;
			len += n;
		}
		len = want;
	}
	while (len % 4)
		o[len++] = fchance(&f->r, 50) ? 1 : 0;
	if (len > 40)
		len = 40;
	if (safe)
		ts_tame(f, o, len);
	return len;
}

/* Sequence number of a fuzzed segment for the target state. */
static uint32_t fuzz_seq(struct fz *f)
{
	int r = frand_n(&f->r, 100);

	if (f->target == F_LISTEN || f->target == F_SYN_SENT)
		return r < 50 ? (uint32_t)frand(&f->r) : f->r0 + frand_n(&f->r, 2000) - 1000;
	if (r < 25)
		return f->r0;
	if (r < 55)
		return f->r0 + 1 + frand_n(&f->r, FILL - 1);
	if (r < 65)
		return f->r0 - 1 - frand_n(&f->r, 3000);
	if (r < 75)
		return f->r0 + FILL + frand_n(&f->r, 60000);
	if (r < 90)
		return f->r0 + (fchance(&f->r, 50) ? FAR : -FAR) + frand(&f->r) % (0x7fffffffU - FAR);
	return frand(&f->r);
}

static uint32_t fuzz_ackno(struct fz *f)
{
	int r = frand_n(&f->r, 100);

	if (r < 35)
		return f->s_nxt;
	if (r < 50)
		return f->s_isn + 1 + (uint32_t)f->s_rcvd;
	if (r < 60)
		return f->s_nxt - frand_n(&f->r, 4000);
	if (r < 70)
		return f->s_nxt + 1 + frand_n(&f->r, 1000);
	if (r < 80)
		return f->s_nxt - frand_n(&f->r, 200000);
	if (r < 90)
		return f->s_nxt + (fchance(&f->r, 50) ? FAR : -FAR) + frand(&f->r) % FAR;
	return frand(&f->r);
}

/* Is @seq (a segment of @len sequence numbers) far from r0 on both sides? */
static bool is_far(const struct fz *f, uint32_t seq, uint32_t len)
{
	int32_t d = seq - f->r0, e = seq + len - f->r0;

	return (d >= (int32_t)FAR && e >= (int32_t)FAR) ||
	       (d <= -(int32_t)FAR && e <= -(int32_t)FAR);
}

/* A segment the kernel drops before looking at it (header or checksum). */
struct mangle {
	int trunc;		/* >= 0: cut to this many bytes (< 20) */
	int doff;		/* 0, or a bad data offset */
	bool csum;		/* wrong checksum */
};

/*
 * Keep a segment that will be processed from changing S's state (the rules
 * of the file comment).  Adjusts @flags, @seq, @ack, @paylen.
 */
static void constrain(struct fz *f, uint8_t *flags, uint32_t *seq, uint32_t *ack,
		      size_t *paylen)
{
	uint8_t fl = *flags;
	uint32_t len = *paylen + !!(fl & SEG_SYN) + !!(fl & SEG_FIN);
	bool far = is_far(f, *seq, len);

	switch (f->target) {
	case F_LISTEN:
		return;
	case F_SYN_SENT:
		if ((fl & SEG_SYN) && !(fl & (SEG_ACK | SEG_RST)))
			fl |= SEG_ACK;
		if ((fl & SEG_ACK) && *ack == f->s_isn + 1)
			*ack += 1 + frand_n(&f->r, 1000);
		*flags = fl;
		return;
	case F_SYN_RCVD:
		if ((fl & SEG_ACK) && *ack == f->s_isn + 1)
			*ack += 1 + frand_n(&f->r, 1000);
		if ((fl & SEG_RST) && *seq == f->r0)
			*seq += 1 + frand_n(&f->r, 1000);
		/* no ACK: RST or SYN only far away, or the SYN again */
		if (!(fl & SEG_ACK) && (fl & (SEG_RST | SEG_SYN)) && !far &&
		    !((fl & SEG_SYN) && !(fl & SEG_RST) && *seq == f->p_isn))
			*seq = f->r0 + FAR + frand_n(&f->r, FAR);
		*flags = fl;
		return;
	case F_TIME_WAIT:
		if ((fl & SEG_RST) && *seq == f->r0)
			*seq += 1 + frand_n(&f->r, 1000);
		if ((fl & SEG_SYN) && !(fl & (SEG_ACK | SEG_RST)))
			fl |= SEG_ACK;
		*flags = fl;
		return;
	default:
		break;
	}
	/* synchronized states */
	if ((fl & SEG_RST) && !far && !seq_lt(*seq, f->r0 - 1) &&
	    seq_le(*seq, f->r0 + FILL + 2000))
		*seq = f->r0 + FILL + 2001 + frand_n(&f->r, 1000);
	if ((fl & SEG_FIN) && !(fl & (SEG_RST | SEG_SYN)) && (fl & SEG_ACK) && !far)
		fl &= ~SEG_FIN;
	len = *paylen + !!(fl & SEG_SYN) + !!(fl & SEG_FIN);
	if (len && !far && seq_le(*seq, f->r0) && seq_lt(f->r0, *seq + len)) {
		/* would move rcv_nxt: entirely old, or above it */
		if (fchance(&f->r, 50))
			*seq = f->r0 - len - frand_n(&f->r, 2000);
		else
			*seq = f->r0 + 1 + frand_n(&f->r, FILL / 2);
	}
	/* data above rcv_nxt stays within what the fill covers */
	if (*paylen && !far && seq_lt(f->r0, *seq) && seq_lt(*seq, f->r0 + FILL) &&
	    seq_lt(f->r0 + FILL, *seq + *paylen + !!(fl & SEG_SYN)))
		*paylen = f->r0 + FILL - *seq - !!(fl & SEG_SYN);
	if (*paylen && !far && !seq_lt(*seq, f->r0 + FILL) && seq_lt(*seq, f->r0 + FAR))
		*paylen = 0;
	/* the ACK of S's FIN moves FIN_WAIT1, CLOSING and LAST_ACK on */
	if ((fl & SEG_ACK) && f->s_fin_seen && !f->ack_fin && *ack == f->s_fin + 1)
		*ack += 1 + frand_n(&f->r, 1000);
	*flags = fl;
}

/* The last fuzzed segments, printed when a check fails. */
struct recent {
	uint8_t flags;
	int32_t dseq, dack;	/* to r0 and to S's snd_nxt */
	uint16_t paylen, optlen, win;
	int8_t trunc, doff;
	bool csum;
	uint8_t opts[40];
};
static struct recent recent[NRECENT];

static void dump_recent(void)
{
	unsigned int i, j;

	for (i = nrecent > NRECENT ? nrecent - NRECENT : 0; i < nrecent; i++) {
		const struct recent *r = &recent[i % NRECENT];
		char o[128] = "";

		for (j = 0; j < r->optlen && j < 40; j++)
			snprintf(o + strlen(o), sizeof(o) - strlen(o), "%02x", r->opts[j]);
		fprintf(stderr, "#   fuzz[%u] flags %#04x seq r0%+d ack snd_nxt%+d len %u win %u "
			"trunc %d doff %d csum %d opts %s\n", i, r->flags, r->dseq, r->dack,
			r->paylen, r->win, r->trunc, r->doff, r->csum, o);
	}
}

/* Build, mangle and send one fuzzed segment. */
/*
 * Options atcp refuses (InErrs): one that does not fit, or a length below
 * 2.  Linux TCP stops parsing there and takes the segment.
 */
static bool opts_malformed(const uint8_t *o, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (o[i] == 0)
			return false;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (len - i < 2 || o[i + 1] < 2 || o[i + 1] > len - i)
			return true;
		i += o[i + 1];
	}
	return false;
}

static void fuzz_one(struct fz *f)
{
	uint8_t buf[1600], opts[40];
	uint8_t fl = 0;
	uint32_t seq, ack;
	uint16_t win;
	size_t optlen, paylen, len;
	struct mangle m = { .trunc = -1 };
	bool safe, sync = f->target >= F_ESTABLISHED && f->target != F_TIME_WAIT;
	struct tcphdr *th = (struct tcphdr *)buf;
	int r;

	/* flags */
	if (fchance(&f->r, 90))
		fl |= SEG_ACK;
	if (fchance(&f->r, 30))
		fl |= SEG_PSH;
	if (fchance(&f->r, f->target == F_LISTEN ? 40 : 5))
		fl |= SEG_SYN;
	if (fchance(&f->r, 7))
		fl |= SEG_RST;
	if (fchance(&f->r, 8))
		fl |= SEG_FIN;
	if (fchance(&f->r, 5))
		fl |= 0x20;	/* URG */
	if (fchance(&f->r, 4))
		fl |= 0xc0;	/* ECE, CWR */
	if (fchance(&f->r, 3))
		fl = frand(&f->r);
	seq = fuzz_seq(f);
	ack = fuzz_ackno(f);
	r = frand_n(&f->r, 100);
	paylen = r < 50 ? 0 : r < 85 ? 1 + frand_n(&f->r, 200) : 200 + frand_n(&f->r, 1200);
	r = frand_n(&f->r, 10);
	win = r < 6 ? 65535 : r < 7 ? 0 : r < 8 ? 1 + frand_n(&f->r, 100) : frand(&f->r);

	/* mangling decided first: such segments need no care */
	r = frand_n(&f->r, 100);
	if (r < 3)
		m.trunc = frand_n(&f->r, 20);
	else if (r < 7)
		m.doff = 1;	/* chosen once the length is known */
	else if (r < 12)
		m.csum = true;
	if (m.trunc < 0 && !m.doff && !m.csum)
		constrain(f, &fl, &seq, &ack, &paylen);

	safe = f->target == F_SYN_RCVD || seq_le(seq, f->r0) ||
	       (f->target == F_TIME_WAIT);
	optlen = fuzz_opts(f, opts, safe);
	if (20 + optlen + paylen > 1480)
		paylen = 1480 - 20 - optlen;
	len = fz_build(f, buf, fl, seq, ack, win, opts, optlen, paylen);
	if (fchance(&f->r, 5))
		buf[12] |= frand_n(&f->r, 16);	/* reserved bits */
	if (fchance(&f->r, 10))
		th->urg_ptr = frand(&f->r);
	th->check = 0;
	th->check = tcp_csum(f->paddr, f->saddr, buf, len);
	if (m.doff) {
		m.doff = len >= 60 || fchance(&f->r, 50) ? (int)frand_n(&f->r, 5)
							  : (int)(len / 4 + 1 + frand_n(&f->r, 15 - len / 4));
		if (m.doff > 15)
			m.doff = 15;
		buf[12] = (buf[12] & 0x0f) | m.doff << 4;
		th->check = 0;
		th->check = tcp_csum(f->paddr, f->saddr, buf, len);
	}
	if (m.csum)
		th->check ^= htons(0x5a5a);
	if (m.trunc >= 0)
		len = m.trunc;

	if (fz_xmit(f, buf, len))
		return;
	{
		struct recent *rc = &recent[nrecent++ % NRECENT];

		rc->flags = fl;
		rc->dseq = seq - f->r0;
		rc->dack = ack - f->s_nxt;
		rc->paylen = paylen;
		rc->optlen = optlen;
		rc->win = win;
		rc->trunc = m.trunc;
		rc->doff = m.doff;
		rc->csum = m.csum;
		memcpy(rc->opts, opts, optlen);
	}
	/* classes, as atcp_v4_rcv() sees them */
	f->c.fuzzed++;
	if (m.trunc >= 0 || m.doff)
		f->c.hdr_bad++;
	else if ((fl & SEG_SYN) && (fl & SEG_RST))
		f->c.syn_bad++;
	else if (m.csum)
		f->c.csum_bad++;
	if (m.trunc >= 0 || m.doff)
		;	/* dropped before any state is looked at */
	else if (m.csum)
		f->c.csum_any++;
	else if ((fl & SEG_SYN) && (fl & SEG_RST))
		;	/* InErrs, before the state too */
	else if (opts_malformed(opts, optlen))
		;	/* InErrs, before PAWS and the window */
	else if (sync && is_far(f, seq, paylen + !!(fl & SEG_SYN) + !!(fl & SEG_FIN)))
		f->c.far++;
	else if (sync && !(fl & (SEG_ACK | SEG_SYN | SEG_RST)))
		f->c.noack++;

	/* the furthest in-window ACK-bearing segment, for the window fix */
	if (m.trunc < 0 && !m.doff && !m.csum && (fl & SEG_ACK) && !(fl & (SEG_RST | SEG_SYN)) &&
	    seq_lt(f->r0, seq) && seq_lt(seq, f->r0 + FAR) && f->nwseq < BURST)
		f->wseq[f->nwseq++] = seq;
}

/* InSegs of B: every segment that reached S's stack. */
static long long fz_insegs(const struct fz *f)
{
	if (f->proto == IPPROTO_ATCP)
		return atcp_counter(NS_B, "InSegs");
	return ns_counter(NS_B, "snmp", "Tcp", "InSegs");
}

/*
 * Wait until B has taken in every segment P sent: the checks after a burst
 * judge S by what the burst did, and an ACK of data S had not sent yet when
 * P sent it must not meet that data on arrival (P would then be acking
 * bytes it may not have, and could not check S's stream).
 */
static void fz_sync(struct fz *f)
{
	if (!WAIT_UNTIL(fz_insegs(f) - f->insegs0 >= (long long)f->c.sent, SOON_MS))
		fprintf(stderr, "# B took in %lld of %lu segments\n", fz_insegs(f) - f->insegs0,
			f->c.sent);
	fz_pump(f);
}

/* One burst; P's clock sometimes jumps far ahead (and wraps). */
static void fuzz_burst(struct fz *f, int n)
{
	int i;

	f->nwseq = 0;
	if (fchance(&f->r, 25)) {
		f->ts_cur += frand_n(&f->r, 1U << 30);
		/*
		 * A request keeps the SYN's timestamp as ts_recent (nothing
		 * updates it before the final ACK): a clock 2^31 ahead of it
		 * looks behind, and PAWS rightly drops the final ACK.
		 */
		if (f->target == F_SYN_RCVD && f->ts_cur - f->ts_syn >= 1U << 30)
			f->ts_cur = f->ts_syn + (1U << 30) - 1;
	}
	for (i = 0; i < n; i++) {
		fuzz_one(f);
		if (!(i % 32))
			fz_pump(f);
	}
	f->c.bursts++;
	fz_sync(f);
}

/* ------------------------------------------------------------ checks */

/*
 * P fills [r0 - a little, r0 + FILL) with valid data; S's application must
 * read the pattern up to exactly the rcv_nxt S then acknowledges.
 */
static int fill_and_read(struct fz *f)
{
	uint32_t seq = f->r0 - (fchance(&f->r, 30) ? frand_n(&f->r, 100) : 0);
	uint32_t end = f->r0 + FILL;
	uint32_t chunk = f->p_mss < 1400 ? f->p_mss : 1400;

	fz_pump(f);
	while (seq_lt(seq, end)) {
		uint32_t n = end - seq < chunk ? end - seq : chunk;

		if (f->ts && n > chunk - 12)
			n = chunk - 12;
		fz_send(f, SEG_ACK | SEG_PSH, seq, fz_ack(f), n);
		seq += n;
	}
	if (!FZ_WAIT(f, f->s_ack_set && !seq_lt(f->s_ack, end), IO_TIMEOUT_MS)) {
		fprintf(stderr, "# S acknowledges %u, filled up to %u (S is %s)\n",
			f->s_ack - f->p_isn - 1, end - f->p_isn - 1, state_name(s_state(f)));
		return -1;
	}
	if (!WAIT_UNTIL(app_read(f) || f->app_rd >= (uint32_t)(end - f->p_isn - 1), SOON_MS))
		return -1;
	if (app_read(f))
		return -1;
	f->r0 = f->p_isn + 1 + f->app_rd;
	if (!FZ_WAIT(f, f->s_ack == f->r0, SOON_MS)) {
		fprintf(stderr, "# S read up to %u, acknowledges %u\n",
			f->r0 - f->p_isn - 1, f->s_ack - f->p_isn - 1);
		return -1;
	}
	return 0;
}

/*
 * A pure ACK at the furthest sequence number an accepted burst segment
 * had, window 65535: the window updates again (RFC 9293 SND.WL1 rule),
 * whatever window the burst left S with.
 */
static int cmp_desc(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x == y ? 0 : seq_lt(x, y) ? 1 : -1;
}

static void window_fix(struct fz *f)
{
	unsigned int i;

	/*
	 * Which of them S took is unknown (its window edge moves): from the
	 * furthest down, the first one S takes sets the window.
	 */
	qsort(f->wseq, f->nwseq, sizeof(f->wseq[0]), cmp_desc);
	for (i = 0; i < f->nwseq; i++)
		if (!i || f->wseq[i] != f->wseq[i - 1])
			fz_send(f, SEG_ACK, f->wseq[i], fz_ack(f), 0);
	fz_send(f, SEG_ACK, f->r0, fz_ack(f), 0);
	f->nwseq = 0;
}

/* A fresh handshake from P completes at the listener and carries data. */
static int listener_works(struct fz *f)
{
	int child;

	while ((child = accept4(f->lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0)
		abort_fd(child);	/* children of lucky fuzzed handshakes */
	fz_conn_reset(f);
	if (open_passive_syn(f) || syn_rcvd_complete(f))
		return -1;
	if (fill_and_read(f) || s_to_p(f, 1000))
		return -1;
	fz_conn_close(f);
	f->sport = LPORT;
	return 0;
}

/* The TIME_WAIT entry answers P's FIN again with the right ACK. */
static int time_wait_works(struct fz *f)
{
	f->s_ack_set = false;
	fz_send(f, SEG_FIN | SEG_ACK, f->r0 - 1, fz_ack(f), 0);
	if (!FZ_WAIT(f, f->s_ack_set && f->s_ack == f->r0, SOON_MS)) {
		fprintf(stderr, "# TIME_WAIT did not acknowledge the FIN again\n");
		return -1;
	}
	if (proc_count(NS_B, f->proto, TCP_TIME_WAIT, f->sport, f->pport) != 1) {
		fprintf(stderr, "# no TIME_WAIT entry\n");
		return -1;
	}
	return 0;
}

/* After a burst: still in the state, still working. */
static int fz_check(struct fz *f)
{
	int st = fstate_tcp[f->target];

	fz_pump(f);
	switch (f->target) {
	case F_LISTEN:
		return listener_works(f);
	case F_SYN_RCVD:
		if (proc_count(NS_B, f->proto, TCP_SYN_RECV, LPORT, f->pport) != 1) {
			fprintf(stderr, "# the request is gone\n");
			return -1;
		}
		return 0;
	case F_TIME_WAIT:
		return time_wait_works(f);
	default:
		break;
	}
	if (f->proto == IPPROTO_ATCP) {
		struct atcp_info ai;
		socklen_t alen = sizeof(ai);

		if (!getsockopt(f->s, SOL_ATCP, ATCP_INFO, &ai, &alen) &&
		    (ai.snd_nxt != f->s_nxt || seq_lt(ai.snd_nxt, ai.snd_una) ||
		     ai.snd_nxt - f->s_isn - 1 > f->app_wr + f->s_fin_seen)) {
			fprintf(stderr, "# S's snd_nxt is %+d from what it sent (snd_una %+d), "
				"offset %u, S wrote %llu\n",
				(int)(ai.snd_nxt - f->s_nxt), (int)(ai.snd_una - f->s_nxt),
				ai.snd_nxt - f->s_isn - 1, (unsigned long long)f->app_wr);
			dump_recent();
			return -1;
		}
	}
	if (s_state(f) != st || sock_error(f->s)) {
		fprintf(stderr, "# S is %s (error %d), expected %s\n", state_name(s_state(f)),
			sock_error(f->s), state_name(st));
		return -1;
	}
	window_fix(f);
	switch (f->target) {
	case F_ESTABLISHED:
		return fill_and_read(f) || s_to_p(f, 1 + frand_n(&f->r, 4000));
	case F_FIN_WAIT1:
	case F_FIN_WAIT2:
		return fill_and_read(f);
	case F_CLOSE_WAIT:
		return s_to_p(f, 1 + frand_n(&f->r, 4000));
	}
	return 0;
}

/* Leave the state the scripted way. */
static int fz_transition(struct fz *f)
{
	f->c.transitions++;
	switch (f->target) {
	case F_SYN_SENT:
		return syn_sent_complete(f) || fill_and_read(f) || s_to_p(f, 1000);
	case F_SYN_RCVD:
		return syn_rcvd_complete(f) || fill_and_read(f) || s_to_p(f, 1000);
	case F_ESTABLISHED:
		return p_fin(f) || expect_state(f, TCP_CLOSE_WAIT);
	case F_FIN_WAIT1:
		f->ack_fin = true;
		return p_ack_all(f) || expect_state(f, TCP_FIN_WAIT2);
	case F_FIN_WAIT2:
	case F_CLOSING:
		if (f->target == F_FIN_WAIT2)
			p_fin(f);
		f->ack_fin = true;
		p_ack_all(f);
		if (!FZ_WAIT(f, state_done(s_state(f)), SOON_MS) ||
		    !WAIT_UNTIL(proc_count(NS_B, f->proto, TCP_TIME_WAIT, f->sport, f->pport) == 1,
				SOON_MS)) {
			fprintf(stderr, "# no TIME_WAIT: S is %s\n", state_name(s_state(f)));
			return -1;
		}
		return 0;
	case F_CLOSE_WAIT:
		return s_shutdown(f) || expect_state(f, TCP_LAST_ACK);
	case F_LAST_ACK:
		f->ack_fin = true;
		p_ack_all(f);
		if (expect_state(f, TCP_CLOSE) || sock_error(f->s)) {
			fprintf(stderr, "# LAST_ACK closed with error %d\n", sock_error(f->s));
			return -1;
		}
		return 0;
	}
	return 0;
}

/* Kill the connection with the one segment the rules name; S must report it. */
static int fz_kill(struct fz *f)
{
	int want = ECONNRESET;

	f->c.kills++;
	fz_pump(f);
	switch (f->target) {
	case F_SYN_SENT:
		/* RFC 9293 3.10.7.3: RST with an acceptable ACK */
		fz_send(f, SEG_RST | SEG_ACK, frand(&f->r), f->s_isn + 1, 0);
		want = ECONNREFUSED;
		break;
	case F_SYN_RCVD:
		f->s_tsval = f->s_syn_tsval;	/* as for the final ACK */
		fz_send(f, SEG_RST, f->r0, 0, 0);
		if (!WAIT_UNTIL(proc_count(NS_B, f->proto, TCP_SYN_RECV, LPORT, f->pport) == 0,
				SOON_MS)) {
			fprintf(stderr, "# RST at rcv_nxt left the request\n");
			return -1;
		}
		return 0;
	case F_TIME_WAIT:
		fz_send(f, SEG_RST, f->r0, 0, 0);
		if (!WAIT_UNTIL(proc_count(NS_B, f->proto, TCP_TIME_WAIT, f->sport, f->pport) == 0,
				SOON_MS)) {
			fprintf(stderr, "# RST at rcv_nxt left TIME_WAIT\n");
			return -1;
		}
		return 0;
	case F_CLOSE_WAIT:
		want = EPIPE;
		/* fall through */
	default:
		/* RFC 5961 3.2: RST exactly at rcv_nxt */
		fz_send(f, SEG_RST | (fchance(&f->r, 50) ? SEG_ACK : 0), f->r0, fz_ack(f), 0);
		break;
	}
	if (!WAIT_UNTIL(s_state(f) == TCP_CLOSE, SOON_MS) || sock_error(f->s) != want) {
		fprintf(stderr, "# after the RST S is %s, error %d (want %d)\n",
			state_name(s_state(f)), sock_error(f->s), want);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ fixture */

FIXTURE(fz) {
	struct fz f;
};

PROTO_VARIANTS(fz);

FIXTURE_SETUP(fz)
{
	const char *only = getenv("ATCP_FUZZ_PROTO");
	struct fz *f = &self->f;

	memset(f, 0, sizeof(*f));
	f->raw = f->lfd = f->s = -1;
	if (only && *only && strcmp(only, proto_name(variant->proto)))
		SKIP_SETUP("ATCP_FUZZ_PROTO=%s", only);
	only = getenv("ATCP_FUZZ_STATES");
	if (only && *only && !strstr(only, _metadata->name))
		SKIP_SETUP("ATCP_FUZZ_STATES=%s", only);
	NET_SETUP(variant->proto);
	f->proto = variant->proto;
	f->paddr = ns_inaddr(NS_A);
	f->saddr = ns_inaddr(NS_B);
	/* only the raw socket's packets leave A: A's kernel answers nothing */
	ASSERT_EQ(0, ns_sh(NS_A, "tc qdisc add dev %1$s clsact && "
			   "tc filter add dev %1$s egress prio 1 handle 0x%2$x fw action ok && "
			   "tc filter add dev %1$s egress prio 2 u32 match ip protocol %3$d 0xff "
			   "action drop", DEV_A, FUZZ_MARK, variant->proto));
	f->raw = raw_open(NS_A, variant->proto);
	ASSERT_LE(0, f->raw);
	ASSERT_EQ(0, set_int(f->raw, SOL_SOCKET, SO_MARK, FUZZ_MARK));
	set_int(f->raw, SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20);
	set_int(f->raw, SOL_SOCKET, SO_SNDBUFFORCE, 8 << 20);
	/* TIME_WAIT outlives the test's bursts; SYN retries outlive them too */
	if (variant->proto == IPPROTO_ATCP)
		ASSERT_EQ(0, ns_sysctl_set_int(NS_B, "net/atcp/msl_ms", 60000));
	f->lfd = ns_listen(NS_B, variant->proto, LPORT, 16);
	ASSERT_LE(0, f->lfd);
	set_oobinline(f->lfd);
	set_nonblock(f->lfd, true);	/* accept() after poll(), or to drain */
}

FIXTURE_TEARDOWN(fz)
{
	fz_conn_close(&self->f);
	if (self->f.lfd >= 0)
		close(self->f.lfd);
	if (self->f.raw >= 0)
		close(self->f.raw);
	net_teardown();
}

static const char *const ctr_names[] = {
	"InSegs", "InErrs", "InCsumErrors", "OutOfWindow", "PAWSEstab", "ChallengeACK",
	"TSEcrRejected", "NoAckDrop",
};
#define NCTR (sizeof(ctr_names) / sizeof(ctr_names[0]))

static void read_ctrs(int proto, long long *v)
{
	unsigned int i;

	for (i = 0; i < NCTR; i++) {
		if (proto == IPPROTO_ATCP)
			v[i] = atcp_counter(NS_B, ctr_names[i]);
		else if (i < 3)
			v[i] = ns_counter(NS_B, "snmp", "Tcp", ctr_names[i]);
		else
			v[i] = 0;
	}
}

static void run_state(struct __test_metadata *_metadata, FIXTURE_DATA(fz) *self, int proto,
		      int target)
{
	struct fz *f = &self->f;
	long long c0[NCTR], c1[NCTR];
	char salt[64];
	long deadline, start;
	unsigned int i;

	snprintf(salt, sizeof(salt), "%s/%s", fstate_names[target], proto_name(proto));
	frng_init(&f->r, fuzz_seed(), salt);
	f->target = target;
	f->ts_cur = 0xffffffffU - frand_n(&f->r, 5000);	/* wraps soon */
	f->pport = frand_n(&f->r, 20000);
	start = now_ms();
	deadline = start + (long)(fuzz_secs(10) * 1000 / F_NR);
	read_ctrs(proto, c0);
	f->insegs0 = c0[0];

	do {
		int b;

		fz_conn_reset(f);
		f->c.conns++;
		if (target == F_LISTEN) {
			f->sport = LPORT;
		} else {
			ASSERT_EQ(0, fz_open(f))
				TH_LOG("could not reach %s (connection %lu)", fstate_names[target],
				       f->c.conns);
		}
		for (b = 0; b < BURSTS_PER_CONN && (b == 0 || now_ms() < deadline); b++) {
			if (target == F_LISTEN)
				f->pport = FUZZ_PORT0 + frand_n(&f->r, 64);
			fuzz_burst(f, BURST);
			ASSERT_EQ(0, fz_check(f))
				TH_LOG("%s: connection %lu, burst %d: no longer in its state or "
				       "working", fstate_names[target], f->c.conns, b);
		}
		if (target != F_LISTEN) {
			if (fchance(&f->r, 25)) {
				ASSERT_EQ(0, fz_kill(f))
					TH_LOG("%s: the named reset did not work",
					       fstate_names[target]);
			} else {
				ASSERT_EQ(0, fz_transition(f))
					TH_LOG("%s: could not leave the state",
					       fstate_names[target]);
			}
		}
		fz_conn_close(f);
	} while (now_ms() < deadline);

	/* every segment reached B and was counted */
	WAIT_UNTIL((read_ctrs(proto, c1), c1[0] - c0[0] >= (long long)f->c.sent), SOON_MS);
	sleep_ms(50);
	read_ctrs(proto, c1);
	if (f->c.send_errors)
		printf("# %lu segments could not be sent (%s)\n", f->c.send_errors, strerror(errno));
	printf("# %s %s: %lu connections, %lu bursts, %lu segments sent (%lu fuzzed: "
	       "%lu bad header, %lu SYN+FIN/RST, %lu bad checksum, %lu far, %lu without ACK); "
	       "%lu transitions, %lu resets\n", proto_name(proto), fstate_names[target],
	       f->c.conns, f->c.bursts, f->c.sent, f->c.fuzzed, f->c.hdr_bad, f->c.syn_bad,
	       f->c.csum_bad, f->c.far, f->c.noack, f->c.transitions, f->c.kills);
	printf("#");
	for (i = 0; i < NCTR; i++)
		printf(" %s +%lld", ctr_names[i], c1[i] - c0[i]);
	printf(" (%.1f s)\n", (now_ms() - start) / 1000.0);
	ASSERT_EQ((long long)f->c.sent, c1[0] - c0[0]) TH_LOG("InSegs");
	if (proto == IPPROTO_ATCP) {
		ASSERT_EQ((long long)f->c.csum_bad, c1[2] - c0[2]) TH_LOG("InCsumErrors");
		ASSERT_LE((long long)(f->c.hdr_bad + f->c.syn_bad + f->c.csum_bad), c1[1] - c0[1])
			TH_LOG("InErrs");
		ASSERT_LE((long long)f->c.far, c1[3] - c0[3] + c1[4] - c0[4] + c1[6] - c0[6])
			TH_LOG("OutOfWindow + PAWSDrops + TSEcrRejected");
		/* in window without ACK: NoAckDrop, or dropped first by PAWS */
		ASSERT_LE((long long)(f->c.far + f->c.noack),
			  c1[3] - c0[3] + c1[4] - c0[4] + c1[6] - c0[6] + c1[7] - c0[7])
			TH_LOG("OutOfWindow + PAWSDrops + TSEcrRejected + NoAckDrop");
		/* and only those: in a synchronized state every other segment has ACK */
		if (target >= F_ESTABLISHED && target != F_TIME_WAIT)
			ASSERT_LE(c1[7] - c0[7], (long long)f->c.noack) TH_LOG("NoAckDrop");
	} else {
		/*
		 * Linux verifies the checksum on each path, and a path may drop
		 * a segment before it gets there (rarely: one in ~400 once):
		 * never more than the bad ones.
		 */
		ASSERT_GE((long long)f->c.csum_any, c1[2] - c0[2]) TH_LOG("InCsumErrors");
	}
}

#define FUZZ_STATE(name, st)						\
	TEST_F_TIMEOUT(fz, name, 36000)					\
	{								\
		run_state(_metadata, self, variant->proto, st);		\
	}

FUZZ_STATE(listen, F_LISTEN)
FUZZ_STATE(syn_sent, F_SYN_SENT)
FUZZ_STATE(syn_rcvd, F_SYN_RCVD)
FUZZ_STATE(established, F_ESTABLISHED)
FUZZ_STATE(fin_wait1, F_FIN_WAIT1)
FUZZ_STATE(fin_wait2, F_FIN_WAIT2)
FUZZ_STATE(closing, F_CLOSING)
FUZZ_STATE(close_wait, F_CLOSE_WAIT)
FUZZ_STATE(last_ack, F_LAST_ACK)
FUZZ_STATE(time_wait, F_TIME_WAIT)

TEST_HARNESS_MAIN
