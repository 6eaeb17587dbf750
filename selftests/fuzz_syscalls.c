// SPDX-License-Identifier: GPL-2.0
/*
 * System call fuzzer.  Several threads run random sequences of socket,
 * bind, listen, connect (blocking and non-blocking), accept/accept4, send,
 * sendto, sendmsg, recv, recvmsg, shutdown, close, setsockopt, getsockopt,
 * ioctl, fcntl, poll, splice, getsockname and getpeername on a shared pool
 * of sockets in namespaces A and B (veth and loopback connections between
 * a few ports), with random and invalid arguments: bad lengths and
 * address families, NULL buffers, unknown flags, option numbers and ioctl
 * commands, every level the protocol answers to.  Threads share the
 * sockets, so calls race each other on the same socket (a close waits for
 * the calls in progress on its slot: the descriptor number is never reused
 * under another thread).
 *
 * Nothing may block for long: sockets keep send and receive timeouts of
 * 10 ms (the fuzzed options never touch SO_RCVTIMEO, SO_SNDTIMEO or
 * SO_LINGER), pipes used by splice are drained or filled first.
 *
 * The end: every socket closed (aborted), then, with short timers
 * (net.atcp msl_ms, fin_timeout_ms, rto_max_ms ...; TCP's equivalents),
 * no connection may remain in /proc/net/{atcp,tcp} of A and B, and for
 * atcp /sys/module/atcp/refcnt must come back to (at most) where it was: no leaked
 * socket or module reference (the suite's zz-rmmod-atcp case then checks
 * that rmmod works).  The kernel log is checked by the test runner.
 *
 * Knobs: ATCP_FUZZ_SECS (default 10) seconds per variant, ATCP_FUZZ_SEED,
 * ATCP_FUZZ_PROTO=atcp|tcp, ATCP_FUZZ_THREADS (default 4).
 */
#include "atcp_lib.h"
#include <pthread.h>
#include <linux/sockios.h>

#define NSLOTS		48
#define PORT0		6100
#define NPORTS		6
#define MAXTHREADS	16
#define IOBUF		(128 * 1024)

struct slot {
	pthread_rwlock_t lock;	/* read: a call uses fd; write: fd changes */
	int fd;
};

struct ctx {
	int proto;
	struct slot slots[NSLOTS];
	volatile bool stop;
	unsigned long calls[MAXTHREADS], created[MAXTHREADS];
	unsigned long accepted[MAXTHREADS], connected[MAXTHREADS];
	uint64_t seed;
};

struct worker {
	struct ctx *c;
	int id;
	struct fuzz_rng r;
	int pipe[2];
	uint8_t *buf;
	pid_t tid;
	volatile const char *where;	/* the call in progress, for a hang report */
};

static int nthreads(void)
{
	const char *s = getenv("ATCP_FUZZ_THREADS");
	int n = s && *s ? atoi(s) : 4;

	return n < 1 ? 1 : n > MAXTHREADS ? MAXTHREADS : n;
}

/* ------------------------------------------------------------ arguments */

static struct sockaddr_in rnd_addr(struct worker *w)
{
	static const char *const addrs[] = {
		ADDR_A, ADDR_B, "127.0.0.1", "0.0.0.0", "10.23.0.99", "255.255.255.255",
		"224.0.0.1",
	};
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int r = frand_n(&w->r, 100);

	inet_pton(AF_INET, addrs[r < 90 ? frand_n(&w->r, 3) : frand_n(&w->r, 7)], &sa.sin_addr);
	sa.sin_port = htons(fchance(&w->r, 90) ? PORT0 + frand_n(&w->r, NPORTS) :
			    fchance(&w->r, 50) ? 0 : frand(&w->r));
	if (fchance(&w->r, 3))
		sa.sin_family = fchance(&w->r, 50) ? AF_UNSPEC : frand_n(&w->r, 64);
	return sa;
}

static socklen_t rnd_alen(struct worker *w)
{
	static const socklen_t lens[] = { 0, 1, 8, 15, 17, 28, 128, 0x7fffffff };

	return fchance(&w->r, 92) ? sizeof(struct sockaddr_in) : lens[frand_n(&w->r, 8)];
}

static int rnd_flags(struct worker *w)
{
	static const int fl[] = {
		MSG_DONTWAIT, MSG_PEEK, MSG_WAITALL, MSG_OOB, MSG_MORE, MSG_TRUNC,
		MSG_ERRQUEUE, MSG_EOR, MSG_CONFIRM, MSG_DONTROUTE, MSG_ZEROCOPY,
		MSG_FASTOPEN, MSG_CMSG_CLOEXEC,
	};
	int f = MSG_NOSIGNAL, i;

	for (i = 0; i < 2; i++)
		if (fchance(&w->r, 40))
			f |= fl[frand_n(&w->r, sizeof(fl) / sizeof(fl[0]))];
	if (fchance(&w->r, 3))
		f |= frand(&w->r) & ~MSG_NOSIGNAL;
	return f | MSG_NOSIGNAL;
}

static size_t rnd_len(struct worker *w)
{
	int r = frand_n(&w->r, 100);

	if (r < 10)
		return 0;
	if (r < 60)
		return 1 + frand_n(&w->r, 2000);
	if (r < 95)
		return 1 + frand_n(&w->r, IOBUF);
	return fchance(&w->r, 50) ? (size_t)-1 : (size_t)1 << 31;
}

/* A buffer, or NULL / a bad pointer now and then (EFAULT paths). */
static void *rnd_buf(struct worker *w, size_t *len)
{
	if (*len > IOBUF && fchance(&w->r, 50))
		*len = IOBUF;
	if (fchance(&w->r, 3))
		return NULL;
	if (fchance(&w->r, 2))
		return (void *)(uintptr_t)0x10;
	return *len > IOBUF ? w->buf : w->buf;
}

/* ------------------------------------------------------------ options */

struct opt {
	int level, name;
};

static const struct opt opts[] = {
	{ SOL_SOCKET, SO_REUSEADDR }, { SOL_SOCKET, SO_REUSEPORT }, { SOL_SOCKET, SO_KEEPALIVE },
	{ SOL_SOCKET, SO_SNDBUF }, { SOL_SOCKET, SO_RCVBUF }, { SOL_SOCKET, SO_SNDBUFFORCE },
	{ SOL_SOCKET, SO_RCVBUFFORCE }, { SOL_SOCKET, SO_RCVLOWAT }, { SOL_SOCKET, SO_SNDLOWAT },
	{ SOL_SOCKET, SO_OOBINLINE }, { SOL_SOCKET, SO_PRIORITY }, { SOL_SOCKET, SO_MARK },
	{ SOL_SOCKET, SO_BINDTODEVICE }, { SOL_SOCKET, SO_ERROR }, { SOL_SOCKET, SO_TYPE },
	{ SOL_SOCKET, SO_PROTOCOL }, { SOL_SOCKET, SO_DOMAIN }, { SOL_SOCKET, SO_ACCEPTCONN },
	{ SOL_SOCKET, SO_TIMESTAMP }, { SOL_SOCKET, SO_TIMESTAMPNS }, { SOL_SOCKET, SO_TIMESTAMPING },
	{ SOL_SOCKET, SO_PEEK_OFF }, { SOL_SOCKET, SO_BUSY_POLL }, { SOL_SOCKET, SO_MAX_PACING_RATE },
	{ SOL_SOCKET, SO_INCOMING_CPU }, { SOL_SOCKET, SO_ZEROCOPY }, { SOL_SOCKET, SO_TXTIME },
	{ SOL_SOCKET, SO_ATTACH_FILTER }, { SOL_SOCKET, SO_DETACH_FILTER }, { SOL_SOCKET, SO_LOCK_FILTER },
	{ SOL_SOCKET, SO_PEERCRED }, { SOL_SOCKET, SO_PEERNAME }, { SOL_SOCKET, SO_DEBUG },
	{ SOL_SOCKET, SO_DONTROUTE }, { SOL_SOCKET, SO_BROADCAST }, { SOL_SOCKET, SO_PASSCRED },
	{ IPPROTO_IP, IP_TOS }, { IPPROTO_IP, IP_TTL }, { IPPROTO_IP, IP_OPTIONS },
	{ IPPROTO_IP, IP_RECVERR }, { IPPROTO_IP, IP_MTU_DISCOVER }, { IPPROTO_IP, IP_MTU },
	{ IPPROTO_IP, IP_PKTINFO }, { IPPROTO_IP, IP_FREEBIND }, { IPPROTO_IP, IP_TRANSPARENT },
	{ IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT }, { IPPROTO_IP, IP_HDRINCL },
	{ IPPROTO_IP, IP_MULTICAST_IF }, { IPPROTO_IP, IP_ADD_MEMBERSHIP },
	{ IPPROTO_TCP, TCP_NODELAY }, { IPPROTO_TCP, TCP_MAXSEG }, { IPPROTO_TCP, TCP_CORK },
	{ IPPROTO_TCP, TCP_KEEPIDLE }, { IPPROTO_TCP, TCP_KEEPINTVL }, { IPPROTO_TCP, TCP_KEEPCNT },
	{ IPPROTO_TCP, TCP_SYNCNT }, { IPPROTO_TCP, TCP_LINGER2 }, { IPPROTO_TCP, TCP_DEFER_ACCEPT },
	{ IPPROTO_TCP, TCP_WINDOW_CLAMP }, { IPPROTO_TCP, TCP_INFO }, { IPPROTO_TCP, TCP_QUICKACK },
	{ IPPROTO_TCP, TCP_CONGESTION }, { IPPROTO_TCP, TCP_USER_TIMEOUT },
	{ IPPROTO_TCP, TCP_NOTSENT_LOWAT }, { IPPROTO_TCP, TCP_FASTOPEN }, { IPPROTO_TCP, TCP_ULP },
	{ IPPROTO_TCP, TCP_MD5SIG }, { IPPROTO_TCP, TCP_THIN_LINEAR_TIMEOUTS },
	{ IPPROTO_TCP, TCP_SAVE_SYN }, { IPPROTO_TCP, TCP_SAVED_SYN }, { IPPROTO_TCP, TCP_TX_DELAY },
	{ SOL_ATCP, ATCP_NODELAY }, { SOL_ATCP, ATCP_MAXSEG }, { SOL_ATCP, ATCP_CORK },
	{ SOL_ATCP, ATCP_KEEPIDLE }, { SOL_ATCP, ATCP_KEEPINTVL }, { SOL_ATCP, ATCP_KEEPCNT },
	{ SOL_ATCP, ATCP_INFO }, { SOL_ATCP, ATCP_CONGESTION }, { SOL_ATCP, ATCP_USER_TIMEOUT },
};

/* Options the fuzzer leaves alone: they could make a call block without end. */
static bool opt_banned(int level, int name)
{
	if (level == SOL_SOCKET)
		return name == SO_RCVTIMEO_OLD || name == SO_SNDTIMEO_OLD || name == SO_LINGER ||
		       name == SO_RCVTIMEO_NEW || name == SO_SNDTIMEO_NEW;
	/* repair mode is a root-only debugging interface of TCP */
	if (level == IPPROTO_TCP)
		return name >= 19 && name <= 22;	/* TCP_REPAIR* */
	return false;
}

static void rnd_opt(struct worker *w, int *level, int *name)
{
	static const int levels[] = { SOL_SOCKET, IPPROTO_IP, IPPROTO_TCP, SOL_ATCP, 0, -1, 999 };

	do {
		if (fchance(&w->r, 85)) {
			const struct opt *o = &opts[frand_n(&w->r, sizeof(opts) / sizeof(opts[0]))];

			*level = o->level;
			*name = o->name;
		} else {
			*level = levels[frand_n(&w->r, sizeof(levels) / sizeof(levels[0]))];
			*name = fchance(&w->r, 80) ? (int)frand_n(&w->r, 80) : (int)frand(&w->r);
		}
	} while (opt_banned(*level, *name));
}

/* An option value: an int from a set of edges, a string, or random bytes. */
static socklen_t rnd_optval(struct worker *w, uint8_t *val, int level, int name)
{
	static const int ints[] = { 0, 1, -1, 2, 7, 88, 536, 1460, 4096, 65535, 65536, 1 << 20,
				    1 << 30, INT_MAX, INT_MIN };
	static const char *const strs[] = { "cubic", "reno", "bbr", "tls", "lo", DEV_A, DEV_B, "",
					    "no-such-thing-xxxxxxxxxxxxxxxxxxx" };
	int v = ints[frand_n(&w->r, sizeof(ints) / sizeof(ints[0]))];
	int r = frand_n(&w->r, 100);
	size_t i, n;

	if (((level == IPPROTO_TCP && (name == TCP_CONGESTION || name == TCP_ULP)) ||
	     (level == SOL_ATCP && name == ATCP_CONGESTION) ||
	     (level == SOL_SOCKET && name == SO_BINDTODEVICE)) && r < 70) {
		const char *s = strs[frand_n(&w->r, sizeof(strs) / sizeof(strs[0]))];

		n = strlen(s) + fchance(&w->r, 50);
		memcpy(val, s, strlen(s) + 1);
		return n;
	}
	if (r < 75) {
		if (fchance(&w->r, 30))
			v = frand(&w->r);
		memcpy(val, &v, sizeof(v));
		return fchance(&w->r, 90) ? sizeof(int) : frand_n(&w->r, 9);
	}
	n = frand_n(&w->r, 257);
	for (i = 0; i < n; i++)
		val[i] = frand(&w->r);
	return n;
}

/* ------------------------------------------------------------ calls */

static void slot_install(struct worker *w, int fd)
{
	struct slot *s = &w->c->slots[frand_n(&w->r, NSLOTS)];
	int old;

	if (fd < 0)
		return;
	set_io_timeout(fd, 10);
	w->where = "install: slot write lock";
	pthread_rwlock_wrlock(&s->lock);
	old = s->fd;
	s->fd = fd;
	pthread_rwlock_unlock(&s->lock);
	if (old >= 0)
		abort_fd(old);
	w->c->created[w->id]++;
}

static int new_socket(struct worker *w)
{
	static const int types[] = { SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET, 0, 77 };
	int type = SOCK_STREAM, proto = w->c->proto, ns, fd, r;

	if (fchance(&w->r, 30))
		type |= SOCK_NONBLOCK;
	if (fchance(&w->r, 4))
		type = types[frand_n(&w->r, 5)];
	if (fchance(&w->r, 3))
		proto = fchance(&w->r, 50) ? 0 : (int)frand_n(&w->r, 300);
	ns = fchance(&w->r, 50) ? NS_A : NS_B;
	fd = ns_socket_type(ns, type, proto);
	if (fd < 0 || type != SOCK_STREAM || proto != w->c->proto)
		return fd;
	/* a head start now and then: a listener, or a connection attempt */
	r = frand_n(&w->r, 100);
	if (r < 25) {
		struct sockaddr_in sa = ns_sockaddr(ns, PORT0 + frand_n(&w->r, NPORTS));

		set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
		if (fchance(&w->r, 50))
			sa.sin_addr.s_addr = INADDR_ANY;
		if (!bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
			listen(fd, 1 + frand_n(&w->r, 8));
	} else if (r < 60) {
		struct sockaddr_in sa = rnd_addr(w);

		set_io_timeout(fd, 10);
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			w->c->connected[w->id]++;
	}
	return fd;
}

static void do_close(struct worker *w, struct slot *s, bool abort)
{
	int fd;

	pthread_rwlock_wrlock(&s->lock);
	fd = s->fd;
	s->fd = -1;
	pthread_rwlock_unlock(&s->lock);
	if (fd < 0)
		return;
	if (abort)
		abort_fd(fd);
	else
		close(fd);
}

static void do_poll(struct worker *w)
{
	struct pollfd pfd[8];
	struct slot *held[8];
	int i, n = 1 + frand_n(&w->r, 8);

	for (i = 0; i < n; i++) {
		held[i] = &w->c->slots[frand_n(&w->r, NSLOTS)];
		pthread_rwlock_rdlock(&held[i]->lock);
		pfd[i].fd = held[i]->fd;
		pfd[i].events = fchance(&w->r, 80) ? POLLIN | POLLOUT | POLLRDHUP | POLLPRI :
						   (short)frand(&w->r);
	}
	poll(pfd, n, frand_n(&w->r, 5));
	for (i = n - 1; i >= 0; i--)
		pthread_rwlock_unlock(&held[i]->lock);
}

static void drain_pipe(struct worker *w)
{
	char tmp[4096];

	while (read(w->pipe[0], tmp, sizeof(tmp)) > 0)
		;
}

/*
 * One call on the socket of a slot the caller holds read-locked.  Returns a
 * new descriptor (accept) for the caller to install once it has dropped
 * that lock, or -1: taking a slot's write lock here could wait for the very
 * lock held (a thread that picked its own slot never returns, and then
 * every thread that closes or installs there waits behind it).
 */
static int call_on(struct worker *w, int fd)
{
	int cfd = -1;

	struct sockaddr_in sa;
	socklen_t alen;
	uint8_t val[300];
	size_t len;
	void *buf;
	int level, name, r = frand_n(&w->r, 100);

	if (r < 6) {
		w->where = "bind";
		sa = rnd_addr(w);
		bind(fd, (struct sockaddr *)&sa, rnd_alen(w));
	} else if (r < 10) {
		w->where = "listen";
		static const int backlogs[] = { -1, 0, 1, 4, 128, INT_MAX };

		listen(fd, backlogs[frand_n(&w->r, 6)]);
	} else if (r < 17) {
		w->where = "connect";
		/* blocking (10 ms) or not, as the socket is; AF_UNSPEC disconnects */
		sa = rnd_addr(w);
		if (fchance(&w->r, 30))
			set_nonblock(fd, fchance(&w->r, 50));
		if (!connect(fd, (struct sockaddr *)&sa, rnd_alen(w)))
			w->c->connected[w->id]++;
	} else if (r < 24) {
		w->where = "accept";
		alen = rnd_alen(w);
		if (fchance(&w->r, 50))
			cfd = accept4(fd, fchance(&w->r, 80) ? (struct sockaddr *)&sa : NULL,
				      fchance(&w->r, 90) ? &alen : NULL,
				      fchance(&w->r, 50) ? SOCK_NONBLOCK : fchance(&w->r, 90) ?
				      SOCK_CLOEXEC : (int)frand(&w->r));
		else
			cfd = accept(fd, (struct sockaddr *)&sa, &alen);
		if (cfd >= 0)
			w->c->accepted[w->id]++;
	} else if (r < 38) {
		w->where = "send";
		len = rnd_len(w);
		buf = rnd_buf(w, &len);
		if (fchance(&w->r, 80)) {
			send(fd, buf, len, rnd_flags(w));
		} else if (fchance(&w->r, 50)) {
			sa = rnd_addr(w);
			sendto(fd, buf, len, rnd_flags(w), (struct sockaddr *)&sa, rnd_alen(w));
		} else {
			struct iovec iov[3] = {
				{ buf, len / 2 }, { w->buf, len - len / 2 }, { NULL, frand_n(&w->r, 2) },
			};
			uint8_t cbuf[64];
			struct msghdr mh = {
				.msg_iov = iov, .msg_iovlen = 1 + frand_n(&w->r, 3),
			};
			size_t i;

			if (fchance(&w->r, 30)) {
				for (i = 0; i < sizeof(cbuf); i++)
					cbuf[i] = frand(&w->r);
				mh.msg_control = cbuf;
				mh.msg_controllen = frand_n(&w->r, sizeof(cbuf) + 1);
			}
			sendmsg(fd, &mh, rnd_flags(w));
		}
	} else if (r < 52) {
		w->where = "recv";
		len = rnd_len(w);
		buf = rnd_buf(w, &len);
		if (fchance(&w->r, 70)) {
			recv(fd, buf, len, rnd_flags(w) | (fchance(&w->r, 50) ? MSG_DONTWAIT : 0));
		} else {
			struct iovec iov = { buf, len };
			uint8_t cbuf[128];
			struct msghdr mh = {
				.msg_iov = &iov, .msg_iovlen = 1,
				.msg_control = fchance(&w->r, 50) ? cbuf : NULL,
				.msg_controllen = frand_n(&w->r, sizeof(cbuf) + 1),
			};

			recvmsg(fd, &mh, rnd_flags(w));
		}
	} else if (r < 56) {
		w->where = "shutdown";
		shutdown(fd, fchance(&w->r, 90) ? (int)frand_n(&w->r, 3) : (int)frand(&w->r));
	} else if (r < 68) {
		w->where = "setsockopt";
		socklen_t olen;

		rnd_opt(w, &level, &name);
		olen = rnd_optval(w, val, level, name);
		if (level == SOL_SOCKET && (name == SO_ATTACH_FILTER)) {
			/* a filter array that is short or garbage: EINVAL/EFAULT/ENOMEM */
			struct { unsigned short len; void *f; } prog = { frand_n(&w->r, 4), val };

			memcpy(val + 64, &prog, sizeof(prog));
			setsockopt(fd, level, name, val + 64, fchance(&w->r, 80) ? sizeof(prog) : olen);
		} else {
			setsockopt(fd, level, name, fchance(&w->r, 3) ? NULL : val, olen);
		}
	} else if (r < 78) {
		w->where = "getsockopt";
		socklen_t olen = fchance(&w->r, 80) ? sizeof(val) :
				 fchance(&w->r, 50) ? frand_n(&w->r, 9) : (socklen_t)-1;

		rnd_opt(w, &level, &name);
		getsockopt(fd, level, name, fchance(&w->r, 3) ? NULL : val,
			   fchance(&w->r, 3) ? NULL : &olen);
	} else if (r < 84) {
		w->where = "ioctl";
		static const unsigned long cmds[] = {
			FIONREAD, SIOCOUTQ, SIOCOUTQNSD, SIOCATMARK, FIONBIO, SIOCGSTAMP_OLD,
			SIOCGSTAMPNS_OLD, SIOCGIFNAME, SIOCGIFINDEX, 0x8900, 0x5401, 0,
		};
		unsigned long cmd = fchance(&w->r, 85) ? cmds[frand_n(&w->r, 12)] :
				    0x40000000UL | frand_n(&w->r, 0x10000);
		int arg = frand_n(&w->r, 2);

		memset(val, 0, sizeof(val));
		memcpy(val, &arg, sizeof(arg));
		ioctl(fd, cmd, fchance(&w->r, 5) ? NULL : val);
	} else if (r < 88) {
		w->where = "splice";
		/* splice both ways through this thread's pipe */
		len = 1 + frand_n(&w->r, 65536);
		if (fchance(&w->r, 50)) {
			w->where = "splice socket->pipe";
			drain_pipe(w);
			splice(fd, NULL, w->pipe[1], NULL, len,
			       SPLICE_F_NONBLOCK | (fchance(&w->r, 50) ? SPLICE_F_MOVE : 0));
			drain_pipe(w);
		} else {
			ssize_t n = write(w->pipe[1], w->buf, len < 4096 ? len : 4096);

			w->where = "splice pipe->socket";
			if (n > 0)
				splice(w->pipe[0], NULL, fd, NULL, n,
				       (fchance(&w->r, 50) ? SPLICE_F_NONBLOCK : 0) |
				       (fchance(&w->r, 50) ? SPLICE_F_MORE : 0));
			drain_pipe(w);
		}
	} else if (r < 92) {
		w->where = "getname";
		alen = fchance(&w->r, 80) ? sizeof(sa) : frand_n(&w->r, 20);
		if (fchance(&w->r, 50))
			getsockname(fd, (struct sockaddr *)&sa, &alen);
		else
			getpeername(fd, (struct sockaddr *)&sa, &alen);
	} else if (r < 95) {
		w->where = "fcntl";
		set_nonblock(fd, fchance(&w->r, 50));
	} else {
		w->where = "exchange";
		/* a real exchange: send a little, read what is there */
		send(fd, w->buf, 1 + frand_n(&w->r, 100), MSG_DONTWAIT | MSG_NOSIGNAL);
		recv(fd, w->buf, IOBUF, MSG_DONTWAIT);
	}
	return cfd;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct ctx *c = w->c;

	w->tid = gettid();
	while (!c->stop) {
		struct slot *s = &c->slots[frand_n(&w->r, NSLOTS)];
		int r = frand_n(&w->r, 100);

		c->calls[w->id]++;
		if (r < 8) {
			w->where = "socket";
			slot_install(w, new_socket(w));
		} else if (r < 11) {
			w->where = "close";
			do_close(w, s, fchance(&w->r, 50));
		} else if (r < 15) {
			w->where = "poll";
			do_poll(w);
		} else {
			int cfd = -1;

			w->where = "slot read lock";
			pthread_rwlock_rdlock(&s->lock);
			if (s->fd >= 0)
				cfd = call_on(w, s->fd);
			pthread_rwlock_unlock(&s->lock);
			slot_install(w, cfd);
		}
	}
	return NULL;
}

/* ------------------------------------------------------------ the test */

static long module_refcnt(void)
{
	FILE *f = fopen("/sys/module/atcp/refcnt", "re");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void print_file(const char *what, const char *path)
{
	char line[256];
	FILE *f = fopen(path, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		printf("#   %s: %s", what, line);
	fclose(f);
}

/* A worker did not end: say where each one is, in user space and in the kernel. */
static void hang_report(struct worker *w, int n)
{
	char path[96];
	int i;

	for (i = 0; i < n; i++) {
		printf("# worker %d (tid %d): %s\n", i, w[i].tid, w[i].where);
		snprintf(path, sizeof(path), "/proc/self/task/%d/wchan", w[i].tid);
		print_file("wchan", path);
		printf("\n");
		snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", w[i].tid);
		print_file("syscall", path);
		snprintf(path, sizeof(path), "/proc/self/task/%d/stack", w[i].tid);
		print_file("stack", path);
	}
	fflush(stdout);
}

static int count_fds(void)
{
	char path[64];
	int fd, n = 0;

	for (fd = 0; fd < 4096; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (!access(path, F_OK))
			n++;
	}
	return n;
}

/* Short timers, so that what the fuzzing left behind ends soon. */
static int short_timers(int proto)
{
	static const char *const atcp[][2] = {
		{ "msl_ms", "50" }, { "fin_timeout_ms", "200" }, { "rto_min_ms", "20" },
		{ "rto_max_ms", "1000" }, { "syn_retries", "2" }, { "synack_retries", "2" },
		{ "retries2", "3" }, { "keepalive_time", "1" }, { "keepalive_intvl", "1" },
		{ "keepalive_probes", "2" },
	};
	static const char *const tcp[][2] = {
		{ "tcp_fin_timeout", "1" }, { "tcp_max_tw_buckets", "0" }, { "tcp_orphan_retries", "1" },
		{ "tcp_syn_retries", "2" }, { "tcp_synack_retries", "2" }, { "tcp_retries2", "3" },
		{ "tcp_keepalive_time", "1" }, { "tcp_keepalive_intvl", "1" },
		{ "tcp_keepalive_probes", "2" },
	};
	char path[96];
	unsigned int i;
	int ns;

	for (ns = NS_A; ns <= NS_B; ns++) {
		if (proto == IPPROTO_ATCP) {
			for (i = 0; i < sizeof(atcp) / sizeof(atcp[0]); i++) {
				snprintf(path, sizeof(path), "net/atcp/%s", atcp[i][0]);
				if (ns_sysctl_set(ns, path, atcp[i][1]))
					return -1;
			}
		} else {
			for (i = 0; i < sizeof(tcp) / sizeof(tcp[0]); i++) {
				snprintf(path, sizeof(path), "net/ipv4/%s", tcp[i][0]);
				if (ns_sysctl_set(ns, path, tcp[i][1]))
					return -1;
			}
		}
	}
	return 0;
}

FIXTURE(sc) {
	struct ctx c;
};

PROTO_VARIANTS(sc);

FIXTURE_SETUP(sc)
{
	const char *only = getenv("ATCP_FUZZ_PROTO");
	pthread_rwlockattr_t ra;
	int i;

	memset(&self->c, 0, sizeof(self->c));
	/*
	 * poll read-locks up to 8 slots, the same one twice at times: readers
	 * must not queue behind a waiting writer (glibc's default, said here).
	 */
	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_READER_NP);
	for (i = 0; i < NSLOTS; i++) {
		pthread_rwlock_init(&self->c.slots[i].lock, &ra);
		self->c.slots[i].fd = -1;
	}
	if (only && *only && strcmp(only, proto_name(variant->proto)))
		SKIP_SETUP("ATCP_FUZZ_PROTO=%s", only);
	NET_SETUP(variant->proto);
	ASSERT_EQ(0, short_timers(variant->proto));
}

FIXTURE_TEARDOWN(sc)
{
	int i;

	for (i = 0; i < NSLOTS; i++)
		if (self->c.slots[i].fd >= 0)
			abort_fd(self->c.slots[i].fd);
	net_teardown();
}

TEST_F_TIMEOUT(sc, random_calls, 36000)
{
	struct ctx *c = &self->c;
	struct worker w[MAXTHREADS];
	pthread_t th[MAXTHREADS];
	int n = nthreads(), i, fds0, left[2];
	long ref0 = module_refcnt(), ref;
	unsigned long calls = 0, created = 0, accepted = 0, connected = 0;
	long start = now_ms();

	c->proto = variant->proto;
	c->seed = fuzz_seed();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGIO, SIG_IGN);
	signal(SIGURG, SIG_IGN);
	fds0 = count_fds();
	for (i = 0; i < n; i++) {
		char salt[32];

		w[i].c = c;
		w[i].id = i;
		snprintf(salt, sizeof(salt), "%s/%d", proto_name(c->proto), i);
		frng_init(&w[i].r, c->seed, salt);
		ASSERT_EQ(0, pipe2(w[i].pipe, O_NONBLOCK | O_CLOEXEC));
		w[i].buf = malloc(IOBUF);
		ASSERT_NE(NULL, w[i].buf);
		memset(w[i].buf, 'x', IOBUF);
		ASSERT_EQ(0, pthread_create(&th[i], NULL, worker_main, &w[i]));
	}
	while (now_ms() - start < (long)(fuzz_secs(10) * 1000))
		sleep_ms(50);
	c->stop = true;
	for (i = 0; i < n; i++) {
		/* every call is bounded (10 ms timeouts): the threads end soon */
		struct timespec dl;

		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_sec += 60;
		if (pthread_timedjoin_np(th[i], NULL, &dl)) {
			hang_report(w, n);
			ASSERT_TRUE(0) TH_LOG("worker %d still in '%s' 60 s after the end",
					      i, w[i].where);
		}
		calls += c->calls[i];
		created += c->created[i];
		accepted += c->accepted[i];
		connected += c->connected[i];
		close(w[i].pipe[0]);
		close(w[i].pipe[1]);
		free(w[i].buf);
	}
	for (i = 0; i < NSLOTS; i++)
		do_close(&w[0], &c->slots[i], true);
	printf("# %s: %d threads, %lu calls, %lu sockets, %lu connects, %lu accepts (%.1f s)\n",
	       proto_name(c->proto), n, calls, created, connected, accepted,
	       (now_ms() - start) / 1000.0);

	/* every socket closed: no descriptor left, no connection left */
	ASSERT_EQ(fds0, count_fds());
	for (i = 0; i < 2; i++) {
		int ns = i ? NS_B : NS_A;

		WAIT_UNTIL((left[i] = proc_count(ns, c->proto, ANY, ANY, ANY)) == 0, 60000);
		if (left[i])
			proc_dump(ns, c->proto);
	}
	ASSERT_EQ(0, left[0]) TH_LOG("connections left in A");
	ASSERT_EQ(0, left[1]) TH_LOG("connections left in B");
	if (c->proto == IPPROTO_ATCP) {
		/* sockets of earlier tests may still have been closing at the start */
		ASSERT_TRUE(WAIT_UNTIL((ref = module_refcnt()) <= ref0, 60000))
			TH_LOG("atcp refcnt %ld, was %ld before", ref, ref0);
	}
}

TEST_HARNESS_MAIN
