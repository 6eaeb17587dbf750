// SPDX-License-Identifier: GPL-2.0
/*
 * Smoke test of the test VM itself (not of atcp): two network namespaces
 * joined by a veth pair, then ping and a TCP exchange across it.  If this
 * fails, every other selftest result is suspect.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define NS_SRV "smoke_srv"
#define NS_CLI "smoke_cli"
#define SRV_ADDR "10.99.0.1"
#define CLI_ADDR "10.99.0.2"
#define PORT 4242

static int sh(const char *cmd)
{
	int ret = system(cmd);

	return WIFEXITED(ret) ? WEXITSTATUS(ret) : -1;
}

static int enter_netns(const char *name)
{
	char path[128];
	int fd, ret;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = setns(fd, CLONE_NEWNET);
	close(fd);
	return ret;
}

FIXTURE(veth) {
	int dummy;
};

FIXTURE_SETUP(veth)
{
	sh("ip netns del " NS_SRV " 2>/dev/null; ip netns del " NS_CLI " 2>/dev/null");
	ASSERT_EQ(0, sh("ip netns add " NS_SRV " && ip netns add " NS_CLI));
	ASSERT_EQ(0, sh("ip link add veth_s netns " NS_SRV " type veth peer name veth_c netns " NS_CLI));
	ASSERT_EQ(0, sh("ip -n " NS_SRV " addr add " SRV_ADDR "/24 dev veth_s && "
			"ip -n " NS_CLI " addr add " CLI_ADDR "/24 dev veth_c && "
			"ip -n " NS_SRV " link set veth_s up && ip -n " NS_SRV " link set lo up && "
			"ip -n " NS_CLI " link set veth_c up && ip -n " NS_CLI " link set lo up"));
}

FIXTURE_TEARDOWN(veth)
{
	sh("ip netns del " NS_SRV " 2>/dev/null; ip netns del " NS_CLI " 2>/dev/null");
}

/* busybox ping: the host has no ping binary; busybox-static provides one */
TEST_F(veth, ping)
{
	ASSERT_EQ(0, sh("ip netns exec " NS_CLI " busybox ping -c 1 -W 3 " SRV_ADDR " >/dev/null"));
	ASSERT_EQ(0, sh("ip netns exec " NS_SRV " busybox ping -c 1 -W 3 " CLI_ADDR " >/dev/null"));
}

TEST_F(veth, tcp_echo)
{
	struct timeval tv = { .tv_sec = 10 };
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(PORT),
	};
	char buf[64] = {};
	int ready[2], status, fd, one = 1;
	pid_t pid;
	ssize_t n;

	ASSERT_EQ(0, pipe(ready));
	inet_pton(AF_INET, SRV_ADDR, &sa.sin_addr);

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {		/* server: echo one message */
		int lfd, cfd;

		if (enter_netns(NS_SRV))
			_exit(10);
		lfd = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (lfd < 0 || bind(lfd, (void *)&sa, sizeof(sa)) || listen(lfd, 1))
			_exit(11);
		if (write(ready[1], "r", 1) != 1)
			_exit(12);
		setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		cfd = accept(lfd, NULL, NULL);
		if (cfd < 0)
			_exit(13);
		n = read(cfd, buf, sizeof(buf));
		if (n <= 0 || write(cfd, buf, n) != n)
			_exit(14);
		close(cfd);
		close(lfd);
		_exit(0);
	}

	ASSERT_EQ(1, read(ready[0], buf, 1));
	ASSERT_EQ(0, enter_netns(NS_CLI));
	fd = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	ASSERT_GE(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ASSERT_EQ(0, connect(fd, (void *)&sa, sizeof(sa))) {
		TH_LOG("connect: %s", strerror(errno));
	}
	ASSERT_EQ(5, write(fd, "hello", 5));
	memset(buf, 0, sizeof(buf));
	n = read(fd, buf, sizeof(buf));
	ASSERT_EQ(5, n);
	ASSERT_EQ(0, memcmp(buf, "hello", 5));
	/* orderly close: the server closed after echoing */
	ASSERT_EQ(0, read(fd, buf, sizeof(buf)));
	close(fd);

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
