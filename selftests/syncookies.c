// SPDX-License-Identifier: GPL-2.0
/*
 * SYN cookies and the listener's request limit, for Linux TCP (the oracle)
 * and atcp (net.atcp.syncookies / max_syn_backlog, net.ipv4.tcp_* for TCP):
 *
 *  always             syncookies 2: every connection is made from a cookie
 *                     (SyncookiesSent/Recv), no request entry is kept, and
 *                     with timestamps the peer's window scale and SACK survive
 *  always_no_ts       without timestamps the cookie keeps neither
 *  flood_cookies      spoofed SYNs fill the request table (listen backlog 4:
 *                     five requests, TCP allows one more than the backlog):
 *                     with syncookies 1 a real client still connects
 *  flood_no_cookies   with syncookies 0 its SYN is dropped and counted
 *                     (ListenDrops)
 *  bad_cookie         an ACK with a wrong cookie draws a RST and is counted
 *                     (SyncookiesFailed); atcp checks only while cookies are
 *                     in flight
 *
 * The spoofed SYNs come from 10.23.0.99 (IP_HDRINCL), an address nobody
 * answers ARP for, so their SYN-ACKs go nowhere and the requests stay.
 */
#include "atcp_lib.h"

#define PORT		5400
#define FAKE_PORT	41000
#define SPOOF_ADDR	"10.23.0.99"
#define BACKLOG		4

FIXTURE(sc) {
	struct conn c;
	int raw;
};

PROTO_VARIANTS(sc);

FIXTURE_SETUP(sc)
{
	conn_init(&self->c);
	self->raw = -1;
	NET_SETUP(variant->proto);
}

FIXTURE_TEARDOWN(sc)
{
	if (self->raw >= 0)
		close(self->raw);
	conn_close(&self->c);
	net_teardown();
}

/* atcp's counter in atcp_snmp, or TCP's of the same name in TcpExt */
static long long counter(int ns, int proto, const char *name)
{
	return proto_counter(ns, proto, name, name);
}

static int cookies(int proto, int mode)
{
	return proto_sysctl_set(NS_B, proto, "syncookies", "tcp_syncookies", mode);
}

/* tcp_info of @fd (atcp fills TCP's struct at level IPPROTO_TCP too) */
static int get_tcp_info(int fd, struct tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len);
}

/* @n SYNs from SPOOF_ADDR, source ports FAKE_PORT.., to B's listener */
static int spoofed_syns(int raw, int proto, int n)
{
	static const uint8_t mss_opt[4] = { 2, 4, 0x05, 0xb4 };
	uint8_t pkt[20 + 64];
	struct iphdr *ip = (struct iphdr *)pkt;
	struct sockaddr_in dst = { .sin_family = AF_INET };
	int i;

	for (i = 0; i < n; i++) {
		struct seg s = {
			.saddr = inet_addr(SPOOF_ADDR), .daddr = ns_inaddr(NS_B),
			.sport = FAKE_PORT + i, .dport = PORT,
			.seq = 0x1000000 * (i + 1), .flags = SEG_SYN,
			.opts = mss_opt, .optlen = sizeof(mss_opt),
		};
		size_t len = seg_build(&s, pkt + sizeof(*ip), sizeof(pkt) - sizeof(*ip));

		if (!len)
			return -1;
		memset(ip, 0, sizeof(*ip));
		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = proto;
		ip->tot_len = htons(sizeof(*ip) + len);
		ip->saddr = s.saddr;
		ip->daddr = s.daddr;
		dst.sin_addr.s_addr = s.daddr;
		if (sendto(raw, pkt, sizeof(*ip) + len, 0, (struct sockaddr *)&dst,
			   sizeof(dst)) < 0)
			return -1;
	}
	return 0;
}

static int syn_recv_count(int proto)
{
	return proc_count(NS_B, proto, TCP_SYN_RECV, PORT, ANY);
}

TEST_F(sc, always)
{
	int proto = variant->proto;
	long long sent0, recv0;
	struct tcp_info ci, si;

	ASSERT_EQ(0, cookies(proto, 2));
	sent0 = counter(NS_B, proto, "SyncookiesSent");
	recv0 = counter(NS_B, proto, "SyncookiesRecv");
	ASSERT_LE(0, sent0);
	ASSERT_EQ(0, conn_open(&self->c, proto, PORT));
	EXPECT_EQ(1, counter(NS_B, proto, "SyncookiesSent") - sent0);
	EXPECT_EQ(1, counter(NS_B, proto, "SyncookiesRecv") - recv0);
	EXPECT_EQ(0, syn_recv_count(proto));
	ASSERT_EQ(0, exchange(self->c.cli, self->c.srv));

	/* the options came through the cookie (timestamps are on) */
	ASSERT_EQ(0, get_tcp_info(self->c.cli, &ci));
	ASSERT_EQ(0, get_tcp_info(self->c.srv, &si));
	EXPECT_TRUE(si.tcpi_options & TCPI_OPT_TIMESTAMPS);
	EXPECT_TRUE(si.tcpi_options & TCPI_OPT_SACK);
	EXPECT_TRUE(si.tcpi_options & TCPI_OPT_WSCALE);
	EXPECT_EQ((int)ci.tcpi_rcv_wscale, (int)si.tcpi_snd_wscale);
	EXPECT_EQ((int)si.tcpi_rcv_wscale, (int)ci.tcpi_snd_wscale);
	EXPECT_TRUE(ci.tcpi_options & TCPI_OPT_WSCALE);
	/* a megabyte each way tests the window scale both sides agreed on */
	ASSERT_EQ(0, transfer_both_ways(self->c.cli, self->c.srv, 1 << 20, false, 10000));
}

TEST_F(sc, always_no_ts)
{
	int proto = variant->proto;
	struct tcp_info si;

	ASSERT_EQ(0, cookies(proto, 2));
	ASSERT_EQ(0, proto_sysctl_set(NS_A, proto, "timestamps", "tcp_timestamps", 0));
	ASSERT_EQ(0, conn_open(&self->c, proto, PORT));
	ASSERT_EQ(0, get_tcp_info(self->c.srv, &si));
	EXPECT_FALSE(si.tcpi_options & TCPI_OPT_TIMESTAMPS);
	EXPECT_FALSE(si.tcpi_options & TCPI_OPT_SACK);
	EXPECT_FALSE(si.tcpi_options & TCPI_OPT_WSCALE);
	ASSERT_EQ(0, transfer_both_ways(self->c.cli, self->c.srv, 256 << 10, false, 10000));
}

TEST_F(sc, flood_cookies)
{
	int proto = variant->proto;
	long long sent0, recv0;

	ASSERT_EQ(0, cookies(proto, 1));
	self->raw = ns_socket_type(NS_A, SOCK_RAW, IPPROTO_RAW);
	ASSERT_LE(0, self->raw);
	self->c.lfd = ns_listen(NS_B, proto, PORT, BACKLOG);
	ASSERT_LE(0, self->c.lfd);
	sent0 = counter(NS_B, proto, "SyncookiesSent");
	recv0 = counter(NS_B, proto, "SyncookiesRecv");

	ASSERT_EQ(0, spoofed_syns(self->raw, proto, BACKLOG + 5));
	/* the table holds BACKLOG + 1 requests, the others got cookies */
	ASSERT_TRUE(WAIT_UNTIL(syn_recv_count(proto) == BACKLOG + 1 &&
			       counter(NS_B, proto, "SyncookiesSent") - sent0 == 4, SOON_MS))
		TH_LOG("%d requests, %lld cookies", syn_recv_count(proto),
		       counter(NS_B, proto, "SyncookiesSent") - sent0);

	self->c.cli = ns_connect(NS_A, proto, NS_B, PORT);
	ASSERT_LE(0, self->c.cli) TH_LOG("connect: %s", strerror(errno));
	set_io_timeout(self->c.lfd, IO_TIMEOUT_MS);
	self->c.srv = accept(self->c.lfd, NULL, NULL);
	ASSERT_LE(0, self->c.srv);
	EXPECT_EQ(5, counter(NS_B, proto, "SyncookiesSent") - sent0);
	EXPECT_EQ(1, counter(NS_B, proto, "SyncookiesRecv") - recv0);
	ASSERT_EQ(0, exchange(self->c.cli, self->c.srv));
}

TEST_F(sc, flood_no_cookies)
{
	int proto = variant->proto, fd, ev;
	long long drops0;

	ASSERT_EQ(0, cookies(proto, 0));
	self->raw = ns_socket_type(NS_A, SOCK_RAW, IPPROTO_RAW);
	ASSERT_LE(0, self->raw);
	self->c.lfd = ns_listen(NS_B, proto, PORT, BACKLOG);
	ASSERT_LE(0, self->c.lfd);
	ASSERT_EQ(0, spoofed_syns(self->raw, proto, BACKLOG + 1));
	ASSERT_TRUE(WAIT_UNTIL(syn_recv_count(proto) == BACKLOG + 1, SOON_MS));
	drops0 = counter(NS_B, proto, "ListenDrops");

	fd = self->c.cli = ns_socket(NS_A, proto);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, set_nonblock(fd, true));
	ASSERT_EQ(-1, connect_ns(fd, NS_B, PORT));
	ASSERT_EQ(EINPROGRESS, errno);
	/* the SYN is dropped: nothing comes back before its retransmission (1 s) */
	ev = poll_fd(fd, POLLOUT, 500);
	EXPECT_EQ(0, ev) TH_LOG("revents %#x", ev);
	EXPECT_EQ(TCP_SYN_SENT, sock_state(fd));
	EXPECT_EQ(1, counter(NS_B, proto, "ListenDrops") - drops0);
	EXPECT_EQ(BACKLOG + 1, syn_recv_count(proto));
}

/* a bare ACK from A's FAKE_PORT to the listener, acknowledging @ack */
static int stray_ack(int raw, uint32_t ack)
{
	uint8_t buf[64];
	struct seg s = {
		.saddr = ns_inaddr(NS_A), .daddr = ns_inaddr(NS_B),
		.sport = FAKE_PORT, .dport = PORT,
		.seq = 0x5000, .ack = ack, .flags = SEG_ACK,
	};
	size_t len = seg_build(&s, buf, sizeof(buf));

	return len ? raw_send(raw, s.daddr, buf, len) : -1;
}

/* wait for B's RST to FAKE_PORT on raw socket @raw */
static bool rst_seen(int raw)
{
	return raw_wait(raw, PORT, FAKE_PORT, SEG_RST, SEG_RST, NULL, SOON_MS) == 0;
}

TEST_F(sc, bad_cookie)
{
	int proto = variant->proto;
	long long failed0;

	self->raw = raw_open(NS_A, proto);
	ASSERT_LE(0, self->raw);
	ASSERT_EQ(0, cookies(proto, 1));
	self->c.lfd = ns_listen(NS_B, proto, PORT, BACKLOG);
	ASSERT_LE(0, self->c.lfd);

	/*
	 * No cookie was sent yet: a stray ACK is just reset, not checked.
	 * (Linux TCP keeps a fresh listener's last-cookie time at jiffies 0,
	 * so whether it checks depends on the uptime: atcp only.)
	 */
	failed0 = counter(NS_B, proto, "SyncookiesFailed");
	raw_drain(self->raw);
	ASSERT_EQ(0, stray_ack(self->raw, 0x12345678));
	EXPECT_TRUE(rst_seen(self->raw));
	if (proto == IPPROTO_ATCP)
		EXPECT_EQ(0, counter(NS_B, proto, "SyncookiesFailed") - failed0);

	/* cookies in flight: the same ACK is checked, fails, and is reset */
	ASSERT_EQ(0, cookies(proto, 2));
	close(self->c.lfd);
	ASSERT_EQ(0, conn_open(&self->c, proto, PORT));
	failed0 = counter(NS_B, proto, "SyncookiesFailed");
	raw_drain(self->raw);
	ASSERT_EQ(0, stray_ack(self->raw, 0x12345678));
	EXPECT_TRUE(rst_seen(self->raw));
	EXPECT_EQ(1, counter(NS_B, proto, "SyncookiesFailed") - failed0);
	EXPECT_EQ(0, syn_recv_count(proto));
	ASSERT_EQ(0, exchange(self->c.cli, self->c.srv));
}

TEST_HARNESS_MAIN
