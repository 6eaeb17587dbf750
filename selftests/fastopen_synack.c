// SPDX-License-Identifier: GPL-2.0
/*
 * A SYN-ACK that carries data (and a FIN), as Linux TCP's
 * tcp_rcv_synsent_state_process() takes it (packetdrill's
 * fastopen/client/synack-data.pkt):
 *
 *  data_after_fastopen_syn  the answer to a Fast Open SYN whose data it
 *                           acknowledges: its data is read, our ACK covers it
 *  data_fin_after_fastopen  the same with FIN: CLOSE_WAIT at once, the data
 *                           then end of stream are read, the ACK covers both
 *  data_after_plain_syn     the answer to a SYN without Fast Open: its data
 *                           is dropped, our ACK is of the SYN alone (the
 *                           server sends the data again)
 *
 * The client is a real socket in B (net.*.fastopen 0x5: client, no cookie
 * needed); a raw socket in A plays the server, A's own stack stays silent
 * (tc lets out only the raw socket's packets).
 */
#include "atcp_lib.h"

#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN		0x20000000
#endif

#define PORT		5230
#define PEER_MARK	0x230
#define WAIT_MS		5000
#define SRV_ISS		0x30000000u

static const char cdata[] = "ping";
static const char sdata[] = "pong!";

FIXTURE(sd) {
	int proto, raw, fd;
	uint32_t paddr, saddr;
	uint16_t cport;
	uint32_t iss;
	size_t syn_len;		/* payload of the client's SYN */
};

PROTO_VARIANTS(sd);

FIXTURE_SETUP(sd)
{
	int proto = variant->proto;

	self->raw = self->fd = -1;
	NET_SETUP(proto);
	self->proto = proto;
	self->paddr = ns_inaddr(NS_A);
	self->saddr = ns_inaddr(NS_B);
	self->raw = raw_peer_open(NS_A, DEV_A, proto, PEER_MARK);
	ASSERT_LE(0, self->raw);
	ASSERT_EQ(0, proto_sysctl_set(NS_B, proto, "fastopen", "tcp_fastopen", 0x5));
	self->fd = ns_socket(NS_B, proto);
	ASSERT_LE(0, self->fd);
	set_nonblock(self->fd, true);
}

FIXTURE_TEARDOWN(sd)
{
	if (self->fd >= 0)
		abort_fd(self->fd);
	if (self->raw >= 0)
		close(self->raw);
	net_teardown();
}

/* The client's SYN, sent by sendto(MSG_FASTOPEN) (@fastopen) or connect(). */
static int sd_open(FIXTURE_DATA(sd) *self, bool fastopen)
{
	struct sockaddr_in sa = ns_sockaddr(NS_A, PORT);
	socklen_t len = sizeof(sa);
	struct seen_seg s;

	if (fastopen) {
		if (sendto(self->fd, cdata, sizeof(cdata), MSG_FASTOPEN,
			   (struct sockaddr *)&sa, sizeof(sa)) != sizeof(cdata))
			return -1;
	} else if (connect(self->fd, (struct sockaddr *)&sa, sizeof(sa)) != -1 ||
		   errno != EINPROGRESS) {
		return -1;
	}
	if (getsockname(self->fd, (struct sockaddr *)&sa, &len))
		return -1;
	self->cport = ntohs(sa.sin_port);
	if (raw_wait(self->raw, self->cport, PORT, SEG_SYN | SEG_ACK, SEG_SYN, &s, WAIT_MS))
		return -1;
	self->iss = s.seq;
	self->syn_len = s.len;
	return 0;
}

/* The server's SYN-ACK of all the client sent, with @sdata and @flags. */
static int sd_synack(FIXTURE_DATA(sd) *self, uint8_t flags)
{
	static const uint8_t opts[4] = { 2, 4, 0x05, 0xb4 };
	uint8_t buf[128];
	struct seg s = {
		.saddr = self->paddr, .daddr = self->saddr,
		.sport = PORT, .dport = self->cport,
		.seq = SRV_ISS, .ack = self->iss + 1 + self->syn_len,
		.flags = SEG_SYN | SEG_ACK | flags,
		.opts = opts, .optlen = sizeof(opts),
		.data = sdata, .len = sizeof(sdata),
	};
	size_t n = seg_build(&s, buf, sizeof(buf));

	return n ? raw_send(self->raw, self->saddr, buf, n) : -1;
}

TEST_F(sd, data_after_fastopen_syn)
{
	char got[sizeof(sdata)];
	struct seen_seg r;

	ASSERT_EQ(0, sd_open(self, true));
	ASSERT_EQ(sizeof(cdata), self->syn_len);
	ASSERT_EQ(0, sd_synack(self, 0));
	ASSERT_EQ(0, raw_wait_not_syn(self->raw, self->cport, PORT, &r, WAIT_MS));
	EXPECT_EQ(SEG_ACK, r.flags & (SEG_ACK | SEG_RST | SEG_FIN));
	EXPECT_EQ(SRV_ISS + 1 + sizeof(sdata), r.ack);
	EXPECT_EQ(0, r.len);
	EXPECT_EQ(TCP_ESTABLISHED, sock_state(self->fd));
	ASSERT_EQ(POLLIN, poll_fd(self->fd, POLLIN, WAIT_MS) & POLLIN);
	ASSERT_EQ(sizeof(sdata), recv(self->fd, got, sizeof(got), 0));
	EXPECT_EQ(0, memcmp(got, sdata, sizeof(sdata)));
}

TEST_F(sd, data_fin_after_fastopen)
{
	char got[sizeof(sdata) + 1];
	struct seen_seg r;

	ASSERT_EQ(0, sd_open(self, true));
	ASSERT_EQ(0, sd_synack(self, SEG_FIN));
	ASSERT_EQ(0, raw_wait_not_syn(self->raw, self->cport, PORT, &r, WAIT_MS));
	EXPECT_EQ(SEG_ACK, r.flags & (SEG_ACK | SEG_RST | SEG_FIN));
	EXPECT_EQ(SRV_ISS + 1 + sizeof(sdata) + 1, r.ack);
	EXPECT_EQ(TCP_CLOSE_WAIT, sock_state(self->fd));
	ASSERT_EQ(sizeof(sdata), recv(self->fd, got, sizeof(got), 0));
	EXPECT_EQ(0, memcmp(got, sdata, sizeof(sdata)));
	EXPECT_EQ(0, recv(self->fd, got, sizeof(got), 0));
}

TEST_F(sd, data_after_plain_syn)
{
	char got[sizeof(sdata)];
	struct seen_seg r;

	ASSERT_EQ(0, sd_open(self, false));
	ASSERT_EQ(0, self->syn_len);
	ASSERT_EQ(0, sd_synack(self, SEG_FIN));
	ASSERT_EQ(0, raw_wait_not_syn(self->raw, self->cport, PORT, &r, WAIT_MS));
	EXPECT_EQ(SEG_ACK, r.flags & (SEG_ACK | SEG_RST | SEG_FIN));
	EXPECT_EQ(SRV_ISS + 1, r.ack);
	EXPECT_EQ(TCP_ESTABLISHED, sock_state(self->fd));
	EXPECT_EQ(-1, recv(self->fd, got, sizeof(got), 0));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_HARNESS_MAIN
