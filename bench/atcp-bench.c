// SPDX-License-Identifier: GPL-2.0
/*
 * atcp-bench: the same workloads over Linux TCP (IPPROTO_TCP) and atcp
 * (IPPROTO_ATCP, 253) in the same kernel, alternating, and the ratio
 * atcp/TCP of the medians.  Runs as root in the test VM (make bench).
 *
 *   atcp-bench [--quick] [--rounds N] [--time SEC] [--conns N]
 *              [--tests stream,rr,crr,mem] [--paths lo,veth]
 *              [--timeout SEC] [--out DIR]
 *
 * Paths: "lo" = client and server in one network namespace (ab-lo) over
 * its loopback; "veth" = server in namespace ab-srv (10.77.0.1), client in
 * ab-cli (10.77.0.2), joined by a veth pair.  The namespaces are created
 * here with ip(8) and deleted at the end; the root namespace is not touched.
 * In every namespace ip_local_port_range is 1024-65535 and TIME_WAIT reuse
 * is off for both (tcp_tw_reuse and net.atcp.tw_reuse 0, the same rules).
 *
 * Workloads (client and server are separate processes; every run has a
 * timeout, a run that hangs is killed and reported as failed):
 *   stream-c2s / stream-s2c  bulk transfer for --time seconds, 128 KiB
 *                writes; the receiver measures bytes / time from its first
 *                read to EOF (MB/s, 10^6 bytes).
 *   rr         one connection, 1-byte request, 1-byte response (trans/s);
 *                TCP_NODELAY (TCP) / ATCP_NODELAY (atcp) on both ends.
 *   crr        per transaction: socket, connect, 1-byte request, 1-byte
 *                response, close (conn/s), NODELAY as for rr.  The client
 *                closes first, as netperf TCP_CRR does: TIME_WAIT is on the
 *                client for both protocols (both keep it 60 s: TCP's
 *                TCP_TIMEWAIT_LEN, atcp's 2 * net.atcp.msl_ms default).
 *   mem        (lo only, fresh namespace per protocol) --conns connections
 *                over loopback; slab usage per established socket (each
 *                connection is two sockets) and per TIME_WAIT entry (the
 *                client closes every connection, the server then closes its
 *                side), from /proc/meminfo Slab deltas (also MemAvailable)
 *                and per-cache /proc/slabinfo deltas.  Caches are shrunk
 *                and page caches dropped before each snapshot.
 *
 * Order: for each round, each path and each workload, TCP and atcp run back
 * to back, the first of the pair alternating between rounds.  Reported: the
 * median per protocol and the ratio atcp/TCP.
 *
 * Output: a table on stdout; DIR/runs.csv (every run), DIR/summary.csv,
 * DIR/summary.json, DIR/table.md.  Exit status 0 when every run completed
 * (whatever the ratios), 1 when a run failed or timed out.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/atcp.h>
#include "atcp_sysfs.h"

#define NS_LO		"ab-lo"
#define NS_SRV		"ab-srv"
#define NS_CLI		"ab-cli"
#define VETH_SRV_ADDR	"10.77.0.1"
#define STREAM_BUF	(128 * 1024)
/*
 * A stream sends for opt.time_s and at least this many writes: on a loaded
 * host a 0.3 s --quick stream could otherwise fit in the receiver's first
 * read, which is not counted, and measure 0 MB/s.
 */
#define STREAM_MIN_WRITES	32
#define MAX_RUNS	4096
#define NPROTO		2

static const int protos[NPROTO] = { IPPROTO_TCP, IPPROTO_ATCP };
static const char *proto_name(int p) { return p == IPPROTO_TCP ? "TCP" : "ATCP"; }

/* ------------------------------------------------------------- options */

static struct {
	bool quick;
	int rounds;
	double time_s;
	int conns;
	double timeout_s;
	const char *out;
	bool t_stream, t_rr, t_crr, t_mem;
	bool p_lo, p_veth;
	bool use[NPROTO];	/* --protos */
} opt = {
	.rounds = 3, .time_s = 2.0, .conns = 10000, .timeout_s = 20,
	.out = "build/bench",
	.t_stream = true, .t_rr = true, .t_crr = true, .t_mem = true,
	.p_lo = true, .p_veth = true, .use = { true, true },
};

enum test { T_STREAM_C2S, T_STREAM_S2C, T_RR, T_CRR, T_MEM_EST, T_MEM_TW, T_NR };
static const char *test_name[T_NR] = {
	"stream-c2s", "stream-s2c", "rr", "crr", "mem-estab", "mem-tw",
};
static const char *test_unit[T_NR] = {
	"MB/s", "MB/s", "trans/s", "conn/s", "B/sock", "B/entry",
};
/* minimum atcp/TCP ratio from issue 3; 0 = none (memory: lower is better) */
static const double test_target[T_NR] = { 0.8, 0.8, 0.9, 1.0, 0, 0 };

enum path { P_LO, P_VETH, P_NR };
static const char *path_name[P_NR] = { "lo", "veth" };

/* ------------------------------------------------------------- helpers */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void logf_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

static int enter_ns(const char *name)
{
	char path[128];
	int fd, ret;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ret = setns(fd, CLONE_NEWNET);
	close(fd);
	return ret;
}

static void set_nodelay(int fd, int proto)
{
	int one = 1;

	if (proto == IPPROTO_TCP)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	else
		setsockopt(fd, SOL_ATCP, ATCP_NODELAY, &one, sizeof(one)); /* ignore failure */
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -1 : 0;
		got += n;
	}
	return 1;
}

static void raise_nofile(long n)
{
	struct rlimit rl = { n, n };

	if (setrlimit(RLIMIT_NOFILE, &rl))
		logf_("warning: RLIMIT_NOFILE %ld: %s\n", n, strerror(errno));
}

/* --------------------------------------------------------- run results */

struct res {
	int ok;			/* 1 = value valid */
	double val;
	char err[200];
};

/* works on any struct with "ok" and "err[]" */
#define res_err(r, what) do {							\
		(r)->ok = 0;							\
		snprintf((r)->err, sizeof((r)->err), "%s: %s", (what), strerror(errno)); \
	} while (0)

/* ------------------------------------------------------------ workloads */

struct endpoint {
	int proto;
	enum path path;
	int port;
	enum test test;
};

static const char *srv_addr(enum path p) { return p == P_LO ? "127.0.0.1" : VETH_SRV_ADDR; }

static int make_listener(const struct endpoint *e, int backlog)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(e->port) };
	int fd, one = 1;

	inet_pton(AF_INET, srv_addr(e->path), &a.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, e->proto == IPPROTO_ATCP ? atcp_proto() : e->proto);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, backlog)) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static int connect_to(const struct endpoint *e, bool nodelay)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(e->port) };
	int fd;

	inet_pton(AF_INET, srv_addr(e->path), &a.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, e->proto == IPPROTO_ATCP ? atcp_proto() : e->proto);
	if (fd < 0)
		return -1;
	if (nodelay)
		set_nodelay(fd, e->proto);
	while (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		int err = errno;

		if (err == EINTR)
			continue;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/*
 * send for opt.time_s seconds (and STREAM_MIN_WRITES full writes), then
 * shutdown and wait for the peer's EOF
 */
static int stream_send(int fd, struct res *r)
{
	static char buf[STREAM_BUF];
	double end = now() + opt.time_s;
	int writes = 0;
	char c;

	memset(buf, 'x', sizeof(buf));
	while (now() < end || writes < STREAM_MIN_WRITES) {
		ssize_t n = write(fd, buf, sizeof(buf));

		if (n < 0 && errno != EINTR) {
			res_err(r, "stream write");
			return -1;
		}
		if (n == sizeof(buf))
			writes++;
	}
	if (shutdown(fd, SHUT_WR)) {
		res_err(r, "shutdown");
		return -1;
	}
	if (read(fd, &c, 1) < 0) {	/* the receiver closes after EOF */
		res_err(r, "read EOF after stream");
		return -1;
	}
	return 0;
}

/* receive until EOF; MB/s from the first read to EOF */
static int stream_recv(int fd, struct res *r)
{
	static char buf[STREAM_BUF];
	double t0 = 0, t1;
	uint64_t bytes = 0;

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			res_err(r, "stream read");
			return -1;
		}
		if (n == 0)
			break;
		if (!t0)
			t0 = now();	/* the first read's bytes are not counted */
		else
			bytes += n;
	}
	t1 = now();
	if (!t0) {
		snprintf(r->err, sizeof(r->err), "stream: no data received");
		return -1;
	}
	if (!bytes || t1 <= t0) {
		snprintf(r->err, sizeof(r->err), "stream: all data came in the first read");
		return -1;
	}
	r->ok = 1;
	r->val = bytes / (t1 - t0) / 1e6;
	return 0;
}

static void server_main(const struct endpoint *e, int readyfd, int resfd)
{
	struct res r = { 0 };
	int lfd, fd;
	char c;

	lfd = make_listener(e, e->test == T_CRR ? 1024 : 16);
	if (lfd < 0) {
		res_err(&r, "listen");
		c = 0;
		write(readyfd, &c, 1);
		write(resfd, &r, sizeof(r));
		_exit(1);
	}
	c = 1;
	write(readyfd, &c, 1);

	if (e->test == T_CRR) {
		/* serve connections until killed */
		for (;;) {
			fd = accept(lfd, NULL, NULL);
			if (fd < 0) {
				if (errno == EINTR)
					continue;
				res_err(&r, "crr accept");
				write(resfd, &r, sizeof(r));
				_exit(1);
			}
			set_nodelay(fd, e->proto);
			if (read_full(fd, &c, 1) == 1 && write(fd, &c, 1) == 1)
				while (read(fd, &c, 1) > 0)	/* wait for the client's FIN */
					;
			close(fd);
		}
	}

	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		res_err(&r, "accept");
		goto out;
	}
	switch (e->test) {
	case T_STREAM_C2S:
		stream_recv(fd, &r);
		break;
	case T_STREAM_S2C:
		if (!stream_send(fd, &r))
			r.ok = 1;
		break;
	case T_RR:
		set_nodelay(fd, e->proto);
		for (;;) {
			int k = read_full(fd, &c, 1);

			if (k == 0)
				break;
			if (k < 0) {
				res_err(&r, "rr server read");
				goto out;
			}
			if (write(fd, &c, 1) != 1) {
				res_err(&r, "rr server write");
				goto out;
			}
		}
		r.ok = 1;
		break;
	default:
		break;
	}
	close(fd);
out:
	write(resfd, &r, sizeof(r));
	_exit(r.ok ? 0 : 1);
}

static void client_main(const struct endpoint *e, int resfd)
{
	struct res r = { 0 };
	double t0, end, t = 0;
	uint64_t n = 0;
	char c = 'q';
	int fd;

	switch (e->test) {
	case T_STREAM_C2S:
	case T_STREAM_S2C:
		fd = connect_to(e, false);
		if (fd < 0) {
			res_err(&r, "connect");
			break;
		}
		if (e->test == T_STREAM_C2S) {
			if (!stream_send(fd, &r))
				r.ok = 1;
		} else {
			stream_recv(fd, &r);
		}
		close(fd);
		break;
	case T_RR:
		fd = connect_to(e, true);
		if (fd < 0) {
			res_err(&r, "connect");
			break;
		}
		t0 = now();
		end = t0 + opt.time_s;
		do {
			if (write(fd, &c, 1) != 1) {
				res_err(&r, "rr write");
				break;
			}
			if (read_full(fd, &c, 1) != 1) {
				if (!errno)
					errno = ECONNRESET;
				res_err(&r, "rr read");
				break;
			}
			n++;
		} while ((t = now()) < end);
		if (!r.err[0]) {
			r.ok = 1;
			r.val = n / (t - t0);
		}
		close(fd);
		break;
	case T_CRR:
		t0 = now();
		end = t0 + opt.time_s;
		do {
			fd = connect_to(e, true);
			if (fd < 0) {
				res_err(&r, "crr connect");
				break;
			}
			if (write(fd, &c, 1) != 1) {
				res_err(&r, "crr write");
				close(fd);
				break;
			}
			if (read_full(fd, &c, 1) != 1) {
				if (!errno)
					errno = ECONNRESET;
				res_err(&r, "crr read");
				close(fd);
				break;
			}
			close(fd);	/* active close: TIME_WAIT on the client */
			n++;
		} while ((t = now()) < end);
		if (!r.err[0]) {
			r.ok = 1;
			r.val = n / (t - t0);
		} else {
			size_t l = strlen(r.err);

			snprintf(r.err + l, sizeof(r.err) - l, " (after %llu)",
				 (unsigned long long)n);
		}
		break;
	default:
		break;
	}
	write(resfd, &r, sizeof(r));
	_exit(r.ok ? 0 : 1);
}

/* ------------------------------------------------- process supervision */

/* read one struct res from @fd before @deadline; 0 ok, -1 EOF/error, -2 timeout */
static int read_res(int fd, struct res *r, double deadline)
{
	size_t got = 0;

	while (got < sizeof(*r)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double left = deadline - now();
		int k;
		ssize_t n;

		if (left <= 0)
			return -2;
		k = poll(&p, 1, (int)(left * 1000) + 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k == 0)
			return -2;
		n = read(fd, (char *)r + got, sizeof(*r) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

static void dump_hang(pid_t pid, const char *who, const struct endpoint *e)
{
	char path[64], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stack", pid);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = 0;
			logf_("  %s (pid %d) kernel stack:\n%s", who, pid, buf);
		}
	}
	(void)e;
}

/* SIGKILL and reap; false if the process did not die within 5 s */
static bool kill_reap(pid_t pid)
{
	double end = now() + 5;

	kill(pid, SIGKILL);
	while (now() < end) {
		pid_t w = waitpid(pid, NULL, WNOHANG);

		if (w == pid || (w < 0 && errno == ECHILD))
			return true;
		msleep(20);
	}
	return false;
}

/* wait up to @deadline for @pid to exit by itself, then kill it */
static bool wait_or_kill(pid_t pid, double deadline)
{
	while (now() < deadline) {
		pid_t w = waitpid(pid, NULL, WNOHANG);

		if (w == pid || (w < 0 && errno == ECHILD))
			return true;
		msleep(10);
	}
	return false;
}

static const char *ns_of(enum path p, bool server)
{
	if (p == P_LO)
		return NS_LO;
	return server ? NS_SRV : NS_CLI;
}

static void dump_atcp_tables(enum path p)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "for n in %s %s; do echo \"  /proc/net/atcp in $n:\"; "
		 "ip netns exec $n head -20 /proc/net/atcp | sed 's/^/    /'; done >&2",
		 ns_of(p, true), ns_of(p, false));
	if (system(cmd) != 0)
		logf_("  (could not read /proc/net/atcp)\n");
}

/* one client/server run; fills @out */
static void run_pair(const struct endpoint *e, struct res *out)
{
	int ready[2], sres[2], cres[2];
	pid_t spid, cpid;
	struct res sr = { 0 }, cr = { 0 };
	double deadline;
	char c = 0;
	int k;
	bool client_stuck = false, server_stuck = false;

	memset(out, 0, sizeof(*out));
	if (pipe(ready) || pipe(sres) || pipe(cres)) {
		res_err(out, "pipe");
		return;
	}
	spid = fork();
	if (spid == 0) {
		close(ready[0]); close(sres[0]); close(cres[0]); close(cres[1]);
		if (enter_ns(ns_of(e->path, true))) {
			struct res r = { 0 };

			res_err(&r, "setns server");
			write(ready[1], &c, 1);
			write(sres[1], &r, sizeof(r));
			_exit(1);
		}
		server_main(e, ready[1], sres[1]);
	}
	close(ready[1]);
	close(sres[1]);

	/* wait for the listener */
	{
		struct pollfd p = { .fd = ready[0], .events = POLLIN };

		k = poll(&p, 1, 5000);
		if (k != 1 || read(ready[0], &c, 1) != 1 || c != 1) {
			if (read_res(sres[0], &sr, now() + 1) == 0 && sr.err[0])
				*out = sr;
			else
				snprintf(out->err, sizeof(out->err), "server did not start");
			kill_reap(spid);
			close(ready[0]); close(sres[0]); close(cres[0]); close(cres[1]);
			return;
		}
	}

	cpid = fork();
	if (cpid == 0) {
		close(ready[0]); close(sres[0]); close(cres[0]);
		if (enter_ns(ns_of(e->path, false))) {
			struct res r = { 0 };

			res_err(&r, "setns client");
			write(cres[1], &r, sizeof(r));
			_exit(1);
		}
		client_main(e, cres[1]);
	}
	close(cres[1]);

	deadline = now() + opt.time_s + opt.timeout_s;
	k = read_res(cres[0], &cr, deadline);
	if (k == -2) {
		snprintf(out->err, sizeof(out->err), "TIMEOUT: client did not finish in %.0f s",
			 opt.time_s + opt.timeout_s);
		logf_("!! %s %s %s port %d: client hung\n", test_name[e->test],
		      path_name[e->path], proto_name(e->proto), e->port);
		dump_hang(cpid, "client", e);
		dump_hang(spid, "server", e);
		if (e->proto == IPPROTO_ATCP)
			dump_atcp_tables(e->path);
	} else if (k == -1) {
		snprintf(out->err, sizeof(out->err), "client died without a result");
	} else if (e->test == T_STREAM_C2S && cr.ok) {
		/* the receiver (server) has the measurement */
		k = read_res(sres[0], &sr, now() + opt.timeout_s);
		if (k == 0) {
			*out = sr;
		} else if (k == -2) {
			snprintf(out->err, sizeof(out->err), "TIMEOUT: receiver did not see EOF");
			logf_("!! %s %s %s port %d: server hung\n", test_name[e->test],
			      path_name[e->path], proto_name(e->proto), e->port);
			dump_hang(spid, "server", e);
			if (e->proto == IPPROTO_ATCP)
				dump_atcp_tables(e->path);
		} else {
			snprintf(out->err, sizeof(out->err), "server died without a result");
		}
	} else {
		*out = cr;
	}

	if (e->test == T_CRR) {
		/* the server loops until killed; its result only matters if it failed */
		struct pollfd p = { .fd = sres[0], .events = POLLIN };

		if (poll(&p, 1, 0) == 1 && read_res(sres[0], &sr, now() + 1) == 0 &&
		    !sr.ok && sr.err[0] && !out->err[0])
			*out = sr;
		server_stuck = !kill_reap(spid);
	} else if (!wait_or_kill(spid, now() + (out->err[0] ? 0.5 : opt.timeout_s))) {
		if (!out->err[0]) {
			snprintf(out->err, sizeof(out->err), "TIMEOUT: server did not exit");
			dump_hang(spid, "server", e);
		}
		server_stuck = !kill_reap(spid);
	}
	if (!wait_or_kill(cpid, now() + (out->err[0] ? 0.5 : 2)))
		client_stuck = !kill_reap(cpid);
	if (client_stuck || server_stuck) {
		size_t l = strlen(out->err);

		snprintf(out->err + l, sizeof(out->err) - l, " [%s unkillable]",
			 client_stuck ? "client" : "server");
	}
	if (out->err[0])
		out->ok = 0;
	close(ready[0]);
	close(sres[0]);
	close(cres[0]);
}

/* ------------------------------------------------------------- memory */

#define MAX_CACHES 512

struct slab_ent {
	char name[64];
	long objs;		/* active objects */
	long objsize;
};

struct memsnap {
	long mem_avail_kb, slab_kb, sunreclaim_kb;
	int n;
	struct slab_ent c[MAX_CACHES];
};

static long meminfo_kb(const char *buf, const char *key)
{
	const char *p = strstr(buf, key);

	return p ? atol(p + strlen(key)) : -1;
}

static void settle(void)
{
	DIR *d;
	struct dirent *de;
	char path[512];
	int pass;

	sync();
	write_file("/proc/sys/vm/drop_caches", "3");
	for (pass = 0; pass < 2; pass++) {
		msleep(400);	/* let RCU-deferred frees (kfree_rcu, sk destruct) land */
		d = opendir("/sys/kernel/slab");
		if (!d)
			return;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", de->d_name);
			write_file(path, "1");
		}
		closedir(d);
	}
}

static void snapshot(struct memsnap *s)
{
	static char buf[1 << 20];
	char *line, *save;
	ssize_t n;
	int fd;

	memset(s, 0, sizeof(*s));
	fd = open("/proc/meminfo", O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	s->mem_avail_kb = meminfo_kb(buf, "MemAvailable:");
	s->slab_kb = meminfo_kb(buf, "\nSlab:");
	s->sunreclaim_kb = meminfo_kb(buf, "SUnreclaim:");

	fd = open("/proc/slabinfo", O_RDONLY);
	if (fd < 0)
		return;
	n = 0;
	for (;;) {
		ssize_t k = read(fd, buf + n, sizeof(buf) - 1 - n);

		if (k <= 0)
			break;
		n += k;
	}
	close(fd);
	buf[n] = 0;
	for (line = strtok_r(buf, "\n", &save); line && s->n < MAX_CACHES;
	     line = strtok_r(NULL, "\n", &save)) {
		struct slab_ent *c = &s->c[s->n];
		long num;

		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %ld %ld %ld", c->name, &c->objs, &num, &c->objsize) == 4)
			s->n++;
	}
}

static long cache_bytes(const struct memsnap *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->c[i].name, name))
			return s->c[i].objs * s->c[i].objsize;
	return -1;
}

struct memres {
	int ok;
	char err[200];
	int conns;
	double setup_s;			/* time to open the connections */
	double est_slab, est_avail;	/* bytes per established socket */
	double tw_slab, tw_avail;	/* bytes per TIME_WAIT entry */
	int tw_seen;			/* TIME_WAIT entries counted */
	/* per-cache deltas (bytes per socket / per entry) of the caches that grew most */
	int nest, ntw;
	struct { char name[48]; double per; } est_top[8], tw_top[8];
};

static void top_deltas(const struct memsnap *a, const struct memsnap *b, double div,
		       int *nout, typeof(((struct memres *)0)->est_top[0]) *out)
{
	int n = 0;

	for (int i = 0; i < b->n; i++) {
		long before = cache_bytes(a, b->c[i].name);
		double d = (double)(b->c[i].objs * b->c[i].objsize - (before < 0 ? 0 : before)) / div;
		int j;

		if (d < 8)
			continue;
		/* insertion into the top 8 by delta */
		for (j = n; j > 0 && out[j - 1].per < d; j--)
			if (j < 8)
				out[j] = out[j - 1];
		if (j < 8) {
			snprintf(out[j].name, sizeof(out[j].name), "%s", b->c[i].name);
			out[j].per = d;
			if (n < 8)
				n++;
		}
	}
	*nout = n;
}

static int count_tw(int proto)
{
	static char buf[4 << 20];
	ssize_t n = 0, k;
	int fd, count = 0;
	char *p;

	if (proto == IPPROTO_TCP) {
		fd = open("/proc/net/sockstat", O_RDONLY);
		if (fd < 0)
			return -1;
		n = read(fd, buf, 4096);
		close(fd);
		buf[n > 0 ? n : 0] = 0;
		p = strstr(buf, " tw ");
		return p ? atoi(p + 4) : -1;
	}
	fd = open("/proc/net/atcp", O_RDONLY);
	if (fd < 0)
		return -1;
	while ((k = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += k;
	close(fd);
	buf[n] = 0;
	/* "  sl: local rem st ..." : the 4th field is the state (06 = TIME_WAIT) */
	for (p = strchr(buf, '\n'); p && p[1]; p = strchr(p + 1, '\n')) {
		char st[8];

		if (sscanf(p + 1, "%*s %*s %*s %7s", st) == 1 && !strcmp(st, "06"))
			count++;
	}
	return count;
}

static int lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int ret;

	strcpy(ifr.ifr_name, "lo");
	ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
	return ret;
}

static void mem_child(int proto, int resfd)
{
	struct endpoint e = { .proto = proto, .path = P_LO, .port = 7000, .test = T_MEM_EST };
	struct memres r = { 0 };
	struct memsnap *s0 = calloc(1, sizeof(*s0)), *s1 = calloc(1, sizeof(*s1));
	int N = opt.conns, *cfd = calloc(N, sizeof(int)), *sfd = calloc(N, sizeof(int));
	int lfd, i, tw = -1;
	double t0, end;

	r.conns = N;
	raise_nofile(2L * N + 64);
	if (unshare(CLONE_NEWNET) || lo_up()) {
		res_err(&r, "unshare/lo");
		goto out;
	}
	write_file("/proc/sys/net/ipv4/ip_local_port_range", "1024 65535");
	write_file("/proc/sys/net/ipv4/tcp_max_tw_buckets", "1000000");	/* new netns: 8192 */
	lfd = make_listener(&e, 4096);
	if (lfd < 0) {
		res_err(&r, "listen");
		goto out;
	}
	settle();
	snapshot(s0);
	t0 = now();
	for (i = 0; i < N; i++) {
		cfd[i] = connect_to(&e, false);
		if (cfd[i] < 0) {
			res_err(&r, "mem connect");
			goto out;
		}
		sfd[i] = accept(lfd, NULL, NULL);
		if (sfd[i] < 0) {
			res_err(&r, "mem accept");
			goto out;
		}
	}
	r.setup_s = now() - t0;
	settle();
	snapshot(s1);
	r.est_slab = (s1->slab_kb - s0->slab_kb) * 1024.0 / (2.0 * N);
	r.est_avail = (s0->mem_avail_kb - s1->mem_avail_kb) * 1024.0 / (2.0 * N);
	top_deltas(s0, s1, 2.0 * N, &r.nest, r.est_top);

	/* the clients close first (-> TIME_WAIT), then the servers (LAST_ACK -> CLOSE) */
	for (i = 0; i < N; i++)
		close(cfd[i]);
	for (i = 0; i < N; i++) {
		char c;

		if (read(sfd[i], &c, 1) != 0) {
			res_err(&r, "mem: expected EOF");
			goto out;
		}
		close(sfd[i]);
	}
	end = now() + 10;	/* until all N are seen or the count holds still for 1 s */
	for (int prev = -2, still = 0; now() < end && (tw = count_tw(proto)) != N; prev = tw) {
		still = tw == prev ? still + 1 : 0;
		if (still >= 5)
			break;
		msleep(200);
	}
	r.tw_seen = tw;
	settle();
	snapshot(s1);
	r.tw_slab = (s1->slab_kb - s0->slab_kb) * 1024.0 / N;
	r.tw_avail = (s0->mem_avail_kb - s1->mem_avail_kb) * 1024.0 / N;
	top_deltas(s0, s1, N, &r.ntw, r.tw_top);
	r.ok = 1;
out:
	write(resfd, &r, sizeof(r));
	_exit(r.ok ? 0 : 1);
}

static void run_mem(int proto, struct memres *out)
{
	int p[2];
	pid_t pid;
	double deadline;
	size_t got = 0;

	memset(out, 0, sizeof(*out));
	if (pipe(p)) {
		res_err(out, "pipe");
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		mem_child(proto, p[1]);
	}
	close(p[1]);
	deadline = now() + opt.timeout_s * 6 + opt.conns / 100.0;
	while (got < sizeof(*out)) {
		struct pollfd pf = { .fd = p[0], .events = POLLIN };
		double left = deadline - now();
		ssize_t n;

		if (left <= 0 || poll(&pf, 1, (int)(left * 1000) + 1) <= 0) {
			snprintf(out->err, sizeof(out->err), "TIMEOUT (%d connections)", opt.conns);
			logf_("!! mem %s: hung\n", proto_name(proto));
			dump_hang(pid, "mem", NULL);
			break;
		}
		n = read(p[0], (char *)out + got, sizeof(*out) - got);
		if (n <= 0) {
			snprintf(out->err, sizeof(out->err), "mem child died");
			break;
		}
		got += n;
	}
	close(p[0]);
	if (!wait_or_kill(pid, now() + 10) && !kill_reap(pid)) {
		size_t l = strlen(out->err);

		snprintf(out->err + l, sizeof(out->err) - l, " [unkillable]");
	}
	if (out->err[0])
		out->ok = 0;
	/* the namespace (and its TIME_WAIT entries) goes away asynchronously */
	msleep(opt.quick ? 300 : 2500);
}

/* -------------------------------------------------------- bookkeeping */

struct run {
	enum test test;
	enum path path;
	int proto;
	int round;
	struct res r;
};

static struct run runs[MAX_RUNS];
static int nruns;
static struct memres memres[NPROTO];

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* median of the successful runs of a cell; NAN if none; *nfail = failed runs */
static double cell_median(enum test t, enum path p, int proto, int *nok, int *nfail)
{
	double v[MAX_RUNS];
	int n = 0;

	*nfail = 0;
	for (int i = 0; i < nruns; i++) {
		if (runs[i].test != t || runs[i].path != p || runs[i].proto != proto)
			continue;
		if (runs[i].r.ok && runs[i].r.val > 0)
			v[n++] = runs[i].r.val;
		else
			(*nfail)++;
	}
	*nok = n;
	if (!n)
		return NAN;
	qsort(v, n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static bool test_enabled(enum test t)
{
	switch (t) {
	case T_STREAM_C2S: case T_STREAM_S2C: return opt.t_stream;
	case T_RR: return opt.t_rr;
	case T_CRR: return opt.t_crr;
	default: return opt.t_mem;
	}
}

static bool path_enabled(enum path p) { return p == P_LO ? opt.p_lo : opt.p_veth; }

static FILE *open_out(const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", opt.out, name);
	f = fopen(path, "w");
	if (!f)
		logf_("cannot write %s: %s\n", path, strerror(errno));
	return f;
}

static void fmt_val(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "FAIL");
	else if (v >= 100)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.1f", v);
}

static int report(double elapsed)
{
	FILE *csv = open_out("summary.csv"), *js = open_out("summary.json"),
	     *md = open_out("table.md"), *rc = open_out("runs.csv");
	int failed = 0;
	bool first = true;
	char hdr[256];

	snprintf(hdr, sizeof(hdr), "%-11s | %-4s | %10s | %10s | %6s | %-7s | %s",
		 "mode", "path", "TCP", "ATCP", "ratio", "unit", "target");
	printf("\n%s\n", hdr);
	for (size_t i = 0; i < strlen(hdr); i++)
		putchar(hdr[i] == '|' ? '+' : '-');
	putchar('\n');
	if (md) {
		fprintf(md, "| mode | path | TCP | ATCP | ratio | unit | target |\n");
		fprintf(md, "|------|------|----:|-----:|------:|------|--------|\n");
	}
	if (csv)
		fprintf(csv, "mode,path,unit,tcp,atcp,ratio,target,verdict,tcp_runs,atcp_runs,tcp_failed,atcp_failed\n");
	if (js)
		fprintf(js, "{\n  \"rounds\": %d, \"time_s\": %.2f, \"conns\": %d, \"quick\": %s,"
			" \"elapsed_s\": %.1f,\n  \"cells\": [\n",
			opt.rounds, opt.time_s, opt.conns, opt.quick ? "true" : "false", elapsed);

	for (int t = 0; t < T_NR; t++) {
		for (int p = 0; p < P_NR; p++) {
			double m[NPROTO], ratio;
			int nok[NPROTO], nf[NPROTO];
			char a[32], b[32], rs[32], tg[48], verdict[16];

			if (!test_enabled(t) || !path_enabled(p))
				continue;
			if (t >= T_MEM_EST && p != P_LO)
				continue;
			for (int k = 0; k < NPROTO; k++) {
				if (t >= T_MEM_EST) {
					struct memres *mr = &memres[k];

					m[k] = mr->ok ? (t == T_MEM_EST ? mr->est_slab : mr->tw_slab) : NAN;
					nok[k] = mr->ok;
					nf[k] = !mr->ok && opt.use[k];
				} else {
					m[k] = cell_median(t, p, protos[k], &nok[k], &nf[k]);
				}
				failed += nf[k];
			}
			ratio = m[1] / m[0];
			fmt_val(a, sizeof(a), m[0]);
			fmt_val(b, sizeof(b), m[1]);
			if (isnan(ratio) || isinf(ratio))
				snprintf(rs, sizeof(rs), "-");
			else
				snprintf(rs, sizeof(rs), "%.2f", ratio);
			if (test_target[t] > 0) {
				bool ok = !isnan(ratio) && ratio >= test_target[t];

				snprintf(verdict, sizeof(verdict), "%s", ok ? "ok" : "BELOW");
				snprintf(tg, sizeof(tg), ">= %.1f %s", test_target[t], verdict);
			} else {
				snprintf(verdict, sizeof(verdict), "-");
				snprintf(tg, sizeof(tg), "(lower is better)");
			}
			if (nf[0] || nf[1]) {
				size_t l = strlen(tg);

				snprintf(tg + l, sizeof(tg) - l, " [failed runs: TCP %d, ATCP %d]",
					 nf[0], nf[1]);
			}
			printf("%-11s | %-4s | %10s | %10s | %6s | %-7s | %s\n", test_name[t],
			       path_name[p], a, b, rs, test_unit[t], tg);
			if (md)
				fprintf(md, "| %s | %s | %s | %s | %s | %s | %s |\n", test_name[t],
					path_name[p], a, b, rs, test_unit[t], tg);
			if (csv)
				fprintf(csv, "%s,%s,%s,%.6g,%.6g,%.4g,%.2f,%s,%d,%d,%d,%d\n",
					test_name[t], path_name[p], test_unit[t], m[0], m[1], ratio,
					test_target[t], verdict, nok[0], nok[1], nf[0], nf[1]);
			if (js) {
				fprintf(js, "%s    {\"mode\": \"%s\", \"path\": \"%s\", \"unit\": \"%s\", ",
					first ? "" : ",\n", test_name[t], path_name[p], test_unit[t]);
				for (int k = 0; k < NPROTO; k++) {
					fprintf(js, "\"%s\": ", k ? "atcp" : "tcp");
					if (isnan(m[k]))
						fprintf(js, "null, ");
					else
						fprintf(js, "%.6g, ", m[k]);
				}
				if (isnan(ratio) || isinf(ratio))
					fprintf(js, "\"ratio\": null, ");
				else
					fprintf(js, "\"ratio\": %.4g, ", ratio);
				fprintf(js, "\"target\": %.2f, \"verdict\": \"%s\", \"failed\": [%d, %d], \"runs\": {",
					test_target[t], verdict, nf[0], nf[1]);
				for (int k = 0; k < NPROTO; k++) {
					bool f1 = true;

					fprintf(js, "%s\"%s\": [", k ? ", " : "", k ? "atcp" : "tcp");
					for (int i = 0; i < nruns; i++) {
						if (runs[i].test != t || runs[i].path != p ||
						    runs[i].proto != protos[k])
							continue;
						fprintf(js, "%s", f1 ? "" : ", ");
						if (runs[i].r.ok)
							fprintf(js, "%.6g", runs[i].r.val);
						else
							fprintf(js, "null");
						f1 = false;
					}
					fprintf(js, "]");
				}
				fprintf(js, "}}");
				first = false;
			}
		}
	}

	/* memory details */
	if (opt.t_mem && opt.p_lo) {
		printf("\nmemory, %d connections over loopback (per socket = /(2*conns); per TIME_WAIT entry = /conns):\n",
		       opt.conns);
		for (int k = 0; k < NPROTO; k++) {
			struct memres *mr = &memres[k];

			if (!opt.use[k])
				continue;
			if (!mr->ok) {
				printf("  %-4s FAILED: %s\n", proto_name(protos[k]), mr->err);
				continue;
			}
			printf("  %-4s open %d conns in %.2f s; established: Slab %+.0f B/sock, MemAvailable %+.0f B/sock;"
			       " TIME_WAIT (%d seen): Slab %+.0f B/entry, MemAvailable %+.0f B/entry\n",
			       proto_name(protos[k]), mr->conns, mr->setup_s, mr->est_slab, mr->est_avail,
			       mr->tw_seen, mr->tw_slab, mr->tw_avail);
			printf("       caches grown (established, B/sock):");
			for (int i = 0; i < mr->nest; i++)
				printf(" %s %.0f", mr->est_top[i].name, mr->est_top[i].per);
			printf("\n       caches grown (TIME_WAIT, B/entry):");
			for (int i = 0; i < mr->ntw; i++)
				printf(" %s %.0f", mr->tw_top[i].name, mr->tw_top[i].per);
			printf("\n");
		}
		if (md) {
			fprintf(md, "\nMemory detail (%d connections over loopback; bytes per socket for established, per entry for TIME_WAIT):\n\n",
				opt.conns);
			fprintf(md, "| proto | estab Slab | estab MemAvailable | TW Slab | TW MemAvailable | caches grown, established | caches grown, TIME_WAIT |\n");
			fprintf(md, "|-------|-----------:|-------------------:|--------:|----------------:|---------------------------|-------------------------|\n");
			for (int k = 0; k < NPROTO; k++) {
				struct memres *mr = &memres[k];

				if (!mr->ok) {
					fprintf(md, "| %s | FAIL | | | | %s | |\n", proto_name(protos[k]), mr->err);
					continue;
				}
				fprintf(md, "| %s | %.0f | %.0f | %.0f | %.0f | ", proto_name(protos[k]),
					mr->est_slab, mr->est_avail, mr->tw_slab, mr->tw_avail);
				for (int i = 0; i < mr->nest; i++)
					fprintf(md, "%s%s %.0f", i ? ", " : "", mr->est_top[i].name, mr->est_top[i].per);
				fprintf(md, " | ");
				for (int i = 0; i < mr->ntw; i++)
					fprintf(md, "%s%s %.0f", i ? ", " : "", mr->tw_top[i].name, mr->tw_top[i].per);
				fprintf(md, " |\n");
			}
		}
		if (js) {
			fprintf(js, "\n  ],\n  \"mem\": {");
			for (int k = 0; k < NPROTO; k++) {
				struct memres *mr = &memres[k];

				fprintf(js, "%s\"%s\": {\"ok\": %s, \"conns\": %d, \"setup_s\": %.3f, "
					"\"estab_slab\": %.1f, \"estab_memavail\": %.1f, \"tw_slab\": %.1f, "
					"\"tw_memavail\": %.1f, \"tw_seen\": %d, \"estab_caches\": {",
					k ? ", " : "", k ? "atcp" : "tcp", mr->ok ? "true" : "false",
					mr->conns, mr->setup_s, mr->est_slab, mr->est_avail, mr->tw_slab,
					mr->tw_avail, mr->tw_seen);
				for (int i = 0; i < mr->nest; i++)
					fprintf(js, "%s\"%s\": %.1f", i ? ", " : "", mr->est_top[i].name,
						mr->est_top[i].per);
				fprintf(js, "}, \"tw_caches\": {");
				for (int i = 0; i < mr->ntw; i++)
					fprintf(js, "%s\"%s\": %.1f", i ? ", " : "", mr->tw_top[i].name,
						mr->tw_top[i].per);
				fprintf(js, "}}");
			}
			fprintf(js, "}\n}\n");
		}
	} else if (js) {
		fprintf(js, "\n  ]\n}\n");
	}

	if (rc) {
		fprintf(rc, "seq,round,mode,path,proto,ok,value,error\n");
		for (int i = 0; i < nruns; i++)
			fprintf(rc, "%d,%d,%s,%s,%s,%d,%.6g,\"%s\"\n", i, runs[i].round,
				test_name[runs[i].test], path_name[runs[i].path],
				proto_name(runs[i].proto), runs[i].r.ok, runs[i].r.ok ? runs[i].r.val : 0,
				runs[i].r.err);
	}
	for (FILE **f = (FILE *[]){ csv, js, md, rc, NULL }; *f; f++)
		fclose(*f);
	return failed;
}

/* -------------------------------------------------------------- setup */

static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static void net_teardown(void)
{
	sh("ip netns del " NS_LO " 2>/dev/null; ip netns del " NS_SRV " 2>/dev/null; "
	   "ip netns del " NS_CLI " 2>/dev/null");
}

static int net_setup(void)
{
	const char *tune = "echo '1024 65535' > /proc/sys/net/ipv4/ip_local_port_range && "
			   "echo 0 > /proc/sys/net/ipv4/tcp_tw_reuse && "
			   "echo 1000000 > /proc/sys/net/ipv4/tcp_max_tw_buckets && "
			   "{ [ ! -e /proc/sys/net/atcp/tw_reuse ] || "
			   "echo 0 > /proc/sys/net/atcp/tw_reuse; }";

	net_teardown();
	if (sh("ip netns add " NS_LO " && ip -n " NS_LO " link set lo up"))
		return -1;
	if (opt.p_veth &&
	    sh("ip netns add " NS_SRV " && ip netns add " NS_CLI " && "
	       "ip link add ab-veth0 netns " NS_SRV " type veth peer name ab-veth1 netns " NS_CLI " && "
	       "ip -n " NS_SRV " addr add " VETH_SRV_ADDR "/24 dev ab-veth0 && "
	       "ip -n " NS_CLI " addr add 10.77.0.2/24 dev ab-veth1 && "
	       "ip -n " NS_SRV " link set lo up && ip -n " NS_CLI " link set lo up && "
	       "ip -n " NS_SRV " link set ab-veth0 up && ip -n " NS_CLI " link set ab-veth1 up"))
		return -1;
	for (const char **ns = (const char *[]){ NS_LO, NS_SRV, NS_CLI, NULL }; *ns; ns++) {
		if (!opt.p_veth && strcmp(*ns, NS_LO))
			continue;
		if (sh("ip netns exec %s sh -c \"%s\"", *ns, tune))
			return -1;
	}
	msleep(200);
	return 0;
}

/* ---------------------------------------------------------------- main */

static void parse_list(const char *s, bool is_tests)
{
	char buf[256], *tok, *save;

	if (is_tests)
		opt.t_stream = opt.t_rr = opt.t_crr = opt.t_mem = false;
	else
		opt.p_lo = opt.p_veth = false;
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (is_tests && !strcmp(tok, "stream")) opt.t_stream = true;
		else if (is_tests && !strcmp(tok, "rr")) opt.t_rr = true;
		else if (is_tests && !strcmp(tok, "crr")) opt.t_crr = true;
		else if (is_tests && !strcmp(tok, "mem")) opt.t_mem = true;
		else if (!is_tests && !strcmp(tok, "lo")) opt.p_lo = true;
		else if (!is_tests && !strcmp(tok, "veth")) opt.p_veth = true;
		else {
			fprintf(stderr, "unknown %s '%s'\n", is_tests ? "test" : "path", tok);
			exit(2);
		}
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: atcp-bench [--quick] [--rounds N] [--time SEC] [--conns N]\n"
		"                  [--tests stream,rr,crr,mem] [--paths lo,veth]\n"
		"                  [--protos tcp,atcp] [--timeout SEC] [--out DIR]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	bool rounds_set = false, time_set = false, conns_set = false;
	int port = 20000, failed;
	double t_start = now();

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--quick")) opt.quick = true;
		else if (!v) usage();
		else if (!strcmp(a, "--rounds")) { opt.rounds = atoi(v); rounds_set = true; i++; }
		else if (!strcmp(a, "--time")) { opt.time_s = atof(v); time_set = true; i++; }
		else if (!strcmp(a, "--conns")) { opt.conns = atoi(v); conns_set = true; i++; }
		else if (!strcmp(a, "--timeout")) { opt.timeout_s = atof(v); i++; }
		else if (!strcmp(a, "--out")) { opt.out = v; i++; }
		else if (!strcmp(a, "--tests")) { parse_list(v, true); i++; }
		else if (!strcmp(a, "--paths")) { parse_list(v, false); i++; }
		else if (!strcmp(a, "--protos")) {
			char buf[64], *tok, *save;

			opt.use[0] = opt.use[1] = false;
			snprintf(buf, sizeof(buf), "%s", v);
			for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				if (!strcasecmp(tok, "tcp"))
					opt.use[0] = true;
				else if (!strcasecmp(tok, "atcp"))
					opt.use[1] = true;
				else
					usage();
			}
			i++;
		}
		else usage();
	}
	if (opt.quick) {
		if (!rounds_set) opt.rounds = 1;
		if (!time_set) opt.time_s = 0.3;
		if (!conns_set) opt.conns = 200;
	}
	if (opt.rounds < 1 || opt.time_s <= 0 || opt.conns < 1 || opt.rounds * 16 > MAX_RUNS)
		usage();
	if (geteuid()) {
		fprintf(stderr, "atcp-bench: needs root (network namespaces, /proc/slabinfo); run it in the VM\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (mkdir(opt.out, 0755) && errno != EEXIST) {
		fprintf(stderr, "atcp-bench: mkdir %s: %s\n", opt.out, strerror(errno));
		return 2;
	}
	if (opt.use[1]) {	/* is atcp there at all? */
		int fd = socket(AF_INET, SOCK_STREAM, atcp_proto());

		if (fd < 0) {
			fprintf(stderr, "atcp-bench: socket(AF_INET, SOCK_STREAM, %d): %s (atcp.ko loaded?)\n",
				atcp_proto(), strerror(errno));
			return 2;
		}
		close(fd);
	}
	raise_nofile(65536);
	if (net_setup()) {
		fprintf(stderr, "atcp-bench: network namespace setup failed\n");
		net_teardown();
		return 2;
	}
	{
		char rel[128] = "?";
		FILE *f = fopen("/proc/sys/kernel/osrelease", "r");

		if (f) {
			if (!fgets(rel, sizeof(rel), f))
				strcpy(rel, "?");
			fclose(f);
		}
		rel[strcspn(rel, "\n")] = 0;
		printf("atcp-bench: kernel %s; %d round(s), %.1f s per run, TCP and ATCP alternating%s\n",
		       rel, opt.rounds, opt.time_s, opt.quick ? " (quick)" : "");
	}

	/* memory first, while nothing else has left TIME_WAIT entries behind */
	if (opt.t_mem && opt.p_lo) {
		for (int k = 0; k < NPROTO; k++) {
			if (!opt.use[k]) {
				snprintf(memres[k].err, sizeof(memres[k].err), "not run");
				continue;
			}
			printf("[mem] %s: %d connections over loopback ...\n", proto_name(protos[k]), opt.conns);
			run_mem(protos[k], &memres[k]);
			if (!memres[k].ok)
				printf("  FAILED: %s\n", memres[k].err);
			else
				printf("  established %.0f B/sock, TIME_WAIT %.0f B/entry (Slab deltas)\n",
				       memres[k].est_slab, memres[k].tw_slab);
		}
	}

	for (int r = 0; r < opt.rounds; r++) {
		for (int p = 0; p < P_NR; p++) {
			if (!path_enabled(p))
				continue;
			for (int t = 0; t <= T_CRR; t++) {
				if (!test_enabled(t))
					continue;
				for (int j = 0; j < NPROTO; j++) {
					/* alternate which protocol goes first */
					int k = (r + t) % 2 ? 1 - j : j;
					struct run *run;

					if (!opt.use[k])
						continue;
					run = &runs[nruns++];
					struct endpoint e = { .proto = protos[k], .path = p,
							      .port = port++, .test = t };

					run->test = t;
					run->path = p;
					run->proto = protos[k];
					run->round = r;
					run_pair(&e, &run->r);
					if (run->r.ok)
						printf("[round %d] %-10s %-4s %-4s %10.1f %s\n", r + 1,
						       test_name[t], path_name[p], proto_name(protos[k]),
						       run->r.val, test_unit[t]);
					else
						printf("[round %d] %-10s %-4s %-4s FAILED: %s\n", r + 1,
						       test_name[t], path_name[p], proto_name(protos[k]),
						       run->r.err);
				}
			}
		}
	}
	net_teardown();
	failed = report(now() - t_start);
	printf("\n%s; results in %s/ (summary.csv, summary.json, runs.csv, table.md); %.0f s\n",
	       failed ? "SOME RUNS FAILED" : "all runs completed", opt.out, now() - t_start);
	return failed ? 1 : 0;
}
