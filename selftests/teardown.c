// SPDX-License-Identifier: GPL-2.0
/*
 * Connection teardown: the four-way close and its states, TIME_WAIT and its
 * expiry, FIN+ACK in FIN_WAIT_1, simultaneous close through CLOSING,
 * half-close, orphaned FIN_WAIT_2 expiry and the TIME_WAIT re-ACK of a
 * retransmitted FIN.  Client in namespace A, listener in B.
 */
#include "atcp_lib.h"

#define PORT	5002

FIXTURE(td) {
	struct conn c;
};

PROTO_VARIANTS(td);

FIXTURE_SETUP(td)
{
	conn_init(&self->c);
	NET_SETUP(variant->proto);
}

FIXTURE_TEARDOWN(td)
{
	conn_close(&self->c);
	net_teardown();
}

#define CONNECT() \
	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT)) \
		TH_LOG("connect: %s", strerror(errno))

#define CONN_COUNT(ns, st) conn_count(&self->c, ns, st)

/*
 * @fd is in @st right after a call made at @t0 whose answer netem holds
 * @held_ms; a loaded VM may take longer than that to look (the state is
 * then past @st: seen once on 6.12), which only a state of the past allows.
 * Returns whether @st was seen.
 */
static bool state_while_held(struct __test_metadata *_metadata, int fd, int st,
			     long t0, long held_ms)
{
	int now = sock_state(fd);

	if (now == st)
		return true;
	TH_LOG("%s after %ld ms, not %s: the %ld ms netem delay had passed",
	       state_name(now), now_ms() - t0, state_name(st), held_ms);
	EXPECT_LE(held_ms, now_ms() - t0);
	return false;
}

/*
 * Active close: FIN_WAIT_1 (netem holds A's FIN 100 ms) -> FIN_WAIT_2 once
 * B acknowledges; B CLOSE_WAIT, then LAST_ACK after its own shutdown (A's
 * ACK is held 100 ms) and CLOSE; A ends in TIME_WAIT.
 */
TEST_F(td, four_way_close)
{
	long t0;
	char c;

	ASSERT_EQ(0, netem(NS_A, "delay 100ms"));
	CONNECT();

	t0 = now_ms();
	ASSERT_EQ(0, shutdown(self->c.cli, SHUT_WR));
	if (state_while_held(_metadata, self->c.cli, TCP_FIN_WAIT1, t0, 100))
		ASSERT_EQ(1, CONN_COUNT(NS_A, TCP_FIN_WAIT1));

	ASSERT_REACHES(self->c.srv, TCP_CLOSE_WAIT);
	ASSERT_EQ(0, recv(self->c.srv, &c, 1, 0));	/* EOF */
	ASSERT_EQ(1, CONN_COUNT(NS_B, TCP_CLOSE_WAIT));
	ASSERT_REACHES(self->c.cli, TCP_FIN_WAIT2);
	ASSERT_EQ(1, CONN_COUNT(NS_A, TCP_FIN_WAIT2));

	t0 = now_ms();
	ASSERT_EQ(0, shutdown(self->c.srv, SHUT_WR));
	if (state_while_held(_metadata, self->c.srv, TCP_LAST_ACK, t0, 100))
		ASSERT_EQ(1, CONN_COUNT(NS_B, TCP_LAST_ACK));

	ASSERT_TRUE(WAIT_UNTIL(CONN_COUNT(NS_A, TCP_TIME_WAIT) == 1, SOON_MS))
		proc_dump(NS_A, variant->proto);
	ASSERT_TRUE(state_done(sock_state(self->c.cli)))
		TH_LOG("cli is %s", state_name(sock_state(self->c.cli)));
	ASSERT_EQ(0, recv(self->c.cli, &c, 1, 0));	/* EOF */

	ASSERT_REACHES(self->c.srv, TCP_CLOSE);
	ASSERT_EQ(0, CONN_COUNT(NS_B, ANY));
	/* closing the file leaves the TIME_WAIT entry */
	close_fd(&self->c.cli);
	ASSERT_EQ(1, CONN_COUNT(NS_A, TCP_TIME_WAIT));
	ASSERT_EQ(1, CONN_COUNT(NS_A, ANY));
}

/* TIME_WAIT lasts 2 * msl_ms, then the entry disappears (atcp: MSL is tunable) */
TEST_F(td, time_wait_expiry)
{
	const long msl_ms = 100;
	long t0, elapsed;
	char c;

	ATCP_ONLY(variant->proto, "Linux TCP TIME_WAIT is a fixed 60 s");
	ASSERT_EQ(0, ns_sysctl_set_int(NS_A, "net/atcp/msl_ms", msl_ms));
	CONNECT();

	ASSERT_EQ(0, shutdown(self->c.cli, SHUT_WR));
	ASSERT_EQ(0, recv(self->c.srv, &c, 1, 0));
	close_fd(&self->c.srv);
	ASSERT_TRUE(WAIT_UNTIL(CONN_COUNT(NS_A, TCP_TIME_WAIT) == 1, SOON_MS))
		proc_dump(NS_A, variant->proto);
	t0 = now_ms();
	close_fd(&self->c.cli);

	ASSERT_TRUE(WAIT_UNTIL(CONN_COUNT(NS_A, ANY) == 0, 2 * msl_ms + 2000))
		proc_dump(NS_A, variant->proto);
	elapsed = now_ms() - t0;
	TH_LOG("TIME_WAIT lasted %ld ms (2 * msl_ms = %ld)", elapsed, 2 * msl_ms);
	ASSERT_GE(elapsed, 2 * msl_ms * 9 / 10);
	ASSERT_EQ(0, CONN_COUNT(NS_B, ANY));
}

/*
 * The peer's FIN carries the ACK of ours (B's pure ACKs are dropped by a tc
 * filter): FIN_WAIT_1 goes to TIME_WAIT without FIN_WAIT_2.
 */
TEST_F(td, fin_ack_in_fin_wait1)
{
	bool saw_fin_wait2 = false;
	long deadline;
	char c;
	int st;

	CONNECT();
	/* drop segments from B whose flags are exactly ACK */
	ASSERT_EQ(0, ns_sh(NS_B, "tc qdisc add dev %s clsact && "
			   "tc filter add dev %s egress protocol ip prio 1 u32 "
			   "match ip protocol %d 0xff match u8 0x10 0xff at 33 action drop",
			   DEV_B, DEV_B, kproto(variant->proto)));

	ASSERT_EQ(0, shutdown(self->c.cli, SHUT_WR));
	ASSERT_EQ(0, recv(self->c.srv, &c, 1, 0));
	ASSERT_STATE(self->c.srv, TCP_CLOSE_WAIT);
	/* B's ACK was lost: A still waits in FIN_WAIT_1 */
	sleep_ms(150);
	ASSERT_STATE(self->c.cli, TCP_FIN_WAIT1);

	ASSERT_EQ(0, shutdown(self->c.srv, SHUT_WR));	/* FIN|ACK */
	deadline = now_ms() + SOON_MS;
	do {
		st = sock_state(self->c.cli);
		if (st == TCP_FIN_WAIT2)
			saw_fin_wait2 = true;
	} while ((st == TCP_FIN_WAIT1 || st == TCP_FIN_WAIT2) && now_ms() < deadline);
	ASSERT_FALSE(saw_fin_wait2);
	ASSERT_TRUE(state_done(st)) TH_LOG("cli is %s", state_name(st));
	ASSERT_EQ(1, CONN_COUNT(NS_A, TCP_TIME_WAIT));
	ASSERT_REACHES(self->c.srv, TCP_CLOSE);
}

/*
 * Simultaneous close: both shut down at once, netem delays both directions
 * 150 ms so the FINs cross; both go FIN_WAIT_1 -> CLOSING -> TIME_WAIT.
 */
TEST_F(td, simultaneous_close)
{
	char c;

	CONNECT();
	ASSERT_EQ(0, netem(NS_A, "delay 150ms"));
	ASSERT_EQ(0, netem(NS_B, "delay 150ms"));

	ASSERT_EQ(0, shutdown(self->c.cli, SHUT_WR));
	ASSERT_EQ(0, shutdown(self->c.srv, SHUT_WR));
	ASSERT_STATE(self->c.cli, TCP_FIN_WAIT1);
	ASSERT_STATE(self->c.srv, TCP_FIN_WAIT1);

	ASSERT_REACHES(self->c.cli, TCP_CLOSING);
	ASSERT_STATE(self->c.srv, TCP_CLOSING);
	ASSERT_EQ(1, CONN_COUNT(NS_A, TCP_CLOSING));
	ASSERT_EQ(1, CONN_COUNT(NS_B, TCP_CLOSING));

	ASSERT_TRUE(WAIT_UNTIL(CONN_COUNT(NS_A, TCP_TIME_WAIT) == 1 &&
			       CONN_COUNT(NS_B, TCP_TIME_WAIT) == 1, SOON_MS)) {
		proc_dump(NS_A, variant->proto);
		proc_dump(NS_B, variant->proto);
	}
	ASSERT_TRUE(state_done(sock_state(self->c.cli)));
	ASSERT_TRUE(state_done(sock_state(self->c.srv)));
	ASSERT_EQ(0, recv(self->c.cli, &c, 1, 0));
	ASSERT_EQ(0, recv(self->c.srv, &c, 1, 0));
}

/*
 * Half-close: after shutdown(SHUT_WR) the client still receives everything
 * the server sends; the server sees EOF; sending on the shut side fails.
 */
TEST_F(td, half_close)
{
	enum { LEN = 200000 };
	static uint8_t buf[LEN];
	char c;

	CONNECT();
	ASSERT_EQ(0, shutdown(self->c.cli, SHUT_WR));
	ASSERT_EQ(0, recv(self->c.srv, &c, 1, 0));
	ASSERT_REACHES(self->c.cli, TCP_FIN_WAIT2);
	ASSERT_STATE(self->c.srv, TCP_CLOSE_WAIT);
	ASSERT_EQ(-1, send(self->c.cli, "x", 1, MSG_NOSIGNAL));
	ASSERT_EQ(EPIPE, errno);

	pattern_fill(buf, LEN, 42, 0);
	ASSERT_EQ(0, send_all(self->c.srv, buf, LEN));
	memset(buf, 0, LEN);
	ASSERT_EQ(0, recv_all(self->c.cli, buf, LEN));
	ASSERT_EQ(-1, pattern_check(buf, LEN, 42, 0));
	ASSERT_STATE(self->c.cli, TCP_FIN_WAIT2);

	ASSERT_EQ(0, shutdown(self->c.srv, SHUT_WR));
	ASSERT_EQ(0, recv(self->c.cli, &c, 1, 0));	/* EOF after the data */
	ASSERT_TRUE(WAIT_UNTIL(CONN_COUNT(NS_A, TCP_TIME_WAIT) == 1, SOON_MS));
}

/*
 * An orphaned FIN_WAIT_2 (closed file, the peer never closes) goes away
 * after the FIN timeout: atcp fin_timeout_ms=300, TCP tcp_fin_timeout=1 s.
 * The connection is then unknown to A: B's next segment draws a RST.
 * Linux TCP (6.1 as 7.2) has a second ending: when the ACK of its FIN is
 * processed while close() still owns the socket (from the backlog; more
 * often on 6.12 in the VM), FIN_WAIT_2 waits on the keepalive timer instead
 * of a timewait entry, and that timer sends a RST as it ends the
 * connection (tcp_rcv_state_process(), tcp_keepalive_timer()): B is then
 * reset before it writes.  atcp always takes the first way.
 */
TEST_F(td, orphan_fin_wait2_timeout)
{
	long timeout_ms, t0, elapsed;
	ssize_t n;
	char c;

	if (variant->proto == IPPROTO_ATCP) {
		timeout_ms = 300;
		ASSERT_EQ(0, ns_sysctl_set_int(NS_A, "net/atcp/fin_timeout_ms", timeout_ms));
	} else {
		timeout_ms = 1000;
		ASSERT_EQ(0, ns_sysctl_set_int(NS_A, "net/ipv4/tcp_fin_timeout", 1));
	}
	CONNECT();
	close_fd(&self->c.cli);
	ASSERT_EQ(0, recv(self->c.srv, &c, 1, 0));
	ASSERT_TRUE(WAIT_UNTIL(CONN_COUNT(NS_A, TCP_FIN_WAIT2) == 1, SOON_MS))
		proc_dump(NS_A, variant->proto);
	t0 = now_ms();
	ASSERT_STATE(self->c.srv, TCP_CLOSE_WAIT);

	ASSERT_TRUE(WAIT_UNTIL(CONN_COUNT(NS_A, ANY) == 0, 2 * timeout_ms + 2000))
		proc_dump(NS_A, variant->proto);
	elapsed = now_ms() - t0;
	TH_LOG("FIN_WAIT_2 lasted %ld ms (timeout %ld)", elapsed, timeout_ms);
	ASSERT_GE(elapsed, timeout_ms * 9 / 10);

	n = send(self->c.srv, "x", 1, MSG_NOSIGNAL);
	if (n < 0 && variant->proto == IPPROTO_TCP) {
		/* reset at the timeout (above): the write sees it */
		TH_LOG("Linux TCP reset the connection at the FIN_WAIT_2 timeout");
		ASSERT_EQ(EPIPE, errno);
	} else {
		ASSERT_EQ(1, n);
		ASSERT_TRUE(WAIT_UNTIL(poll_fd(self->c.srv, POLLIN, 0) & POLLERR, SOON_MS));
		/* a reset in CLOSE_WAIT is reported as EPIPE (as Linux TCP does) */
		ASSERT_EQ(EPIPE, sock_error(self->c.srv));
	}
	ASSERT_STATE(self->c.srv, TCP_CLOSE);
}

/*
 * TIME_WAIT answers a retransmission of the peer's FIN with an ACK: the
 * FIN seen on the wire is replayed from B by a raw socket and A's ACK of it
 * is captured in B.
 */
TEST_F(td, time_wait_reacks_fin)
{
	int proto = variant->proto, raw_a, raw_b;
	struct seen_seg fin, ack;
	uint8_t seg[60];
	char c;

	CONNECT();
	raw_a = raw_open(NS_A, proto);
	raw_b = raw_open(NS_B, proto);
	ASSERT_GE(raw_a, 0);
	ASSERT_GE(raw_b, 0);

	ASSERT_EQ(0, shutdown(self->c.cli, SHUT_WR));
	ASSERT_EQ(0, recv(self->c.srv, &c, 1, 0));
	ASSERT_EQ(0, shutdown(self->c.srv, SHUT_WR));
	ASSERT_EQ(0, raw_wait(raw_a, PORT, self->c.cport, SEG_FIN, SEG_FIN, &fin, SOON_MS));
	ASSERT_TRUE(WAIT_UNTIL(CONN_COUNT(NS_A, TCP_TIME_WAIT) == 1, SOON_MS));
	ASSERT_REACHES(self->c.srv, TCP_CLOSE);

	/* replay B's FIN, header as seen (options included), no payload */
	ASSERT_EQ(0, fin.len);
	memcpy(seg, fin.hdr, fin.hdr_len);
	{
		struct seg s = { .saddr = fin.saddr, .daddr = fin.daddr };

		seg_fix_csum(&s, seg, fin.hdr_len);
	}
	raw_drain(raw_b);
	ASSERT_EQ(0, raw_send(raw_b, fin.daddr, seg, fin.hdr_len));
	ASSERT_EQ(0, raw_wait(raw_b, self->c.cport, PORT, SEG_ACK | SEG_RST | SEG_SYN | SEG_FIN,
			      SEG_ACK, &ack, SOON_MS))
		TH_LOG("no ACK from TIME_WAIT");
	ASSERT_EQ(fin.seq + 1, ack.ack);
	ASSERT_EQ(fin.ack, ack.seq);
	close(raw_a);
	close(raw_b);
}

TEST_HARNESS_MAIN
