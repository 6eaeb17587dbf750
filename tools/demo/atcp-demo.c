// SPDX-License-Identifier: GPL-2.0
/*
 * atcp-demo: a tiny client and server that open a connection, exchange a few
 * messages and close, printing what they do with CLOCK_MONOTONIC timestamps
 * (the clock scripts/demo sets on the trace buffer, so both line up).  Each
 * step is also written to /sys/kernel/tracing/trace_marker when it can be,
 * so the kernel's state-change events and the program's steps share one
 * timeline (scripts/demo passes the marker as fd $ATCP_DEMO_MARKER_FD).
 *
 *   atcp-demo server [-p PROTO] [-a ADDR] [-P PORT] [-r READYFILE]
 *   atcp-demo client [-p PROTO] [-P PORT] [-n COUNT] ADDR
 *
 * PROTO is the IP protocol of the stream socket: 253 (atcp, default) or
 * 6 (TCP, to check the demo itself).  The server serves one connection,
 * acknowledging each message; the client closes first (so it goes through
 * FIN_WAIT and TIME_WAIT, the server through CLOSE_WAIT and LAST_ACK).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/atcp.h>
#include "atcp_sysfs.h"

static const char *side = "?";
static int marker_fd = -1;

static void say(const char *fmt, ...)
{
	struct timespec ts;
	char msg[512], stamp[32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(stamp, sizeof(stamp), "%ld.%06ld", (long)ts.tv_sec, ts.tv_nsec / 1000);
	printf("%12s %-6s %s\n", stamp, side, msg);
	fflush(stdout);
	if (marker_fd >= 0)
		dprintf(marker_fd, "atcp-demo %s: %s\n", side, msg);
}

static void die(const char *what)
{
	say("ERROR: %s: %s", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: atcp-demo server [-p PROTO] [-a ADDR] [-P PORT] [-r READYFILE]\n"
		"       atcp-demo client [-p PROTO] [-P PORT] [-n COUNT] ADDR\n"
		"PROTO: 253 (atcp, default) or 6 (tcp)\n");
	exit(2);
}

static int open_socket(int proto)
{
	int fd = socket(AF_INET, SOCK_STREAM, proto);

	if (fd < 0) {
		if (errno == EPROTONOSUPPORT || errno == ESOCKTNOSUPPORT)
			say("ERROR: socket(AF_INET, SOCK_STREAM, %d): %s (is atcp.ko loaded?)",
			    proto, strerror(errno));
		else
			die("socket");
		exit(1);
	}
	return fd;
}

static int server(int proto, const char *addr, int port, const char *ready)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);
	struct timeval tv = { .tv_sec = 20 };
	char buf[256], reply[300], pstr[INET_ADDRSTRLEN];
	int lfd, fd, one = 1;
	ssize_t n;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		usage();
	lfd = open_socket(proto);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind");
	if (listen(lfd, 4))
		die("listen");
	say("listening on %s:%d (protocol %d)", addr, port, proto);
	if (ready) {
		int rfd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (rfd >= 0)
			close(rfd);
	}
	fd = accept(lfd, (struct sockaddr *)&peer, &plen);
	if (fd < 0)
		die("accept");
	inet_ntop(AF_INET, &peer.sin_addr, pstr, sizeof(pstr));
	say("accepted connection from %s:%d", pstr, ntohs(peer.sin_port));
	close(lfd);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (;;) {
		n = read(fd, buf, sizeof(buf) - 1);
		if (n < 0)
			die("read");
		if (n == 0) {
			say("peer closed its side (EOF); closing");
			break;
		}
		buf[n] = 0;
		say("received \"%s\"", buf);
		n = snprintf(reply, sizeof(reply), "ack: %s", buf);
		if (write(fd, reply, n) != n)
			die("write");
	}
	if (close(fd))
		die("close");
	say("closed");
	return 0;
}

static int client(int proto, const char *addr, int port, int count)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 20 };
	char buf[300], msg[64];
	int fd, i;
	ssize_t n;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		usage();
	fd = open_socket(proto);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	say("connecting to %s:%d (protocol %d)", addr, port, proto);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("connect");
	say("connected");
	for (i = 1; i <= count; i++) {
		n = snprintf(msg, sizeof(msg), "hello %d", i);
		if (write(fd, msg, n) != n)
			die("write");
		say("sent \"%s\"", msg);
		n = read(fd, buf, sizeof(buf) - 1);
		if (n < 0)
			die("read");
		if (n == 0) {
			say("ERROR: server closed early");
			return 1;
		}
		buf[n] = 0;
		say("received \"%s\"", buf);
	}
	say("closing (active close)");
	if (close(fd))
		die("close");
	say("closed");
	return 0;
}

int main(int argc, char **argv)
{
	const char *addr = "0.0.0.0", *ready = NULL;
	int proto = atcp_proto(), port = 4242, count = 3, opt;
	int is_server;

	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "server"))
		is_server = 1;
	else if (!strcmp(argv[1], "client"))
		is_server = 0;
	else
		usage();
	side = is_server ? "srv" : "cli";
	optind = 2;
	while ((opt = getopt(argc, argv, "p:a:P:n:r:")) != -1) {
		switch (opt) {
		case 'p':
			if (!strcmp(optarg, "tcp"))
				proto = IPPROTO_TCP;
			else if (!strcmp(optarg, "atcp"))
				proto = atcp_proto();
			else
				proto = atoi(optarg);
			break;
		case 'a':
			addr = optarg;
			break;
		case 'P':
			port = atoi(optarg);
			break;
		case 'n':
			count = atoi(optarg);
			break;
		case 'r':
			ready = optarg;
			break;
		default:
			usage();
		}
	}
	/* "ip netns exec" remounts /sys, so scripts/demo hands the marker over
	 * as an open file descriptor */
	if (getenv("ATCP_DEMO_MARKER_FD"))
		marker_fd = atoi(getenv("ATCP_DEMO_MARKER_FD"));
	else
		marker_fd = open("/sys/kernel/tracing/trace_marker", O_WRONLY | O_CLOEXEC);
	if (is_server)
		return server(proto, addr, port, ready);
	if (optind >= argc)
		usage();
	return client(proto, argv[optind], port, count);
}
