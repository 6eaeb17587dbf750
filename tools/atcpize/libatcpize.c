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
 *
 * setsockopt(SOL_SOCKET, SO_ZEROCOPY) that the kernel refuses on an atcp
 * socket (Linux 6.1's socket layer allows it to TCP and UDP only) is
 * retried as setsockopt(SOL_ATCP, ATCP_ZEROCOPY), which sets the same flag.
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
typedef int (*setsockopt_fn)(int, int, int, const void *, socklen_t);

static socket_fn real_socket;
static setsockopt_fn real_setsockopt;
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

/* an atcp socket: SO_PROTOCOL is the module's protocol */
static int atcpize_is_atcp(int fd)
{
	socklen_t len = sizeof(int);
	int proto;

	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len))
		return 0;
	if (!atcp_protocol)
		atcp_protocol = atcpize_protocol();
	return proto == atcp_protocol;
}

int setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen)
{
	int saved, ret;

	if (!real_setsockopt) {
		real_setsockopt = (setsockopt_fn)dlsym(RTLD_NEXT, "setsockopt");
		if (!real_setsockopt) {
			errno = ENOSYS;
			return -1;
		}
	}
	ret = real_setsockopt(fd, level, optname, optval, optlen);
	if (ret && errno == EOPNOTSUPP && level == SOL_SOCKET && optname == SO_ZEROCOPY) {
		saved = errno;
		if (atcpize_is_atcp(fd))
			return real_setsockopt(fd, SOL_ATCP, ATCP_ZEROCOPY, optval, optlen);
		errno = saved;
	}
	return ret;
}
