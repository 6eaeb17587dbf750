// SPDX-License-Identifier: GPL-2.0
/*
 * atcp trace: sequence diagrams of live atcp connections.
 *
 * Records atcp's trace events (atcp:atcp_segment, atcp:atcp_state) in a
 * tracefs instance of its own, groups them by connection and draws each
 * connection as two columns, one per end, with an arrow per segment and
 * each end's state written where it changes.  Text, JSON (-j) or SVG.
 * A pcap capture (--pcap) is the other source: segments only, no states.
 * See atcp(8) and Documentation/observing.md.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atcp_sysfs.h"
#include "atcp_tool.h"

/* ------------------------------------------------------------ model */

enum { EV_SEG_OUT, EV_SEG_IN, EV_STATE };

#define F_FIN	0x01
#define F_SYN	0x02
#define F_RST	0x04
#define F_PSH	0x08
#define F_ACK	0x10

struct tev {
	double t;			/* seconds, the trace clock */
	int type;			/* EV_* */
	uint32_t saddr, daddr;		/* network order; state: local, remote */
	uint16_t sport, dport;
	/* segment */
	uint8_t flags;
	uint32_t seq, ack, len, win, tsval;
	unsigned int mss, wscale;
	char opts[48];
	char state[16];			/* the local end's, as the event says */
	/* state */
	char kind[12], old[16], new[16], cause[12];
};

struct end {
	uint32_t addr;
	uint16_t port;
	bool traced;			/* some event came from this end's host stack */
	bool closed;
	bool syn_seen;
	uint32_t isn;
	bool isn_set;
	int wscale;			/* -1: no window scale option in its SYN */
};

struct arrow {
	int from;			/* end index */
	double t_sent, t_recv;		/* NAN: not seen */
	int row_sent, row_recv;		/* -1: not seen */
	const struct tev *ev;		/* the event that describes it */
	char state_sender[16], state_receiver[16];
};

struct row {
	double t;
	int type;			/* EV_* */
	int end;			/* where it happened */
	int arrow;			/* segment rows */
	const struct tev *ev;
};

struct conn {
	struct end e[2];
	struct tev *ev;
	size_t nev, cap;
	bool done;
	/* built by conn_build() */
	struct arrow *ar;
	size_t nar;
	struct row *rows;
	size_t nrows;
	int left;			/* the end drawn on the left: the opener */
	double t0;
};

static struct conn *conns;
static size_t nconns;
static unsigned long ended;

#define MAX_EVENTS_PER_CONN	20000
#define MAX_CONNS		4096

static bool ep_eq(const struct end *e, uint32_t a, uint16_t p)
{
	return e->addr == a && e->port == p;
}

static int conn_end(const struct conn *c, uint32_t a, uint16_t p)
{
	if (ep_eq(&c->e[0], a, p))
		return 0;
	if (ep_eq(&c->e[1], a, p))
		return 1;
	return -1;
}

/* the connection of this 4-tuple; a SYN without ACK after its end opens a new one */
static struct conn *conn_find(uint32_t la, uint16_t lp, uint32_t ra, uint16_t rp, bool fresh)
{
	struct conn *c;
	size_t i;

	for (i = nconns; i-- > 0;) {
		c = &conns[i];
		if (conn_end(c, la, lp) < 0 || conn_end(c, ra, rp) < 0 ||
		    conn_end(c, la, lp) == conn_end(c, ra, rp))
			continue;
		if (c->done && fresh)
			break;
		return c;
	}
	if (nconns >= MAX_CONNS)
		return NULL;
	conns = realloc(conns, (nconns + 1) * sizeof(*conns));
	if (!conns)
		die("out of memory");
	c = &conns[nconns++];
	memset(c, 0, sizeof(*c));
	c->e[0].addr = la;
	c->e[0].port = lp;
	c->e[1].addr = ra;
	c->e[1].port = rp;
	c->e[0].wscale = c->e[1].wscale = -1;
	return c;
}

static void conn_add(struct conn *c, const struct tev *ev)
{
	if (c->nev >= MAX_EVENTS_PER_CONN)
		return;
	if (c->nev == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->ev = realloc(c->ev, c->cap * sizeof(*c->ev));
		if (!c->ev)
			die("out of memory");
	}
	c->ev[c->nev++] = *ev;
}

/* a connection ends when every end traced on this host reached CLOSE */
static void conn_check_done(struct conn *c)
{
	bool any = false;
	int i;

	if (c->done)
		return;
	for (i = 0; i < 2; i++) {
		if (!c->e[i].traced)
			continue;
		if (!c->e[i].closed)
			return;
		any = true;
	}
	if (any) {
		c->done = true;
		ended++;
	}
}

/* ------------------------------------------------------------ filter */

#define MAX_FILTER 8
static uint16_t f_ports[MAX_FILTER];
static uint32_t f_addrs[MAX_FILTER];
static int nf_ports, nf_addrs;

static bool match(uint32_t a1, uint16_t p1, uint32_t a2, uint16_t p2)
{
	bool ok;
	int i;

	if (nf_ports) {
		for (ok = false, i = 0; i < nf_ports; i++)
			ok |= f_ports[i] == p1 || f_ports[i] == p2;
		if (!ok)
			return false;
	}
	if (nf_addrs) {
		for (ok = false, i = 0; i < nf_addrs; i++)
			ok |= f_addrs[i] == a1 || f_addrs[i] == a2;
		if (!ok)
			return false;
	}
	return true;
}

static void add_event(const struct tev *ev)
{
	uint32_t la, ra;
	uint16_t lp, rp;
	struct conn *c;
	int le;

	if (!match(ev->saddr, ev->sport, ev->daddr, ev->dport))
		return;
	if (ev->type == EV_SEG_IN) {
		la = ev->daddr; lp = ev->dport; ra = ev->saddr; rp = ev->sport;
	} else {
		la = ev->saddr; lp = ev->sport; ra = ev->daddr; rp = ev->dport;
	}
	if (ev->type == EV_STATE && (!rp || !ra))
		return;				/* a listener, no connection */
	c = conn_find(la, lp, ra, rp,
		      ev->type != EV_STATE && (ev->flags & (F_SYN | F_ACK)) == F_SYN);
	if (!c)
		return;
	conn_add(c, ev);
	le = conn_end(c, la, lp);
	/* a pcap segment says nothing about either end's stack */
	if (ev->state[0] || ev->type == EV_STATE)
		c->e[le].traced = true;
	if (ev->type == EV_STATE && !strcmp(ev->new, "CLOSE")) {
		c->e[le].closed = true;
		conn_check_done(c);
	}
}

/* ------------------------------------------------------------ trace_pipe lines */

static void kv_str(const char *line, const char *key, char *out, size_t len)
{
	char pat[32];
	const char *p;
	size_t n;

	out[0] = 0;
	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(line, pat);
	if (!p)
		return;
	p += strlen(pat);
	n = strcspn(p, " \n");
	if (n >= len)
		n = len - 1;
	memcpy(out, p, n);
	out[n] = 0;
}

static unsigned long kv_ul(const char *line, const char *key)
{
	char buf[32];

	kv_str(line, key, buf, sizeof(buf));
	return strtoul(buf, NULL, 10);
}

static uint32_t kv_addr(const char *line, const char *key)
{
	struct in_addr a = { 0 };
	char buf[32];

	kv_str(line, key, buf, sizeof(buf));
	inet_pton(AF_INET, buf, &a);
	return a.s_addr;
}

static uint8_t parse_flags(const char *s)
{
	uint8_t f = 0;

	for (; *s; s++)
		switch (*s) {
		case 'S': f |= F_SYN; break;
		case 'F': f |= F_FIN; break;
		case 'R': f |= F_RST; break;
		case 'P': f |= F_PSH; break;
		case '.': f |= F_ACK; break;
		}
	return f;
}

/* "   task-1234  [001] ..s1.  123.456789: atcp_segment: dir=in ..." */
static void parse_line(char *line)
{
	const char *name, *p;
	struct tev ev;
	char buf[32];
	bool seg;

	name = strstr(line, ": atcp_segment: ");
	seg = name;
	if (!name)
		name = strstr(line, ": atcp_state: ");
	if (!name)
		return;
	memset(&ev, 0, sizeof(ev));
	for (p = name; p > line && p[-1] != ' '; p--)
		;
	ev.t = strtod(p, NULL);
	p = strchr(name + 2, ':') + 1;
	if (seg) {
		kv_str(p, "dir", buf, sizeof(buf));
		ev.type = strcmp(buf, "out") ? EV_SEG_IN : EV_SEG_OUT;
		ev.saddr = kv_addr(p, "saddr");
		ev.daddr = kv_addr(p, "daddr");
		ev.sport = kv_ul(p, "sport");
		ev.dport = kv_ul(p, "dport");
		kv_str(p, "flags", buf, sizeof(buf));
		ev.flags = parse_flags(buf);
		ev.seq = kv_ul(p, "seq");
		ev.ack = kv_ul(p, "ack");
		ev.len = kv_ul(p, "len");
		ev.win = kv_ul(p, "win");
		ev.mss = kv_ul(p, "mss");
		ev.wscale = kv_ul(p, "wscale");
		ev.tsval = kv_ul(p, "tsval");
		kv_str(p, "opts", ev.opts, sizeof(ev.opts));
		kv_str(p, "state", ev.state, sizeof(ev.state));
	} else {
		ev.type = EV_STATE;
		ev.saddr = kv_addr(p, "laddr");
		ev.daddr = kv_addr(p, "raddr");
		ev.sport = kv_ul(p, "lport");
		ev.dport = kv_ul(p, "rport");
		kv_str(p, "kind", ev.kind, sizeof(ev.kind));
		kv_str(p, "oldstate", ev.old, sizeof(ev.old));
		kv_str(p, "newstate", ev.new, sizeof(ev.new));
		kv_str(p, "cause", ev.cause, sizeof(ev.cause));
	}
	add_event(&ev);
}

/* ------------------------------------------------------------ tracefs */

static char inst[256];		/* our instance, removed at exit */
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int write_file(const char *rel, const char *val)
{
	char path[512];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", inst, rel);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		ret = -1;
	close(fd);
	return ret;
}

static void inst_remove(void)
{
	if (!inst[0])
		return;
	write_file("events/atcp/enable", "0");
	rmdir(inst);
	inst[0] = 0;
}

static const char *tracefs_root(void)
{
	static const char *const roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	struct stat st;
	size_t i;

	for (i = 0; i < 2; i++) {
		char p[128];

		snprintf(p, sizeof(p), "%s/instances", roots[i]);
		if (!stat(p, &st))
			return roots[i];
	}
	if (!mount("tracefs", roots[0], "tracefs", 0, NULL))
		return roots[0];
	die("tracefs not found (mount -t tracefs tracefs /sys/kernel/tracing)");
}

/* "(sport == 80 || dport == 80) && (...)" for the ports and addresses asked for */
static void build_filter(char *buf, size_t len, const char *sa, const char *da,
			 const char *sp, const char *dp)
{
	size_t n = 0;
	int i;

	buf[0] = 0;
	if (nf_ports) {
		n += snprintf(buf + n, len - n, "(");
		for (i = 0; i < nf_ports; i++)
			n += snprintf(buf + n, len - n, "%s%s == %u || %s == %u",
				      i ? " || " : "", sp, f_ports[i], dp, f_ports[i]);
		n += snprintf(buf + n, len - n, ")");
	}
	if (nf_addrs) {
		n += snprintf(buf + n, len - n, "%s(", n ? " && " : "");
		for (i = 0; i < nf_addrs; i++)
			n += snprintf(buf + n, len - n, "%s%s == %u || %s == %u",
				      i ? " || " : "", sa, f_addrs[i], da, f_addrs[i]);
		snprintf(buf + n, len - n, ")");
	}
}

static void process_buf(char *buf, size_t *fill)
{
	char *line = buf, *nl;

	while ((nl = memchr(line, '\n', buf + *fill - line))) {
		*nl = 0;
		parse_line(line);
		line = nl + 1;
	}
	*fill = buf + *fill - line;
	memmove(buf, line, *fill);
	if (*fill == 4095)		/* a line longer than any event's: drop it */
		*fill = 0;
}

/*
 * Record until -c connections ended, -t seconds passed or a signal.  The
 * events are enabled once and disabled once (each flips static keys); the
 * pipe is read with poll() and a timeout, never spun on.
 */
static void record(long count, double seconds, size_t buffer_kb)
{
	char buf[4096], filt[1024], path[512], val[32];
	struct timespec start, now;
	struct sigaction sa;
	size_t fill = 0;
	int fd, i;

	snprintf(inst, sizeof(inst), "%s/instances/atcp-trace-%d", tracefs_root(), getpid());
	if (mkdir(inst, 0700) && errno != EEXIST)
		die("mkdir %s: %s", inst, strerror(errno));
	atexit(inst_remove);
	snprintf(path, sizeof(path), "%s/events/atcp", inst);
	if (access(path, F_OK))
		die("no atcp trace events in %s (is atcp.ko loaded?)", inst);
	snprintf(val, sizeof(val), "%zu", buffer_kb);
	write_file("buffer_size_kb", val);
	write_file("trace_clock", "mono");
	build_filter(filt, sizeof(filt), "saddr", "daddr", "sport", "dport");
	if (filt[0] && write_file("events/atcp/atcp_segment/filter", filt))
		die("setting the filter '%s' failed", filt);
	build_filter(filt, sizeof(filt), "laddr", "raddr", "lport", "rport");
	if (filt[0] && write_file("events/atcp/atcp_state/filter", filt))
		die("setting the filter '%s' failed", filt);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll() returns at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	snprintf(path, sizeof(path), "%s/trace_pipe", inst);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	if (write_file("events/atcp/enable", "1"))
		die("enabling the atcp events failed");
	fprintf(stderr, "atcp trace: recording (%s)\n", inst);
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!stop && (count <= 0 || (long)ended < count)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (seconds > 0 && now.tv_sec - start.tv_sec +
		    (now.tv_nsec - start.tv_nsec) / 1e9 >= seconds)
			break;
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		n = read(fd, buf + fill, sizeof(buf) - 1 - fill);
		if (n <= 0) {
			/* readable yet empty: wait instead of spinning */
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				die("reading %s: %s", path, strerror(errno));
			poll(NULL, 0, 20);
			continue;
		}
		fill += n;
		process_buf(buf, &fill);
	}
	write_file("events/atcp/enable", "0");
	/* what is still buffered, a bounded number of reads */
	for (i = 0; i < 1024; i++) {
		ssize_t n = read(fd, buf + fill, sizeof(buf) - 1 - fill);

		if (n <= 0)
			break;
		fill += n;
		process_buf(buf, &fill);
	}
	close(fd);
	inst_remove();
}

/* ------------------------------------------------------------ pcap */

static uint32_t rd32(const unsigned char *p, bool swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

/* A classic pcap (tcpdump -w, tshark -F pcap): Ethernet, raw IP or Linux cooked. */
static void read_pcap(const char *file)
{
	unsigned char gh[24], ph[16], *pkt = NULL;
	int proto = atcp_proto();
	uint32_t link, magic;
	bool swap, nano;
	FILE *f;

	f = fopen(file, "rb");
	if (!f)
		die("%s: %s", file, strerror(errno));
	if (fread(gh, 1, 24, f) != 24)
		die("%s: not a pcap file", file);
	memcpy(&magic, gh, 4);
	swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
	magic = rd32(gh, swap);
	if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d)
		die("%s: not a classic pcap file (pcapng? write it with tshark -F pcap)", file);
	nano = magic == 0xa1b23c4d;
	link = rd32(gh + 20, swap);
	pkt = malloc(65536);
	if (!pkt)
		die("out of memory");
	while (fread(ph, 1, 16, f) == 16) {
		uint32_t caplen = rd32(ph + 8, swap), off, ihl, doff;
		const unsigned char *ip, *th;
		struct tev ev;
		uint16_t et;

		if (caplen > 65536 || fread(pkt, 1, caplen, f) != caplen)
			break;
		switch (link) {
		case 1:		off = 14; et = caplen >= 14 ? pkt[12] << 8 | pkt[13] : 0; break;
		case 101:	off = 0; et = 0x0800; break;
		case 113:	off = 16; et = caplen >= 16 ? pkt[14] << 8 | pkt[15] : 0; break;
		case 276:	off = 20; et = caplen >= 20 ? pkt[0] << 8 | pkt[1] : 0; break;
		default:	die("%s: link type %u not understood", file, link);
		}
		if (et != 0x0800 || caplen < off + 20)
			continue;
		ip = pkt + off;
		ihl = (ip[0] & 15) * 4;
		if ((ip[0] >> 4) != 4 || ip[9] != proto || ihl < 20 || caplen < off + ihl + 20)
			continue;
		th = ip + ihl;
		doff = (th[12] >> 4) * 4;
		if (doff < 20 || caplen < off + ihl + doff)
			continue;
		memset(&ev, 0, sizeof(ev));
		ev.type = EV_SEG_OUT;
		ev.t = rd32(ph, swap) + rd32(ph + 4, swap) / (nano ? 1e9 : 1e6);
		memcpy(&ev.saddr, ip + 12, 4);
		memcpy(&ev.daddr, ip + 16, 4);
		ev.sport = th[0] << 8 | th[1];
		ev.dport = th[2] << 8 | th[3];
		ev.seq = ntohl(*(const uint32_t *)(th + 4));
		ev.ack = ntohl(*(const uint32_t *)(th + 8));
		ev.flags = th[13];
		ev.win = th[14] << 8 | th[15];
		ev.len = (ip[2] << 8 | ip[3]) - ihl - doff;
		/* options: a bounded walk, always advancing */
		for (off = 20; off < doff && th[off] != 0;) {
			unsigned int k = th[off], l = off + 1 < doff ? th[off + 1] : 0;
			const char *name = k == 2 ? "mss" : k == 3 ? "ws" : k == 4 ? "sackok" :
					   k == 5 ? "sack" : k == 8 ? "ts" : k == 34 ? "tfo" : NULL;

			if (k == 1) {
				off++;
				continue;
			}
			if (l < 2 || off + l > doff)
				break;
			if (k == 2 && l == 4)
				ev.mss = th[off + 2] << 8 | th[off + 3];
			if (k == 3 && l == 3)
				ev.wscale = th[off + 2];
			if (name && strlen(ev.opts) + 8 < sizeof(ev.opts))
				snprintf(ev.opts + strlen(ev.opts), sizeof(ev.opts) - strlen(ev.opts),
					 "%s%s", ev.opts[0] ? "," : "", name);
			off += l;
		}
		add_event(&ev);
	}
	free(pkt);
	fclose(f);
}

/* ------------------------------------------------------------ building */

static int cmp_tev(const void *a, const void *b)
{
	const struct tev *x = a, *y = b;

	return (x->t > y->t) - (x->t < y->t);
}

static void flags_name(uint8_t f, char *buf, size_t len)
{
	static const struct { uint8_t bit; const char *name; } names[] = {
		{ F_SYN, "SYN" }, { F_FIN, "FIN" }, { F_RST, "RST" }, { F_PSH, "PSH" },
		{ F_ACK, "ACK" },
	};
	size_t i, n = 0;

	buf[0] = 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (f & names[i].bit)
			n += snprintf(buf + n, len - n, "%s%s", n ? "," : "", names[i].name);
}

static void conn_build(struct conn *c)
{
	size_t i, j;
	int k;

	/* trace_pipe merges the CPUs in time order; a pcap is in order: be sure */
	qsort(c->ev, c->nev, sizeof(*c->ev), cmp_tev);
	c->ar = calloc(c->nev + 1, sizeof(*c->ar));
	c->rows = calloc(c->nev + 1, sizeof(*c->rows));
	if (!c->ar || !c->rows)
		die("out of memory");
	c->t0 = c->nev ? c->ev[0].t : 0;
	c->left = -1;
	for (i = 0; i < c->nev; i++) {
		const struct tev *ev = &c->ev[i];

		if (ev->type != EV_STATE && (ev->flags & (F_SYN | F_ACK)) == F_SYN) {
			int from = conn_end(c, ev->saddr, ev->sport);

			if (c->left < 0)
				c->left = from;
			if (!c->e[from].isn_set) {
				c->e[from].isn = ev->seq;
				c->e[from].isn_set = true;
			}
		}
		if (ev->type != EV_STATE && (ev->flags & F_SYN)) {
			int from = conn_end(c, ev->saddr, ev->sport);

			c->e[from].syn_seen = true;
			c->e[from].wscale = strstr(ev->opts, "ws") ? (int)ev->wscale : -1;
			if (!c->e[from].isn_set) {
				c->e[from].isn = ev->seq;
				c->e[from].isn_set = true;
			}
		}
	}
	if (c->left < 0)
		c->left = 0;
	for (i = 0; i < c->nev; i++) {
		const struct tev *ev = &c->ev[i];
		struct row *r = &c->rows[c->nrows];

		r->t = ev->t;
		r->type = ev->type;
		r->ev = ev;
		r->arrow = -1;
		if (ev->type == EV_STATE) {
			r->end = conn_end(c, ev->saddr, ev->sport);
			c->nrows++;
			continue;
		}
		k = conn_end(c, ev->saddr, ev->sport);
		if (!c->e[k].isn_set) {		/* picked up mid-connection */
			c->e[k].isn = ev->seq;
			c->e[k].isn_set = true;
		}
		if (ev->type == EV_SEG_IN) {
			r->end = !k;
			/*
			 * the copy of it that was sent: the timestamp tells
			 * retransmissions and repeated ACKs apart; without
			 * one, the oldest not yet received
			 */
			for (j = 0; j < c->nar; j++) {
				struct arrow *a = &c->ar[j];

				if (a->from == k && a->row_recv < 0 && a->ev->seq == ev->seq &&
				    a->ev->ack == ev->ack && a->ev->flags == ev->flags &&
				    a->ev->tsval == ev->tsval)
					break;
			}
			if (j < c->nar) {
				c->ar[j].t_recv = ev->t;
				c->ar[j].row_recv = c->nrows;
				snprintf(c->ar[j].state_receiver, sizeof(c->ar[j].state_receiver),
					 "%s", ev->state);
				r->arrow = j;
				c->nrows++;
				continue;
			}
		} else {
			r->end = k;
		}
		c->ar[c->nar] = (struct arrow){
			.from = k, .ev = ev, .t_sent = NAN, .t_recv = NAN,
			.row_sent = -1, .row_recv = -1,
		};
		if (ev->type == EV_SEG_OUT) {
			c->ar[c->nar].t_sent = ev->t;
			c->ar[c->nar].row_sent = c->nrows;
			snprintf(c->ar[c->nar].state_sender, 16, "%s", ev->state);
		} else {
			c->ar[c->nar].t_recv = ev->t;
			c->ar[c->nar].row_recv = c->nrows;
			snprintf(c->ar[c->nar].state_receiver, 16, "%s", ev->state);
		}
		r->arrow = c->nar++;
		c->nrows++;
	}
}

/* lost: sent, and the receiving end is traced here but never saw it */
static bool arrow_lost(const struct conn *c, const struct arrow *a)
{
	return a->row_sent >= 0 && a->row_recv < 0 && c->e[!a->from].traced;
}

static uint32_t rel_seq(const struct conn *c, const struct arrow *a)
{
	return a->ev->seq - c->e[a->from].isn;
}

static uint32_t rel_ack(const struct conn *c, const struct arrow *a)
{
	return a->ev->ack - c->e[!a->from].isn;
}

static uint32_t shown_win(const struct conn *c, const struct arrow *a)
{
	const struct end *s = &c->e[a->from];

	if ((a->ev->flags & F_SYN) || s->wscale < 0 || c->e[!a->from].wscale < 0)
		return a->ev->win;
	return a->ev->win << s->wscale;
}

static void arrow_label(const struct conn *c, const struct arrow *a, char *buf, size_t len)
{
	char fl[32];
	size_t n;

	flags_name(a->ev->flags, fl, sizeof(fl));
	n = snprintf(buf, len, "%s seq=%u", fl, rel_seq(c, a));
	if (a->ev->flags & F_ACK)
		n += snprintf(buf + n, len - n, " ack=%u", rel_ack(c, a));
	if (a->ev->len)
		n += snprintf(buf + n, len - n, " len=%u", a->ev->len);
	n += snprintf(buf + n, len - n, " win=%u", shown_win(c, a));
	if (a->ev->opts[0])
		snprintf(buf + n, len - n, " <%s>", a->ev->opts);
}

static void end_name(const struct end *e, char *buf, size_t len)
{
	struct in_addr a = { .s_addr = e->addr };

	snprintf(buf, len, "%s:%u", inet_ntoa(a), e->port);
}

/* the state of end @i before anything was traced */
static const char *first_state(const struct conn *c, int i)
{
	size_t k;

	for (k = 0; k < c->nev; k++) {
		const struct tev *ev = &c->ev[k];

		if (ev->type == EV_STATE && conn_end(c, ev->saddr, ev->sport) == i)
			return ev->old;
		if (ev->type == EV_SEG_OUT && ev->state[0] &&
		    conn_end(c, ev->saddr, ev->sport) == i)
			return ev->state;
		if (ev->type == EV_SEG_IN && conn_end(c, ev->daddr, ev->dport) == i)
			return ev->state;
	}
	return "";
}

/* ------------------------------------------------------------ text */

#define TXT_W 58

static void print_text(const struct conn *c)
{
	int L = c->left, R = !L;
	char ln[64], rn[64], lab[160], mid[256];
	size_t i;

	end_name(&c->e[L], ln, sizeof(ln));
	end_name(&c->e[R], rn, sizeof(rn));
	printf("atcp trace: %s <-> %s (%s)\n", ln, rn,
	       c->e[L].traced && c->e[R].traced ? "both ends traced" :
	       c->e[L].traced || c->e[R].traced ? "one end traced" : "from a capture");
	printf("%10s  %-12s %-*s %s\n", "ms", ln, TXT_W, "", rn);
	printf("%10s  %-12s %-*s %s\n", "", first_state(c, L), TXT_W, "", first_state(c, R));
	for (i = 0; i < c->nrows; i++) {
		const struct row *r = &c->rows[i];
		double t = (r->t - c->t0) * 1000;

		if (r->type == EV_STATE) {
			if (r->end == L)
				printf("%10.3f  %-12s %-*s |\n", t, r->ev->new, TXT_W, "|");
			else
				printf("%10.3f  %-12s %-*s | %s\n", t, "", TXT_W, "|", r->ev->new);
			continue;
		}
		{
			const struct arrow *a = &c->ar[r->arrow];
			int w, n;

			/* one line per segment: where it was sent, or arrived if not seen sent */
			if (a->row_sent >= 0 && a->row_sent != (int)i)
				continue;
			arrow_label(c, a, lab, sizeof(lab));
			n = strlen(lab);
			w = TXT_W - 6 - n;
			if (w < 2)
				w = 2;
			if (a->from == L)
				snprintf(mid, sizeof(mid), "|-- %s %.*s%s", lab, w,
					 "----------------------------------------------------------",
					 arrow_lost(c, a) ? "X" : ">");
			else
				snprintf(mid, sizeof(mid), "%s%.*s %s --", arrow_lost(c, a) ? "X" : "<",
					 w + 1, "----------------------------------------------------------",
					 lab);
			printf("%10.3f  %-12s %-*s |\n", t, "", TXT_W, mid);
		}
	}
	printf("\n");
}

/* ------------------------------------------------------------ JSON */

static void json_kv_ms(const char *k, double t, double t0)
{
	json_sep();
	json_str(k);
	if (isnan(t))
		printf(":null");
	else
		printf(":%.3f", (t - t0) * 1000);
}

static void print_json_conn(const struct conn *c)
{
	int order[2] = { c->left, !c->left };
	char name[64], fl[32];
	size_t i;
	int k;

	json_open('{');
	json_open_key("ends", '[');
	for (k = 0; k < 2; k++) {
		const struct end *e = &c->e[order[k]];
		struct in_addr a = { .s_addr = e->addr };
		const char *first = first_state(c, order[k]);

		end_name(e, name, sizeof(name));
		json_open('{');
		json_kv_str("name", name);
		json_kv_str("addr", inet_ntoa(a));
		json_kv_u64("port", e->port);
		json_sep();
		printf("\"traced\":%s", e->traced ? "true" : "false");
		json_open_key("states", '[');
		if (first[0]) {
			json_sep();
			json_str(first);
		}
		for (i = 0; i < c->nev; i++)
			if (c->ev[i].type == EV_STATE &&
			    conn_end(c, c->ev[i].saddr, c->ev[i].sport) == order[k]) {
				json_sep();
				json_str(c->ev[i].new);
			}
		json_close(']');
		json_close('}');
	}
	json_close(']');
	json_open_key("segments", '[');
	for (i = 0; i < c->nar; i++) {
		const struct arrow *a = &c->ar[i];

		flags_name(a->ev->flags, fl, sizeof(fl));
		json_open('{');
		json_kv_u64("from", a->from == c->left ? 0 : 1);
		json_kv_u64("to", a->from == c->left ? 1 : 0);
		json_kv_str("flags", fl);
		json_kv_u64("seq", rel_seq(c, a));
		if (a->ev->flags & F_ACK)
			json_kv_u64("ack", rel_ack(c, a));
		json_kv_u64("len", a->ev->len);
		json_kv_u64("win", shown_win(c, a));
		json_kv_str("opts", a->ev->opts);
		json_kv_ms("t_sent", a->t_sent, c->t0);
		json_kv_ms("t_recv", a->t_recv, c->t0);
		json_sep();
		printf("\"lost\":%s", arrow_lost(c, a) ? "true" : "false");
		json_kv_str("state_sender", a->state_sender);
		json_kv_str("state_receiver", a->state_receiver);
		json_close('}');
	}
	json_close(']');
	json_open_key("states", '[');
	for (i = 0; i < c->nev; i++) {
		const struct tev *ev = &c->ev[i];

		if (ev->type != EV_STATE)
			continue;
		json_open('{');
		json_kv_ms("t", ev->t, c->t0);
		json_kv_u64("end", conn_end(c, ev->saddr, ev->sport) == c->left ? 0 : 1);
		json_kv_str("kind", ev->kind);
		json_kv_str("old", ev->old);
		json_kv_str("new", ev->new);
		json_kv_str("cause", ev->cause);
		json_close('}');
	}
	json_close(']');
	json_close('}');
}

/* ------------------------------------------------------------ SVG */

#define SVG_W		760
#define SVG_XL		190
#define SVG_XR		640
#define SVG_TOP		70
#define SVG_ROW		24

/* one figure, the connections one under the other */
static void write_svg(const char *file)
{
	double y0 = 0;
	char ln[64], rn[64], lab[160], title[160];
	size_t ci, i, rows = 0;
	FILE *f;

	for (ci = 0; ci < nconns; ci++)
		rows += conns[ci].nrows + 4;
	f = fopen(file, "w");
	if (!f)
		die("%s: %s", file, strerror(errno));
	if (nconns) {
		end_name(&conns[0].e[conns[0].left], ln, sizeof(ln));
		end_name(&conns[0].e[!conns[0].left], rn, sizeof(rn));
		snprintf(title, sizeof(title), "atcp trace: %s - %s", ln, rn);
	} else {
		snprintf(title, sizeof(title), "atcp trace: no connections");
	}
	svg_begin(f, SVG_W, (int)(rows * SVG_ROW + SVG_TOP + 20), title);
	for (ci = 0; ci < nconns; ci++) {
		const struct conn *c = &conns[ci];
		int L = c->left;
		double yb = y0 + SVG_TOP, ye = yb + (c->nrows + 1) * SVG_ROW;

		end_name(&c->e[L], ln, sizeof(ln));
		end_name(&c->e[!L], rn, sizeof(rn));
		svg_text(f, SVG_XL, y0 + 24, "head", "middle", ln);
		svg_text(f, SVG_XR, y0 + 24, "head", "middle", rn);
		svg_text(f, 40, y0 + 24, "time", "middle", "ms");
		svg_text(f, SVG_XL, y0 + 44, "st", "middle", first_state(c, L));
		svg_text(f, SVG_XR, y0 + 44, "st", "middle", first_state(c, !L));
		fprintf(f, "<line class=\"life\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n",
			SVG_XL, yb - 14, SVG_XL, ye);
		fprintf(f, "<line class=\"life\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n",
			SVG_XR, yb - 14, SVG_XR, ye);
		for (i = 0; i < c->nrows; i++) {
			const struct row *r = &c->rows[i];
			double y = yb + i * SVG_ROW + SVG_ROW / 2.0;
			char ts[32];

			snprintf(ts, sizeof(ts), "%.3f", (r->t - c->t0) * 1000);
			svg_text(f, 40, y + 4, "time", "middle", ts);
			if (r->type == EV_STATE) {
				double x = r->end == L ? SVG_XL : SVG_XR;
				double w = strlen(r->ev->new) * 7.5 + 12;

				fprintf(f, "<rect class=\"stbox\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
					"height=\"18\" rx=\"4\"/>\n", x - w / 2, y - 9, w);
				svg_text(f, x, y + 4, "st", "middle", r->ev->new);
			}
		}
		for (i = 0; i < c->nar; i++) {
			const struct arrow *a = &c->ar[i];
			double xs = a->from == L ? SVG_XL : SVG_XR, xe = a->from == L ? SVG_XR : SVG_XL;
			double ys, ye2, xm, ym;
			bool lost = arrow_lost(c, a);

			ys = a->row_sent >= 0 ? yb + a->row_sent * SVG_ROW + SVG_ROW / 2.0 : -1;
			ye2 = a->row_recv >= 0 ? yb + a->row_recv * SVG_ROW + SVG_ROW / 2.0 : -1;
			if (ys < 0)
				ys = ye2 - SVG_ROW * 0.8;
			if (ye2 < 0)
				ye2 = ys + SVG_ROW * 0.8;
			if (lost) {		/* dies half way */
				xe = (xs + xe) / 2;
				ye2 = ys + SVG_ROW * 0.4;
			}
			fprintf(f, "<line class=\"seg%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				"marker-end=\"url(#%s)\"/>\n", lost ? " lost" : "", xs, ys, xe, ye2,
				lost ? "ahh" : "ah");
			if (lost)
				svg_text(f, xe + (a->from == L ? 8 : -8), ye2 + 4, "count", "middle", "X");
			arrow_label(c, a, lab, sizeof(lab));
			xm = (SVG_XL + SVG_XR) / 2.0;
			ym = lost ? ys - 3 : (ys + ye2) / 2 - 4;
			svg_text(f, xm, ym, "lab", "middle", lab);
		}
		y0 = ye + 3 * SVG_ROW;
	}
	svg_end(f);
	if (fclose(f))
		die("%s: %s", file, strerror(errno));
}

/* ------------------------------------------------------------ command */

static void usage_trace(void)
{
	die("usage: atcp [-j] trace [-c COUNT] [-t SECONDS] [port N]... [addr A]...\n"
	    "       [--svg FILE] [--pcap FILE] [--buffer KB]");
}

int cmd_trace(int argc, char **argv)
{
	const char *svg = NULL, *pcap = NULL;
	double seconds = 0;
	size_t buffer_kb = 1024, i;
	long count = 0;
	int a;

	for (a = 0; a < argc; a++) {
		const char *arg = argv[a], *v = a + 1 < argc ? argv[a + 1] : NULL;
		struct in_addr ia;
		char *endp;

		if (!v)
			usage_trace();
		a++;
		if (!strcmp(arg, "-c")) {
			count = strtol(v, &endp, 10);
			if (*endp || count <= 0)
				usage_trace();
		} else if (!strcmp(arg, "-t")) {
			seconds = strtod(v, &endp);
			if (*endp || seconds <= 0)
				usage_trace();
		} else if (!strcmp(arg, "port") || !strcmp(arg, "--port")) {
			unsigned long p = strtoul(v, &endp, 10);

			if (*endp || !p || p > 65535 || nf_ports == MAX_FILTER)
				usage_trace();
			f_ports[nf_ports++] = p;
		} else if (!strcmp(arg, "addr") || !strcmp(arg, "--addr")) {
			if (inet_pton(AF_INET, v, &ia) != 1 || nf_addrs == MAX_FILTER)
				usage_trace();
			f_addrs[nf_addrs++] = ia.s_addr;
		} else if (!strcmp(arg, "--svg")) {
			svg = v;
		} else if (!strcmp(arg, "--pcap")) {
			pcap = v;
		} else if (!strcmp(arg, "--buffer")) {
			buffer_kb = strtoul(v, &endp, 10);
			if (*endp || buffer_kb < 64 || buffer_kb > 65536)
				usage_trace();
		} else {
			usage_trace();
		}
	}
	if (pcap)
		read_pcap(pcap);
	else
		record(count, seconds, buffer_kb);

	for (i = 0; i < nconns; i++)
		conn_build(&conns[i]);
	if (svg)
		write_svg(svg);
	if (json) {
		json_open('{');
		json_open_key("connections", '[');
		for (i = 0; i < nconns; i++)
			print_json_conn(&conns[i]);
		json_close(']');
		json_close('}');
		putchar('\n');
	} else {
		for (i = 0; i < nconns; i++)
			print_text(&conns[i]);
		if (!nconns)
			printf("atcp trace: no atcp connection seen\n");
	}
	return 0;
}
