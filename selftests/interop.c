// SPDX-License-Identifier: GPL-2.0
/*
 * Interoperation with Linux TCP: atcp in netns A, Linux TCP in netns B.
 * tc on veth_b renames IP protocol 253 <-> 6 (tcp_speaks_253()), so B's
 * TCP talks to A's atcp.  netem loss on BOTH veths.
 *
 * Every variant: the connection is made (atcp client -> TCP server, or
 * TCP client -> atcp server), both ends agree on SACK, timestamps and
 * window scaling (ATCP_INFO options on the atcp end, tcpi_options on the
 * TCP end, and each end's send shift is the other's receive shift), then
 * a transfer both ways at once, byte-exact, through the loss.  With
 * everything enabled TCP must have recovered with SACK (TcpExt
 * TCPSackRecovery) and never needed Reno recovery.  Variants switch one
 * option off on one side (net.atcp.{sack,timestamps,window_scaling} or
 * net.ipv4.tcp_*): then neither end may use it.
 *
 * ATCP_INTEROP_BYTES: bytes each way (default 2 MiB; suffix K/M).
 */
#include "atcp_lib.h"

#define PORT	5400

FIXTURE(interop) {
	int lfd, a, b;		/* a: atcp socket in A, b: TCP socket in B */
};

FIXTURE_VARIANT(interop) {
	bool tcp_client;	/* the TCP side connects (else atcp does) */
	const char *sysctl;	/* switched off before connecting, or NULL */
	int off_ns;		/* ... in this namespace */
	int want_opts;		/* ATCPI_OPT_* both ends must show */
	const char *loss;
};

#define ALL_OPTS (ATCPI_OPT_SACK | ATCPI_OPT_TIMESTAMPS | ATCPI_OPT_WSCALE)

FIXTURE_VARIANT_ADD(interop, atcp_to_tcp) {
	.want_opts = ALL_OPTS, .loss = "loss 2%" };
FIXTURE_VARIANT_ADD(interop, tcp_to_atcp) {
	.tcp_client = true, .want_opts = ALL_OPTS, .loss = "loss 2%" };
FIXTURE_VARIANT_ADD(interop, atcp_to_tcp_atcp_nosack) {
	.sysctl = "net/atcp/sack", .off_ns = NS_A,
	.want_opts = ALL_OPTS & ~ATCPI_OPT_SACK, .loss = "loss 1%" };
FIXTURE_VARIANT_ADD(interop, tcp_to_atcp_tcp_nosack) {
	.tcp_client = true, .sysctl = "net/ipv4/tcp_sack", .off_ns = NS_B,
	.want_opts = ALL_OPTS & ~ATCPI_OPT_SACK, .loss = "loss 1%" };
FIXTURE_VARIANT_ADD(interop, tcp_to_atcp_atcp_nots) {
	.tcp_client = true, .sysctl = "net/atcp/timestamps", .off_ns = NS_A,
	.want_opts = ALL_OPTS & ~ATCPI_OPT_TIMESTAMPS, .loss = "loss 1%" };
FIXTURE_VARIANT_ADD(interop, atcp_to_tcp_tcp_nots) {
	.sysctl = "net/ipv4/tcp_timestamps", .off_ns = NS_B,
	.want_opts = ALL_OPTS & ~ATCPI_OPT_TIMESTAMPS, .loss = "loss 1%" };
FIXTURE_VARIANT_ADD(interop, atcp_to_tcp_atcp_nows) {
	.sysctl = "net/atcp/window_scaling", .off_ns = NS_A,
	.want_opts = ALL_OPTS & ~ATCPI_OPT_WSCALE, .loss = "loss 1%" };
FIXTURE_VARIANT_ADD(interop, tcp_to_atcp_tcp_nows) {
	.tcp_client = true, .sysctl = "net/ipv4/tcp_window_scaling", .off_ns = NS_B,
	.want_opts = ALL_OPTS & ~ATCPI_OPT_WSCALE, .loss = "loss 1%" };

FIXTURE_SETUP(interop)
{
	self->lfd = self->a = self->b = -1;
	if (!proto_available(IPPROTO_ATCP))
		SKIP_SETUP("atcp not available (module not loaded?)");
	ASSERT_EQ(0, net_setup(NULL));
	ASSERT_EQ(0, tcp_speaks_253(NS_B));	/* Linux TCP in B speaks protocol 253 */
	/* shorter minimum RTO on both ends */
	ASSERT_EQ(0, ns_sysctl_set_int(NS_A, "net/atcp/rto_min_ms", 50));
	ASSERT_EQ(0, ns_sh(NS_B, "ip route replace 10.23.0.0/24 dev %s rto_min 50ms", DEV_B));
}

FIXTURE_TEARDOWN(interop)
{
	if (self->a >= 0)
		close(self->a);
	if (self->b >= 0)
		close(self->b);
	if (self->lfd >= 0)
		close(self->lfd);
	net_teardown();
}

static const char *opts_str(int o, char *buf)
{
	sprintf(buf, "%s%s%s", o & ATCPI_OPT_SACK ? "sack " : "",
		o & ATCPI_OPT_TIMESTAMPS ? "ts " : "", o & ATCPI_OPT_WSCALE ? "ws" : "");
	return buf;
}

TEST_F_TIMEOUT(interop, bulk_with_loss, 300)
{
	size_t bytes = env_size("ATCP_INTEROP_BYTES", 2 << 20);
	struct conn_xinfo xa, xb;
	long long sackrec0, renorec0, sackrec, renorec;
	char s1[32], s2[32];
	long t0;

	if (variant->sysctl)
		ASSERT_EQ(0, ns_sysctl_set_int(variant->off_ns, variant->sysctl, 0));
	if (variant->tcp_client) {
		self->lfd = ns_listen(NS_A, IPPROTO_ATCP, PORT, 4);
		ASSERT_LE(0, self->lfd);
		self->b = ns_connect(NS_B, IPPROTO_TCP, NS_A, PORT);
		ASSERT_LE(0, self->b) TH_LOG("TCP connect to atcp: %s", strerror(errno));
		self->a = accept(self->lfd, NULL, NULL);
		ASSERT_LE(0, self->a);
	} else {
		self->lfd = ns_listen(NS_B, IPPROTO_TCP, PORT, 4);
		ASSERT_LE(0, self->lfd);
		self->a = ns_connect(NS_A, IPPROTO_ATCP, NS_B, PORT);
		ASSERT_LE(0, self->a) TH_LOG("atcp connect to TCP: %s", strerror(errno));
		self->b = accept(self->lfd, NULL, NULL);
		ASSERT_LE(0, self->b);
	}
	set_io_timeout(self->a, 30000);
	set_io_timeout(self->b, 30000);
	ASSERT_EQ(0, exchange(self->a, self->b));

	/* negotiation: the same options on both ends */
	ASSERT_EQ(0, sock_xinfo(self->a, &xa));
	ASSERT_EQ(0, sock_xinfo(self->b, &xb));
	TH_LOG("atcp: %s (snd_wscale %d rcv_wscale %d), TCP: %s (snd_wscale %d rcv_wscale %d)",
	       opts_str(xa.options, s1), xa.snd_wscale, xa.rcv_wscale,
	       opts_str(xb.options, s2), xb.snd_wscale, xb.rcv_wscale);
	EXPECT_EQ(variant->want_opts, xa.options & ALL_OPTS);
	EXPECT_EQ(variant->want_opts, xb.options & ALL_OPTS);
	if (variant->want_opts & ATCPI_OPT_WSCALE) {
		EXPECT_EQ(xa.snd_wscale, xb.rcv_wscale);
		EXPECT_EQ(xa.rcv_wscale, xb.snd_wscale);
		EXPECT_LT(0, xa.rcv_wscale);
	} else {
		EXPECT_EQ(0, xa.snd_wscale);
		EXPECT_EQ(0, xa.rcv_wscale);
		EXPECT_EQ(0, xb.snd_wscale);
		EXPECT_EQ(0, xb.rcv_wscale);
	}

	/* bulk both ways through loss on both veths */
	sackrec0 = ns_counter(NS_B, "netstat", "TcpExt", "TCPSackRecovery");
	renorec0 = ns_counter(NS_B, "netstat", "TcpExt", "TCPRenoRecovery");
	ASSERT_EQ(0, netem_both(variant->loss));
	t0 = now_ms();
	ASSERT_EQ(0, transfer_both_ways(self->a, self->b, bytes, true, 240000));
	sackrec = ns_counter(NS_B, "netstat", "TcpExt", "TCPSackRecovery") - sackrec0;
	renorec = ns_counter(NS_B, "netstat", "TcpExt", "TCPRenoRecovery") - renorec0;
	ASSERT_EQ(0, sock_xinfo(self->a, &xa));
	TH_LOG("2 x %zu KiB with %s in %ld ms; atcp retransmitted %llu; TCP recoveries: SACK %lld, Reno %lld",
	       bytes >> 10, variant->loss, now_ms() - t0, xa.total_retrans, sackrec, renorec);
	if (variant->want_opts & ATCPI_OPT_SACK) {
		/* atcp's SACK blocks drove TCP's recovery */
		EXPECT_LT(0, sackrec);
		EXPECT_EQ(0, renorec);
	} else {
		EXPECT_EQ(0, sackrec);
	}
}

TEST_HARNESS_MAIN
