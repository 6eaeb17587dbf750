// SPDX-License-Identifier: GPL-2.0
/*
 * Buffers and zero-copy paths: sendfile into and splice out of a socket,
 * SO_RCVBUF/SO_SNDBUF stay as the user set them, and the memory sysctls
 * (net.atcp.rmem, wmem, mem) and congestion_control refuse bad values.
 */
#include "atcp_lib.h"
#include <pthread.h>
#include <sys/mman.h>
#include <sys/sendfile.h>

#define PORT	5011

FIXTURE(buf) {
	struct conn c;
};

PROTO_VARIANTS(buf);

FIXTURE_SETUP(buf)
{
	conn_init(&self->c);
	NET_SETUP(variant->proto);
}

FIXTURE_TEARDOWN(buf)
{
	conn_close(&self->c);
	net_teardown();
}

struct sendfile_job {
	int sock;
	int file;
	size_t len;
	int err;
};

static void *sendfile_thread(void *arg)
{
	struct sendfile_job *job = arg;
	off_t off = 0;

	while ((size_t)off < job->len) {
		ssize_t n = sendfile(job->sock, job->file, &off, job->len - off);

		if (n <= 0) {
			job->err = errno ? errno : EIO;
			break;
		}
	}
	shutdown(job->sock, SHUT_WR);
	return NULL;
}

/* sendfile(2) from a file into the socket, splice(2) out of the peer into a pipe */
TEST_F_TIMEOUT(buf, sendfile_splice, 60)
{
	const size_t len = 4 << 20;
	struct sendfile_job job = { .len = len };
	uint8_t *src, *got;
	size_t total = 0;
	pthread_t thr;
	int pipefd[2];

	src = malloc(len);
	got = malloc(len);
	ASSERT_TRUE(src && got);
	pattern_fill(src, len, 42, 0);
	job.file = memfd_create("atcp-sendfile", 0);
	ASSERT_GE(job.file, 0);
	ASSERT_EQ((ssize_t)len, write(job.file, src, len));
	ASSERT_EQ(0, pipe(pipefd));
	ASSERT_EQ(0, conn_open(&self->c, variant->proto, PORT));
	job.sock = self->c.cli;
	ASSERT_EQ(0, pthread_create(&thr, NULL, sendfile_thread, &job));

	for (;;) {
		ssize_t n = splice(self->c.srv, NULL, pipefd[1], NULL, 65536, 0);

		ASSERT_GE(n, 0) TH_LOG("splice: %s", strerror(errno));
		if (n == 0)
			break;
		ASSERT_LE(total + n, len);
		ASSERT_EQ(n, read(pipefd[0], got + total, n));
		total += n;
	}
	pthread_join(thr, NULL);
	EXPECT_EQ(0, job.err);
	EXPECT_EQ(len, total);
	EXPECT_EQ(0, memcmp(src, got, len));
	close(pipefd[0]);
	close(pipefd[1]);
	close(job.file);
	free(src);
	free(got);
}

static int sockopt_int(int fd, int level, int name)
{
	int val = -1;
	socklen_t len = sizeof(val);

	if (getsockopt(fd, level, name, &val, &len))
		return -1;
	return val;
}

/* Buffers the user fixed are not autotuned, whatever the traffic. */
TEST_F_TIMEOUT(buf, user_buffers_kept, 60)
{
	int size = 100 * 1024, rcvbuf, sndbuf, lfd, cli, srv;	/* below net.core.[rw]mem_max */

	lfd = ns_listen(NS_B, variant->proto, PORT, 4);
	ASSERT_GE(lfd, 0);
	ASSERT_EQ(0, setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)));
	cli = ns_socket(NS_A, variant->proto);
	ASSERT_GE(cli, 0);
	ASSERT_EQ(0, setsockopt(cli, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)));
	ASSERT_EQ(0, connect_ns(cli, NS_B, PORT));
	srv = accept(lfd, NULL, NULL);
	ASSERT_GE(srv, 0);
	rcvbuf = sockopt_int(srv, SOL_SOCKET, SO_RCVBUF);
	sndbuf = sockopt_int(cli, SOL_SOCKET, SO_SNDBUF);
	/* the kernel doubles what the user asks for, and the child inherits it */
	EXPECT_EQ(2 * size, rcvbuf);
	EXPECT_EQ(2 * size, sndbuf);

	ASSERT_EQ(0, transfer_one_way(cli, srv, 8 << 20, 7, 30000));
	EXPECT_EQ(rcvbuf, sockopt_int(srv, SOL_SOCKET, SO_RCVBUF));
	EXPECT_EQ(sndbuf, sockopt_int(cli, SOL_SOCKET, SO_SNDBUF));
	close(cli);
	close(srv);
	close(lfd);
}

/* rmem/wmem triples: each >= 1 and in order, per namespace */
TEST_F(buf, rmem_wmem_sysctl)
{
	static const char *const names[] = { "net/atcp/rmem", "net/atcp/wmem" };
	char before[128], after[128];
	unsigned int i;

	ATCP_ONLY(variant->proto, "net.atcp sysctls");
	ns_sysctl_str(NS_A, "net/atcp/rmem", before, sizeof(before));
	EXPECT_STREQ("4096\t1048576\t6291456", before);
	ns_sysctl_str(NS_A, "net/atcp/wmem", before, sizeof(before));
	EXPECT_STREQ("4096\t1048576\t4194304", before);

	for (i = 0; i < 2; i++) {
		ns_sysctl_str(NS_A, names[i], before, sizeof(before));
		EXPECT_EQ(-EINVAL, ns_sysctl_set(NS_A, names[i], "8192 4096 65536"));
		EXPECT_EQ(-EINVAL, ns_sysctl_set(NS_A, names[i], "0 4096 65536"));
		EXPECT_EQ(-EINVAL, ns_sysctl_set(NS_A, names[i], "-1 4096 65536"));
		ns_sysctl_str(NS_A, names[i], after, sizeof(after));
		EXPECT_STREQ(before, after);
		EXPECT_EQ(0, ns_sysctl_set(NS_A, names[i], "4096 65536 131072"));
		ns_sysctl_str(NS_A, names[i], after, sizeof(after));
		EXPECT_STREQ("4096\t65536\t131072", after);
		/* the other namespace keeps its own value */
		ns_sysctl_str(NS_B, names[i], after, sizeof(after));
		EXPECT_STREQ(before, after);
	}
}

/* A new socket starts from rmem[1]/wmem[1] of its namespace. */
TEST_F(buf, buffers_from_sysctl)
{
	int fd;

	ATCP_ONLY(variant->proto, "net.atcp sysctls");
	ASSERT_EQ(0, ns_sysctl_set(NS_A, "net/atcp/rmem", "4096 200000 400000"));
	ASSERT_EQ(0, ns_sysctl_set(NS_A, "net/atcp/wmem", "4096 300000 600000"));
	fd = ns_socket(NS_A, variant->proto);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(200000, sockopt_int(fd, SOL_SOCKET, SO_RCVBUF));
	EXPECT_EQ(300000, sockopt_int(fd, SOL_SOCKET, SO_SNDBUF));
	close(fd);
}

/* net.atcp.mem is global like tcp_mem: in the initial namespace only */
TEST_F(buf, mem_sysctl_init_ns_only)
{
	char before[128], after[128];
	long low, pressure, high;

	ATCP_ONLY(variant->proto, "net.atcp sysctls");
	ns_sysctl_str(NS_A, "net/atcp/mem", before, sizeof(before));
	EXPECT_STREQ("", before);
	ns_sysctl_str(NS_ROOT, "net/atcp/mem", before, sizeof(before));
	ASSERT_EQ(3, sscanf(before, "%ld %ld %ld", &low, &pressure, &high));
	EXPECT_GT(low, 0);
	EXPECT_LE(low, pressure);
	EXPECT_LE(pressure, high);
	EXPECT_EQ(-EINVAL, ns_sysctl_set(NS_ROOT, "net/atcp/mem", "300 200 400"));
	EXPECT_EQ(-EINVAL, ns_sysctl_set(NS_ROOT, "net/atcp/mem", "0 200 400"));
	ns_sysctl_str(NS_ROOT, "net/atcp/mem", after, sizeof(after));
	EXPECT_STREQ(before, after);
}

/* congestion_control takes a known algorithm name only */
TEST_F(buf, congestion_control_sysctl)
{
	char val[64];

	ATCP_ONLY(variant->proto, "net.atcp sysctls");
	ns_sysctl_str(NS_A, "net/atcp/available_congestion_control", val, sizeof(val));
	EXPECT_STREQ("cubic reno", val);
	ns_sysctl_str(NS_A, "net/atcp/congestion_control", val, sizeof(val));
	EXPECT_STREQ("cubic", val);
	EXPECT_EQ(-EINVAL, ns_sysctl_set(NS_A, "net/atcp/congestion_control", "bbr"));
	ns_sysctl_str(NS_A, "net/atcp/congestion_control", val, sizeof(val));
	EXPECT_STREQ("cubic", val);
	EXPECT_EQ(0, ns_sysctl_set(NS_A, "net/atcp/congestion_control", "reno"));
	ns_sysctl_str(NS_A, "net/atcp/congestion_control", val, sizeof(val));
	EXPECT_STREQ("reno", val);
	ns_sysctl_str(NS_B, "net/atcp/congestion_control", val, sizeof(val));
	EXPECT_STREQ("cubic", val);
}

TEST_HARNESS_MAIN
