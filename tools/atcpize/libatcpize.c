// SPDX-License-Identifier: GPL-2.0
/*
 * libatcpize.so - LD_PRELOAD library that makes a program's TCP sockets
 * atcp sockets.  socket(AF_INET, SOCK_STREAM, 0 or IPPROTO_TCP) is turned
 * into socket(AF_INET, SOCK_STREAM, <atcp protocol>); every other call
 * goes to libc unchanged.  The protocol is the one the loaded module
 * registered (/sys/module/atcp/parameters/proto), IPPROTO_ATCP if the
 * module has no such parameter, or ATCPIZE_PROTO from the environment.
 *
 * The environment (LD_PRELOAD) is inherited by forked and exec'd
 * children, so they are atcpized too.  Statically linked programs and
 * programs that issue the socket system call themselves are not affected.
 * IPv6 sockets stay TCP: atcp is IPv4 only.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/atcp.h>
#include "atcp_sysfs.h"

typedef int (*socket_fn)(int, int, int);

static socket_fn real_socket;
static int atcp_protocol;

/* the protocol number atcp listens on: ATCPIZE_PROTO, else the module's */
static int atcpize_protocol(void)
{
	const char *env = getenv("ATCPIZE_PROTO");
	int p;

	if (env && *env) {
		p = atoi(env);
		if (p > 0 && p < 256)
			return p;
	}
	return atcp_proto();
}

static int call_real_socket(int domain, int type, int protocol)
{
	if (!real_socket) {
		real_socket = (socket_fn)dlsym(RTLD_NEXT, "socket");
		if (!real_socket) {
			errno = ENOSYS;
			return -1;
		}
	}
	return real_socket(domain, type, protocol);
}

/* Only IPv4 stream sockets that would be TCP; the type may carry flags. */
static int atcpize_wanted(int domain, int type, int protocol)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);

	return domain == AF_INET && base == SOCK_STREAM &&
	       (protocol == 0 || protocol == IPPROTO_TCP);
}

int socket(int domain, int type, int protocol)
{
	if (atcpize_wanted(domain, type, protocol)) {
		if (!atcp_protocol)
			atcp_protocol = atcpize_protocol();
		protocol = atcp_protocol;
	}
	return call_real_socket(domain, type, protocol);
}
