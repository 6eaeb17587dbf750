// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/atcp has /proc/net/tcp's format and content: the same header,
 * every line padded to 149 characters, one line per socket with the same
 * fields for LISTEN (accept queue in rx_queue), ESTABLISHED (unread bytes
 * in rx_queue, unacknowledged in tx_queue), request (SYN_RECV, no inode)
 * and TIME_WAIT (no inode) entries, the socket's inode, and one file per
 * namespace.  The timer columns: "tr" (1 retransmission, 2 keepalive,
 * 3 TIME_WAIT, 4 zero-window probe), "tm->when" in clock ticks (USER_HZ,
 * 100 a second) and "retrnsmt" (retransmissions; SYN-ACKs of a request).
 */
#include "atcp_lib.h"

#define PORT	5007
#define WIDTH	149	/* /proc/net/tcp pads every line to this */
#define HZ_USER	100	/* clock ticks a second in tm->when */

FIXTURE(procnet) {
	struct conn c;
};

PROTO_VARIANTS(procnet);

FIXTURE_SETUP(procnet)
{
	conn_init(&self->c);
	NET_SETUP(variant->proto);
}

FIXTURE_TEARDOWN(procnet)
{
	conn_close(&self->c);
	net_teardown();
}

/* The single entry of @ns with these ports (any state): 0 if exactly one. */
static int proc_find(int ns, int proto, int lport, int rport, struct proc_entry *out)
{
	struct proc_entry ents[64];
	int n = proc_read(ns, proto, ents, 64), i, found = 0;

	for (i = 0; i < n && i < 64; i++) {
		if (ents[i].lport != lport || ents[i].rport != rport)
			continue;
		*out = ents[i];
		found++;
	}
	return found == 1 ? 0 : -1;
}

static unsigned long inode_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

/* local and remote address as printed: the __be32 read as a host integer */
#define ASSERT_ADDRS(e, local_ns, remote_ns) do {			\
	ASSERT_EQ(ns_inaddr(local_ns), (e).laddr);			\
	ASSERT_EQ((remote_ns) < 0 ? 0 : ns_inaddr(remote_ns), (e).raddr); \
} while (0)

static void rtrim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\n'))
		s[--n] = 0;
}

/* the header line is /proc/net/tcp's (trailing padding aside) */
TEST_F(procnet, header_as_tcp)
{
	char tcp_hdr[256] = "", hdr[256] = "";
	FILE *f;

	f = ns_proc_net_open(NS_A, "tcp");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(tcp_hdr, sizeof(tcp_hdr), f));
	fclose(f);
	f = ns_proc_net_open(NS_A, proc_file(variant->proto));
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(hdr, sizeof(hdr), f));
	fclose(f);
	ASSERT_EQ(WIDTH + 1, strlen(tcp_hdr));
	ASSERT_EQ(strlen(tcp_hdr), strlen(hdr));
	rtrim(tcp_hdr);
	rtrim(hdr);
	ASSERT_STREQ(tcp_hdr, hdr);
	/* a fresh namespace has no entries */
	ASSERT_EQ(0, proc_count(NS_A, variant->proto, ANY, ANY, ANY));
}

/* LISTEN: st 0A, bound address, no peer, its inode, accept queue in rx_queue */
TEST_F(procnet, listen_entry)
{
	int proto = variant->proto, lfd, cli[2], i;
	struct proc_entry e;

	lfd = ns_listen(NS_B, proto, PORT, 8);
	ASSERT_GE(lfd, 0);
	self->c.lfd = lfd;
	ASSERT_EQ(0, proc_find(NS_B, proto, PORT, 0, &e));
	ASSERT_EQ(TCP_LISTEN, e.st);
	ASSERT_ADDRS(e, NS_B, -1);
	ASSERT_EQ(inode_of(lfd), e.inode);
	ASSERT_EQ(0, e.rx_queue);
	ASSERT_EQ(WIDTH, e.width);
	/* no timer */
	ASSERT_EQ(0, e.tr);
	ASSERT_EQ(0, e.when);
	ASSERT_EQ(0, e.retrnsmt);

	/* two connections waiting in the accept queue */
	for (i = 0; i < 2; i++) {
		cli[i] = ns_connect(NS_A, proto, NS_B, PORT);
		ASSERT_GE(cli[i], 0);
	}
	ASSERT_TRUE(WAIT_UNTIL(!proc_find(NS_B, proto, PORT, 0, &e) && e.rx_queue == 2,
			       SOON_MS)) TH_LOG("rx_queue %u", e.rx_queue);
	for (i = 0; i < 2; i++)
		close(cli[i]);
	/* the listener is not visible from the other namespace */
	ASSERT_EQ(0, proc_count(NS_A, proto, TCP_LISTEN, ANY, ANY));
}

/*
 * ESTABLISHED on both sides with mirrored addresses and the sockets'
 * inodes; bytes nobody read yet show in rx_queue.
 */
TEST_F(procnet, established_entries)
{
	int proto = variant->proto;
	struct proc_entry ea, eb;
	char buf[1000] = { 0 };

	ASSERT_EQ(0, conn_open(&self->c, proto, PORT));
	ASSERT_EQ(0, proc_find(NS_A, proto, self->c.cport, PORT, &ea));
	ASSERT_EQ(0, proc_find(NS_B, proto, PORT, self->c.cport, &eb));
	ASSERT_EQ(TCP_ESTABLISHED, ea.st);
	ASSERT_EQ(TCP_ESTABLISHED, eb.st);
	ASSERT_ADDRS(ea, NS_A, NS_B);
	ASSERT_ADDRS(eb, NS_B, NS_A);
	ASSERT_EQ(inode_of(self->c.cli), ea.inode);
	ASSERT_EQ(inode_of(self->c.srv), eb.inode);
	ASSERT_NE(0, ea.inode);
	ASSERT_EQ(WIDTH, ea.width);
	ASSERT_EQ(WIDTH, eb.width);
	/* idle, no keepalive: no timer */
	ASSERT_EQ(0, ea.tr);
	ASSERT_EQ(0, eb.tr);

	ASSERT_EQ(0, send_all(self->c.cli, buf, sizeof(buf)));
	ASSERT_TRUE(WAIT_UNTIL(!proc_find(NS_B, proto, PORT, self->c.cport, &eb) &&
			       eb.rx_queue == sizeof(buf), SOON_MS))
		TH_LOG("rx_queue %u", eb.rx_queue);
	/* acknowledged: nothing left in the sender's tx_queue */
	ASSERT_TRUE(WAIT_UNTIL(!proc_find(NS_A, proto, self->c.cport, PORT, &ea) &&
			       ea.tx_queue == 0, SOON_MS));
	ASSERT_EQ(0, recv_all(self->c.srv, buf, sizeof(buf)));
	ASSERT_EQ(0, proc_find(NS_B, proto, PORT, self->c.cport, &eb));
	ASSERT_EQ(0, eb.rx_queue);
}

/*
 * A request whose final ACK is lost (A's pure ACKs dropped by tc): SYN_RECV
 * entry in B with the client as peer and no inode.
 */
TEST_F(procnet, request_entry)
{
	int proto = variant->proto, cli;
	struct proc_entry e;

	self->c.lfd = ns_listen(NS_B, proto, PORT, 8);
	ASSERT_GE(self->c.lfd, 0);
	ASSERT_EQ(0, ns_sh(NS_A, "tc qdisc add dev %s clsact && "
			   "tc filter add dev %s egress protocol ip prio 1 u32 "
			   "match ip protocol %d 0xff match u8 0x10 0xff at 33 action drop",
			   DEV_A, DEV_A, proto));
	cli = ns_connect(NS_A, proto, NS_B, PORT);
	ASSERT_GE(cli, 0);
	self->c.cli = cli;
	ASSERT_TRUE(WAIT_UNTIL(!proc_find(NS_B, proto, PORT, local_port(cli), &e), SOON_MS))
		proc_dump(NS_B, proto);
	ASSERT_EQ(TCP_SYN_RECV, e.st);
	ASSERT_ADDRS(e, NS_B, NS_A);
	ASSERT_EQ(0, e.inode);
	ASSERT_EQ(WIDTH, e.width);
	/* the SYN-ACK timer (1 s at first), then retransmitted SYN-ACKs */
	ASSERT_EQ(1, e.tr);
	ASSERT_GE(HZ_USER, e.when);
	ASSERT_TRUE(WAIT_UNTIL(!proc_find(NS_B, proto, PORT, local_port(cli), &e) &&
			       e.retrnsmt >= 1, 3000)) TH_LOG("retrnsmt %u", e.retrnsmt);
	ASSERT_EQ(1, e.tr);
	ASSERT_LT(0, e.when);
	ASSERT_GE(2 * HZ_USER, e.when);
	/* still the listener too */
	ASSERT_EQ(1, proc_count(NS_B, proto, TCP_LISTEN, PORT, 0));
}

/* TIME_WAIT: st 06, addresses kept, no inode once the file is closed */
TEST_F(procnet, time_wait_entry)
{
	int proto = variant->proto;
	struct proc_entry e;
	char c;

	ASSERT_EQ(0, conn_open(&self->c, proto, PORT));
	ASSERT_EQ(0, shutdown(self->c.cli, SHUT_WR));
	ASSERT_EQ(0, recv(self->c.srv, &c, 1, 0));
	close_fd(&self->c.srv);
	ASSERT_TRUE(WAIT_UNTIL(proc_count(NS_A, proto, TCP_TIME_WAIT, self->c.cport, PORT) == 1,
			       SOON_MS));
	close_fd(&self->c.cli);
	ASSERT_EQ(0, proc_find(NS_A, proto, self->c.cport, PORT, &e));
	ASSERT_EQ(TCP_TIME_WAIT, e.st);
	ASSERT_ADDRS(e, NS_A, NS_B);
	ASSERT_EQ(0, e.inode);
	ASSERT_EQ(0, e.rx_queue);
	ASSERT_EQ(0, e.tx_queue);
	ASSERT_EQ(WIDTH, e.width);
	/* 60 s (TCP's TIME_WAIT; atcp's 2 MSL with the default msl_ms) in clock ticks */
	ASSERT_EQ(3, e.tr);
	ASSERT_LT(55 * HZ_USER, e.when);
	ASSERT_GE(60 * HZ_USER, e.when);
	ASSERT_EQ(0, e.retrnsmt);
	/* B closed after A's FIN: nothing left there but the listener */
	ASSERT_TRUE(WAIT_UNTIL(proc_count(NS_B, proto, ANY, ANY, ANY) == 1, SOON_MS));
}

/* SO_KEEPALIVE: the keepalive timer (tr 2) counts down the idle time */
TEST_F(procnet, keepalive_timer)
{
	int proto = variant->proto;
	struct proc_entry e;

	ASSERT_EQ(0, conn_open(&self->c, proto, PORT));
	ASSERT_EQ(0, set_int(self->c.cli, sol(proto), TCP_KEEPIDLE, 30));
	ASSERT_EQ(0, set_int(self->c.cli, SOL_SOCKET, SO_KEEPALIVE, 1));
	ASSERT_EQ(0, proc_find(NS_A, proto, self->c.cport, PORT, &e));
	ASSERT_EQ(2, e.tr);
	ASSERT_LT(25 * HZ_USER, e.when);
	ASSERT_GE(30 * HZ_USER, e.when);
	ASSERT_EQ(0, e.retrnsmt);
	ASSERT_EQ(0, e.timeout);
	ASSERT_EQ(WIDTH, e.width);
	/* the other end has none */
	ASSERT_EQ(0, proc_find(NS_B, proto, PORT, self->c.cport, &e));
	ASSERT_EQ(0, e.tr);
}

/* Data into a black hole: the retransmission timer (tr 1) and its count */
TEST_F(procnet, retransmit_timer)
{
	int proto = variant->proto;
	struct proc_entry e;
	char buf[1000] = { 0 };

	ASSERT_EQ(0, conn_open(&self->c, proto, PORT));
	ASSERT_EQ(0, netem(NS_A, "loss 100%"));
	ASSERT_EQ(sizeof(buf), send(self->c.cli, buf, sizeof(buf), 0));
	ASSERT_EQ(0, proc_find(NS_A, proto, self->c.cport, PORT, &e));
	ASSERT_EQ(1, e.tr);
	ASSERT_EQ(sizeof(buf), e.tx_queue);
	ASSERT_TRUE(WAIT_UNTIL(!proc_find(NS_A, proto, self->c.cport, PORT, &e) &&
			       e.retrnsmt >= 2, 5000)) TH_LOG("retrnsmt %u", e.retrnsmt);
	ASSERT_EQ(1, e.tr);
	ASSERT_LT(0, e.when);
	/* backed off twice from at least 200 ms, at most 120 s (TCP_RTO_MAX) */
	ASSERT_GE(120 * HZ_USER, e.when);
	ASSERT_EQ(WIDTH, e.width);
	netem(NS_A, NULL);
}

/* A reader that does not read: the sender's zero-window probe timer (tr 4) */
TEST_F(procnet, zero_window_timer)
{
	int proto = variant->proto, tries;
	static char buf[1 << 16];
	struct proc_entry e;

	ASSERT_EQ(0, conn_open_rcvbuf(&self->c, proto, PORT, 32768));
	set_nonblock(self->c.cli, true);
	for (tries = 0; tries < 100; tries++) {
		if (send(self->c.cli, buf, sizeof(buf), MSG_NOSIGNAL) > 0)
			continue;
		ASSERT_EQ(EAGAIN, errno);
		if (WAIT_UNTIL(!proc_find(NS_A, proto, self->c.cport, PORT, &e) && e.tr == 4,
			       500))
			break;
	}
	ASSERT_EQ(4, e.tr) proc_dump(NS_A, proto);
	ASSERT_LT(0, e.when);
	ASSERT_GE(120 * HZ_USER, e.when);
	ASSERT_LT(0, e.tx_queue);
	ASSERT_EQ(WIDTH, e.width);
}

/*
 * Many entries read through tiny read() calls: every read resumes where the
 * previous one stopped, and every connection is listed exactly once.
 */
#define MANY	300

TEST_F(procnet, many_entries_small_reads)
{
	int proto = variant->proto, cli[MANY], srv[MANY], i, lfd, fd, seen = 0;
	static unsigned char count[65536];
	static char text[MANY * 200 + 4096];
	size_t len = 0;
	char *line;
	FILE *f;

	lfd = ns_listen(NS_B, proto, PORT, MANY);
	ASSERT_GE(lfd, 0);
	self->c.lfd = lfd;
	for (i = 0; i < MANY; i++) {
		cli[i] = ns_connect(NS_A, proto, NS_B, PORT);
		ASSERT_GE(cli[i], 0);
		srv[i] = accept(lfd, NULL, NULL);
		ASSERT_GE(srv[i], 0);
	}
	f = ns_proc_net_open(NS_A, proc_file(proto));
	ASSERT_NE(NULL, f);
	fd = fileno(f);
	for (;;) {
		ssize_t n;

		ASSERT_LT(len + 61, sizeof(text));
		n = read(fd, text + len, 61);
		ASSERT_GE(n, 0);
		if (!n)
			break;
		len += n;
	}
	fclose(f);
	text[len] = 0;
	memset(count, 0, sizeof(count));
	for (line = strchr(text, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
		unsigned int lport, rport;

		ASSERT_EQ(2, sscanf(line + 1, "%*d: %*x:%x %*x:%x", &lport, &rport));
		ASSERT_EQ(PORT, rport);
		ASSERT_LT(lport, 65536);
		count[lport]++;
		seen++;
	}
	ASSERT_EQ(MANY, seen);
	for (i = 0; i < MANY; i++) {
		struct sockaddr_in a;
		socklen_t alen = sizeof(a);

		ASSERT_EQ(0, getsockname(cli[i], (struct sockaddr *)&a, &alen));
		ASSERT_EQ(1, count[ntohs(a.sin_port)]);
	}
	for (i = 0; i < MANY; i++) {
		close(srv[i]);
		close(cli[i]);
	}
}

TEST_HARNESS_MAIN
