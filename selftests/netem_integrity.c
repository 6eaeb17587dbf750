// SPDX-License-Identifier: GPL-2.0
/*
 * Integrity through an impaired link: netem on BOTH veths (both directions)
 * and a transfer each way at the same time, every received byte checked
 * against the pattern (atcp_lib.h pattern_*), then FIN/EOF both ways.
 *
 * Profiles: loss 1%, 5%, 20%; reorder 25% with delay; duplicate 5%;
 * corrupt 1%; delay 50 ms with jitter; rate 10 Mbit with a small queue;
 * all of them at once; and 32 parallel connections with 2% loss.
 *
 * Size.  The issue asks for >= 64 MiB each way per profile; under QEMU TCG
 * that takes minutes per case, so `make check` moves a smaller amount:
 *
 *   ATCP_NETEM_BYTES   bytes each way per connection (default 2 MiB; the
 *                      20% loss profile 1/16, the rate-limited and all-at-once
 *                      profiles 1/4 of it,
 *                      parallel connections 1/16 each).  Suffixes K and M.
 *                      Full run: ATCP_NETEM_BYTES=64M.
 *   ATCP_NETEM_REPEAT  run every case this many times on fresh connections
 *                      (default 1; use e.g. 5 to repeat the lossy ones).
 *   ATCP_NETEM_TIMEOUT seconds allowed per transfer (default 240).
 *   ATCP_NETEM_ONLY    comma-separated profile names to run (others skip),
 *                      e.g. ATCP_NETEM_ONLY=loss20,all.
 *
 *   ATCP_NETEM_BYTES=64M ATCP_NETEM_REPEAT=3 VMRUN_TIMEOUT=20000 \
 *       ATCP_TEST_TIMEOUT=20000 make check T=netem_integrity
 *
 * Retransmission timers are shortened for both protocols (atcp: sysctl
 * net.atcp.rto_min_ms; Linux TCP: route rto_min) so 20% loss does not sit
 * through 200 ms minimum RTOs.
 */
#include "atcp_lib.h"

#define PORT	5100

struct profile {
	const char *name;
	const char *netem;	/* parameters of "tc qdisc ... netem", both veths */
	int div;		/* fraction of ATCP_NETEM_BYTES moved */
	int nconn;		/* parallel connections */
};

static const struct profile prof_loss1 = { "loss1", "loss 1%", 1, 1 };
static const struct profile prof_loss5 = { "loss5", "loss 5%", 1, 1 };
static const struct profile prof_loss20 = { "loss20", "loss 20%", 16, 1 };
static const struct profile prof_reorder = { "reorder", "delay 5ms reorder 25% 50%", 1, 1 };
static const struct profile prof_dup = { "dup", "duplicate 5%", 1, 1 };
static const struct profile prof_corrupt = { "corrupt", "corrupt 1%", 1, 1 };
static const struct profile prof_jitter = { "jitter", "delay 50ms 10ms", 1, 1 };
static const struct profile prof_rate = { "rate", "rate 10mbit limit 40", 4, 1 };
static const struct profile prof_all = {
	"all",
	"loss 1% duplicate 5% corrupt 1% delay 50ms 10ms reorder 25% 50% rate 10mbit limit 200",
	4, 1
};
static const struct profile prof_par32 = { "parallel32", "loss 2% delay 1ms", 16, 32 };

FIXTURE(netem) {
	int lfd;
	int cli[32], srv[32];
};

FIXTURE_VARIANT(netem) {
	int proto;
	const struct profile *p;
};

#define NETEM_VARIANT(pname)						\
	FIXTURE_VARIANT_ADD(netem, tcp_##pname) {			\
		.proto = IPPROTO_TCP, .p = &prof_##pname };		\
	FIXTURE_VARIANT_ADD(netem, atcp_##pname) {			\
		.proto = IPPROTO_ATCP, .p = &prof_##pname }

NETEM_VARIANT(loss1);
NETEM_VARIANT(loss5);
NETEM_VARIANT(loss20);
NETEM_VARIANT(reorder);
NETEM_VARIANT(dup);
NETEM_VARIANT(corrupt);
NETEM_VARIANT(jitter);
NETEM_VARIANT(rate);
NETEM_VARIANT(all);
NETEM_VARIANT(par32);

FIXTURE_SETUP(netem)
{
	int i;

	self->lfd = -1;
	for (i = 0; i < 32; i++)
		self->cli[i] = self->srv[i] = -1;
	NET_SETUP(variant->proto);
	ASSERT_EQ(0, fast_rto(variant->proto, 50));
}

FIXTURE_TEARDOWN(netem)
{
	int i;

	for (i = 0; i < 32; i++) {
		if (self->cli[i] >= 0)
			close(self->cli[i]);
		if (self->srv[i] >= 0)
			close(self->srv[i]);
	}
	if (self->lfd >= 0)
		close(self->lfd);
	net_teardown();
}

/* One direction of one connection. */
struct flow {
	int from, to;
	uint64_t seed;
	size_t sent, received;
	bool eof;
};

/*
 * Move @bytes each way over @n connections at once (non-blocking, one poll
 * loop), checking each byte; each side shuts down writing after its last
 * byte and every direction must end in EOF.  0 or -1 (message on stderr).
 */
static int multi_transfer(int *cli, int *srv, int n, size_t bytes, uint64_t seed0,
			  long timeout_ms)
{
	struct flow fl[64];
	struct pollfd pfd[64];
	static uint8_t buf[65536];
	long deadline = now_ms() + timeout_ms;
	int i, nf = 2 * n;

	for (i = 0; i < n; i++) {
		fl[2 * i] = (struct flow){ .from = cli[i], .to = srv[i],
					   .seed = seed0 + 2 * i };
		fl[2 * i + 1] = (struct flow){ .from = srv[i], .to = cli[i],
					       .seed = seed0 + 2 * i + 1 };
		set_nonblock(cli[i], true);
		set_nonblock(srv[i], true);
	}
	/* pfd[k] is the socket fl[k] sends from; fl[k ^ 1] arrives there */
	for (;;) {
		bool done = true;

		for (i = 0; i < nf; i++) {
			pfd[i].fd = fl[i].from;
			pfd[i].events = 0;
			pfd[i].revents = 0;
			if (fl[i].sent < bytes)
				pfd[i].events |= POLLOUT;
			if (!fl[i ^ 1].eof)
				pfd[i].events |= POLLIN;
			if (!fl[i].eof)
				done = false;
		}
		if (done)
			return 0;
		if (now_ms() > deadline) {
			for (i = 0; i < nf; i++) {
				struct conn_xinfo x;

				if (fl[i].eof)
					continue;
				fprintf(stderr, "# timeout: flow %d sent %zu received %zu of %zu\n",
					i, fl[i].sent, fl[i].received, bytes);
				if (sock_xinfo(fl[i].from, &x))
					continue;
				/* the sender's view, to tell a stall from a slow link */
				fprintf(stderr, "#   sender: state %d ca_state %d cwnd %u unacked %u sacked %u lost %u retrans %u backoff %d srtt %u us rto %u us retransmitted %llu\n",
					x.state, x.ca_state, x.cwnd, x.unacked, x.sacked, x.lost,
					x.retrans, x.backoff, x.srtt_us, x.rto_us, x.total_retrans);
			}
			proc_dump(NS_A, sock_proto(cli[0]));
			proc_dump(NS_B, sock_proto(cli[0]));
			return -1;
		}
		if (poll(pfd, nf, 200) < 0)
			return -1;
		for (i = 0; i < nf; i++) {
			struct flow *out = &fl[i], *in = &fl[i ^ 1];
			ssize_t r;

			if ((pfd[i].revents & POLLOUT) && out->sent < bytes) {
				size_t len = bytes - out->sent;

				if (len > sizeof(buf))
					len = sizeof(buf);
				pattern_fill(buf, len, out->seed, out->sent);
				r = send(out->from, buf, len, MSG_NOSIGNAL);
				if (r < 0 && errno != EAGAIN) {
					fprintf(stderr, "# flow %d send: %s\n", i, strerror(errno));
					return -1;
				}
				if (r > 0) {
					out->sent += r;
					if (out->sent == bytes && shutdown(out->from, SHUT_WR)) {
						fprintf(stderr, "# flow %d shutdown: %s\n", i,
							strerror(errno));
						return -1;
					}
				}
			}
			if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP) && !in->eof) {
				long long bad;

				r = recv(pfd[i].fd, buf, sizeof(buf), 0);
				if (r < 0 && errno == EAGAIN)
					continue;
				if (r < 0) {
					fprintf(stderr, "# flow %d recv: %s after %zu bytes\n",
						i ^ 1, strerror(errno), in->received);
					return -1;
				}
				if (r == 0) {
					if (in->received != bytes) {
						fprintf(stderr, "# flow %d: early EOF after %zu bytes\n",
							i ^ 1, in->received);
						return -1;
					}
					in->eof = true;
					continue;
				}
				if (in->received + r > bytes) {
					fprintf(stderr, "# flow %d: %zu bytes too many\n", i ^ 1,
						in->received + r - bytes);
					return -1;
				}
				bad = pattern_check(buf, r, in->seed, in->received);
				if (bad >= 0) {
					fprintf(stderr, "# flow %d: corrupt byte at offset %lld\n",
						i ^ 1, bad);
					return -1;
				}
				in->received += r;
			}
		}
	}
}

TEST_F_TIMEOUT(netem, both_ways, 3600)
{
	const struct profile *p = variant->p;
	size_t bytes = env_size("ATCP_NETEM_BYTES", 2 << 20) / p->div;
	int repeat = env_size("ATCP_NETEM_REPEAT", 1);
	long timeout_ms = env_size("ATCP_NETEM_TIMEOUT", 240) * 1000;
	int proto = variant->proto, r, i;
	long long retr0 = 0;

	if (getenv("ATCP_NETEM_ONLY")) {
		char list[256];

		snprintf(list, sizeof(list), ",%s,", getenv("ATCP_NETEM_ONLY"));
		if (!strstr(list, p->name) || strstr(list, p->name)[-1] != ',' ||
		    strstr(list, p->name)[strlen(p->name)] != ',')
			SKIP(return, "not in ATCP_NETEM_ONLY");
	}
	if (repeat < 1)
		repeat = 1;
	if (bytes < 1)
		bytes = 1;
	self->lfd = ns_listen(NS_B, proto, PORT, 64);
	ASSERT_LE(0, self->lfd);
	/* under 20% loss the handshake's last ACK and SYN-ACK retries get lost */
	set_io_timeout(self->lfd, 60000);
	ASSERT_EQ(0, netem_both(p->netem));
	retr0 = retrans_counter(NS_A, proto) + retrans_counter(NS_B, proto);

	for (r = 0; r < repeat; r++) {
		long t0 = now_ms();

		for (i = 0; i < p->nconn; i++) {
			/* handshakes through the impaired link too */
			self->cli[i] = ns_socket(NS_A, proto);
			ASSERT_LE(0, self->cli[i]);
			set_io_timeout(self->cli[i], 30000);
			ASSERT_EQ(0, connect_ns(self->cli[i], NS_B, PORT))
				TH_LOG("connect %d: %s", i, strerror(errno));
			self->srv[i] = accept(self->lfd, NULL, NULL);
			ASSERT_LE(0, self->srv[i]);
		}
		ASSERT_EQ(0, multi_transfer(self->cli, self->srv, p->nconn, bytes,
					    0x5eed0000ULL + 64 * r, timeout_ms))
			TH_LOG("%s, run %d: transfer failed", p->netem, r + 1);
		TH_LOG("%s run %d/%d: %d x 2 x %zu KiB in %ld ms", p->name, r + 1, repeat,
		       p->nconn, bytes >> 10, now_ms() - t0);
		{
			struct conn_xinfo x;

			if (!sock_xinfo(self->cli[0], &x))
				TH_LOG("client 0: cwnd %u ssthresh %u srtt %u us rto %u us, retransmitted %llu of %llu segments",
				       x.cwnd, x.ssthresh, x.srtt_us, x.rto_us,
				       x.total_retrans, x.segs_out);
		}
		for (i = 0; i < p->nconn; i++) {
			close_fd(&self->cli[i]);
			close_fd(&self->srv[i]);
		}
	}
	TH_LOG("retransmitted segments (both ends): %lld",
	       retrans_counter(NS_A, proto) + retrans_counter(NS_B, proto) - retr0);
}

TEST_HARNESS_MAIN
