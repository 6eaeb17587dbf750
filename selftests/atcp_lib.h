/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers for the atcp selftests (header only, static functions).
 *
 * Every test runs against a protocol number: IPPROTO_TCP (Linux TCP, the
 * oracle) or IPPROTO_ATCP.  A test that fails on TCP is a wrong test.
 *
 * Topology, created per test in the forked test child by net_setup():
 *
 *   netns A  veth_a 10.23.0.1/24  <---->  veth_b 10.23.0.2/24  netns B
 *
 * The namespaces are anonymous (unshare + file descriptors): they disappear
 * with the test process, whatever happens to it.  The test stays in its
 * original namespace; sockets are created inside A or B with ns_socket()
 * (a socket keeps the namespace it was created in), commands run there with
 * ns_sh().  Neighbour entries are static so that dropping one direction with
 * netem does not break ARP.
 *
 * Set ATCP_SELFTEST_PCAP=DIR to record veth_a of every test into
 * DIR/<fixture>.<variant>.<test>.pcap (read atcp with
 * tshark -r F -d ip.proto==253,tcp).
 *
 * Required kernel modules: see selftests/config.
 */
#ifndef ATCP_LIB_H
#define ATCP_LIB_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <net/if_arp.h>

#include <linux/atcp.h>
#include "atcp_sysfs.h"

#include "kselftest_harness.h"

#ifndef SO_PROTOCOL
#define SO_PROTOCOL 38
#endif

/*
 * atcp's IP protocol number is atcp_proto() (tools/include/atcp_sysfs.h):
 * IPPROTO_ATCP unless atcp.ko was loaded with another proto=.  The tests
 * keep IPPROTO_ATCP as the name of "atcp" (variants, comparisons,
 * messages); what goes to the kernel or on the wire goes through kproto():
 * socket() below does that for AF_INET sockets, sock_proto() maps back.
 */

/* The number the kernel knows @proto by (IPPROTO_ATCP: atcp's, see above). */
static inline int kproto(int proto)
{
	return proto == IPPROTO_ATCP ? atcp_proto() : proto;
}

static inline int atcp_lib_socket(int domain, int type, int proto)
{
	if (domain == AF_INET || domain == AF_INET6)
		proto = kproto(proto);
	return socket(domain, type, proto);
}
/* every socket() of the tests: IPPROTO_ATCP becomes atcp's number */
#define socket(domain, type, proto) atcp_lib_socket(domain, type, proto)
#ifndef POLLRDHUP
#define POLLRDHUP 0x2000
#endif

/* ------------------------------------------------------------ topology */

enum { NS_A, NS_B, NS_ROOT, NS_NR };

#define ADDR_A		"10.23.0.1"
#define ADDR_B		"10.23.0.2"
#define MAC_A		"02:00:0a:17:00:01"
#define MAC_B		"02:00:0a:17:00:02"
#define DEV_A		"veth_a"
#define DEV_B		"veth_b"

/* Time a test is willing to wait for something that should happen "now". */
#define SOON_MS		2000
#define IO_TIMEOUT_MS	5000

static int net_fd[NS_NR] = { -1, -1, -1 };
static bool net_veth;		/* net_setup() made the veth pair */
static pid_t pcap_pid = -1;

static inline const char *ns_name(int ns)
{
	return ns == NS_A ? "A" : ns == NS_B ? "B" : "root";
}

static inline const char *ns_dev(int ns)
{
	return ns == NS_A ? DEV_A : DEV_B;
}

static inline const char *ns_addr_str(int ns)
{
	return ns == NS_A ? ADDR_A : ADDR_B;
}

static inline int ns_enter(int ns)
{
	return setns(net_fd[ns], CLONE_NEWNET);
}

static inline long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static inline void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * Poll @cond every 2 ms until it holds or @timeout_ms pass; evaluates to
 * the last value of @cond.
 */
#define WAIT_UNTIL(cond, timeout_ms) ({					\
	long __deadline = now_ms() + (timeout_ms);			\
	bool __ok;							\
	while (!(__ok = !!(cond)) && now_ms() < __deadline)		\
		sleep_ms(2);						\
	__ok;								\
})

/* Run a shell command in namespace @ns; returns its exit status. */
static inline int __attribute__((format(printf, 2, 3))) ns_sh(int ns, const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (ns_enter(ns))
		return -1;
	fflush(stdout);
	fflush(stderr);
	ret = system(cmd);
	ns_enter(NS_ROOT);
	if (ret == -1 || !WIFEXITED(ret)) {
		fprintf(stderr, "# [%s] %s: failed to run\n", ns_name(ns), cmd);
		return -1;
	}
	if (WEXITSTATUS(ret))
		fprintf(stderr, "# [%s] %s: exit %d\n", ns_name(ns), cmd, WEXITSTATUS(ret));
	return WEXITSTATUS(ret);
}

static inline int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

/* Write sysctl @name ("net/atcp/msl_ms") in @ns: 0 or -errno. */
static inline int ns_sysctl_set(int ns, const char *name, const char *val)
{
	char path[256];
	int ret;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	if (ns_enter(ns))
		return -errno;
	ret = write_file(path, val);
	ns_enter(NS_ROOT);
	return ret;
}

static inline int ns_sysctl_set_int(int ns, const char *name, long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", val);
	return ns_sysctl_set(ns, name, buf);
}

/*
 * Read sysctl @name of @ns into @buf without the trailing newline: 0, or
 * -errno with @buf "".
 */
static inline int ns_sysctl_str(int ns, const char *name, char *buf, size_t size)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	buf[0] = '\0';
	if (ns_enter(ns))
		return -errno;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -errno : 0;
	ns_enter(NS_ROOT);
	if (fd < 0)
		return n;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n <= 0)
		return n < 0 ? (int)n : -ENODATA;
	buf[n] = '\0';
	if (buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/* Read an integer sysctl in @ns; LONG_MIN on error. */
static inline long ns_sysctl_get(int ns, const char *name)
{
	char buf[64];

	if (ns_sysctl_str(ns, name, buf, sizeof(buf)))
		return LONG_MIN;
	return strtol(buf, NULL, 10);
}

/* Open a file of @ns's /proc/net (e.g. "atcp") for reading. */
static inline FILE *ns_proc_net_open(int ns, const char *file)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/thread-self/net/%s", file);
	if (ns_enter(ns))
		return NULL;
	f = fopen(path, "re");
	ns_enter(NS_ROOT);
	return f;
}

/* Start tcpdump on veth_a if ATCP_SELFTEST_PCAP names a directory. */
static inline void pcap_start(const char *name)
{
	const char *dir = getenv("ATCP_SELFTEST_PCAP");
	char file[PATH_MAX];

	if (!dir || !*dir)
		return;
	snprintf(file, sizeof(file), "%s/%s.pcap", dir, name);
	pcap_pid = fork();
	if (pcap_pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		if (ns_enter(NS_A))
			_exit(1);
		execlp("tcpdump", "tcpdump", "-U", "-s", "256", "-i", DEV_A,
		       "-w", file, NULL);
		_exit(1);
	}
	/* tcpdump creates the file once it captures; give it up to 5 s */
	if (!WAIT_UNTIL(access(file, F_OK) == 0, 5000))
		fprintf(stderr, "# tcpdump did not start\n");
}

static inline void pcap_stop(void)
{
	if (pcap_pid <= 0)
		return;
	sleep_ms(100);
	kill(pcap_pid, SIGTERM);
	waitpid(pcap_pid, NULL, 0);
	pcap_pid = -1;
}

static const uint8_t mac_a[6] = { 0x02, 0x00, 0x0a, 0x17, 0x00, 0x01 };
static const uint8_t mac_b[6] = { 0x02, 0x00, 0x0a, 0x17, 0x00, 0x02 };

/* Append attribute @type to netlink message @nh (buffer large enough). */
static inline struct rtattr *nl_attr(struct nlmsghdr *nh, int type, const void *data, int len)
{
	struct rtattr *rta = (struct rtattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

static inline void nl_nest_end(struct nlmsghdr *nh, struct rtattr *nest)
{
	nest->rta_len = (char *)nh + nh->nlmsg_len - (char *)nest;
}

/*
 * Create veth @name (MAC @mac, ifindex @idx) in the current namespace with
 * its peer @peer_name (@peer_mac, @peer_idx) in the namespace @peer_ns_fd,
 * by rtnetlink: spawning ip(8) costs ~0.2 s per call in the TCG guest.
 */
static inline int veth_create_named(const char *name, const uint8_t *mac, int idx,
				    int peer_ns_fd, const char *peer_name,
				    const uint8_t *peer_mac, int peer_idx)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		char attrs[512];
	} req = {
		.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		.nh.nlmsg_type = RTM_NEWLINK,
		.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK,
		.ifi.ifi_family = AF_UNSPEC,
		.ifi.ifi_index = idx,
	};
	/*
	 * Distinct ifindexes: with equal ones (2 and 2, fresh namespaces)
	 * linkwatch takes the carrier change for non-urgent and brings the
	 * link up only after its 1 s rate limit.
	 */
	struct ifinfomsg peer_ifi = { .ifi_family = AF_UNSPEC, .ifi_index = peer_idx };
	struct rtattr *linkinfo, *data, *peer;
	uint32_t nsfd = peer_ns_fd;
	struct {
		struct nlmsghdr nh;
		struct nlmsgerr err;
	} ack;
	char ifname[IFNAMSIZ] = "", peer_ifname[IFNAMSIZ] = "";
	int fd, ret = -1;

	/* fixed lengths: with strlen() gcc sees a possible overflow of req */
	strncpy(ifname, name, IFNAMSIZ - 1);
	strncpy(peer_ifname, peer_name, IFNAMSIZ - 1);
	nl_attr(&req.nh, IFLA_IFNAME, ifname, IFNAMSIZ);
	nl_attr(&req.nh, IFLA_ADDRESS, mac, 6);
	linkinfo = nl_attr(&req.nh, IFLA_LINKINFO, NULL, 0);
	nl_attr(&req.nh, IFLA_INFO_KIND, "veth", 4);
	data = nl_attr(&req.nh, IFLA_INFO_DATA, NULL, 0);
	peer = nl_attr(&req.nh, VETH_INFO_PEER, &peer_ifi, sizeof(peer_ifi));
	nl_attr(&req.nh, IFLA_IFNAME, peer_ifname, IFNAMSIZ);
	nl_attr(&req.nh, IFLA_ADDRESS, peer_mac, 6);
	nl_attr(&req.nh, IFLA_NET_NS_FD, &nsfd, sizeof(nsfd));
	nl_nest_end(&req.nh, peer);
	nl_nest_end(&req.nh, data);
	nl_nest_end(&req.nh, linkinfo);

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	if (send(fd, &req, req.nh.nlmsg_len, 0) == (ssize_t)req.nh.nlmsg_len &&
	    recv(fd, &ack, sizeof(ack), 0) >= (ssize_t)sizeof(ack) &&
	    ack.nh.nlmsg_type == NLMSG_ERROR) {
		ret = ack.err.error;
		if (ret)
			fprintf(stderr, "# veth create: %s\n", strerror(-ret));
	}
	close(fd);
	return ret;
}

/* veth_a (ifindex 10) here, its peer veth_b (ifindex 20) in @peer_ns_fd */
static inline int veth_create(int peer_ns_fd)
{
	return veth_create_named(DEV_A, mac_a, 10, peer_ns_fd, DEV_B, mac_b, 20);
}

static inline int ns_socket_type(int ns, int type, int proto);

/* Address, link up and a permanent ARP entry for the peer, by ioctl. */
static inline int veth_configure(int ns)
{
	int peer = ns == NS_A ? NS_B : NS_A;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct arpreq arp = { .arp_flags = ATF_PERM | ATF_COM };
	struct ifreq ifr;
	const char *devs[] = { "lo", ns_dev(ns) };
	int fd, i, ret = -1;

	fd = ns_socket_type(ns, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, ns_dev(ns));
	inet_pton(AF_INET, ns_addr_str(ns), &sin.sin_addr);
	memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
	if (ioctl(fd, SIOCSIFADDR, &ifr))
		goto out;
	inet_pton(AF_INET, "255.255.255.0", &sin.sin_addr);
	memcpy(&ifr.ifr_netmask, &sin, sizeof(sin));
	if (ioctl(fd, SIOCSIFNETMASK, &ifr))
		goto out;
	for (i = 0; i < 2; i++) {
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.ifr_name, devs[i]);
		if (ioctl(fd, SIOCGIFFLAGS, &ifr))
			goto out;
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr))
			goto out;
	}
	inet_pton(AF_INET, ns_addr_str(peer), &sin.sin_addr);
	memcpy(&arp.arp_pa, &sin, sizeof(sin));
	arp.arp_ha.sa_family = ARPHRD_ETHER;
	memcpy(arp.arp_ha.sa_data, peer == NS_A ? mac_a : mac_b, 6);
	strcpy(arp.arp_dev, ns_dev(ns));
	if (ioctl(fd, SIOCSARP, &arp))
		goto out;
	ret = 0;
out:
	if (ret)
		fprintf(stderr, "# configure %s: %s\n", ns_dev(ns), strerror(errno));
	close(fd);
	return ret;
}

/* IFLA_OPERSTATE of @dev in the current namespace, -1 on error. */
static inline int link_operstate(const char *dev)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {
		.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		.nh.nlmsg_type = RTM_GETLINK,
		.nh.nlmsg_flags = NLM_F_REQUEST,
		.ifi.ifi_family = AF_UNSPEC,
		.ifi.ifi_index = if_nametoindex(dev),
	};
	char buf[4096];
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct rtattr *rta;
	int fd, len, ret = -1;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	if (send(fd, &req, req.nh.nlmsg_len, 0) != (ssize_t)req.nh.nlmsg_len)
		goto out;
	len = recv(fd, buf, sizeof(buf), 0);
	if (len < (int)NLMSG_LENGTH(sizeof(struct ifinfomsg)) || nh->nlmsg_type != RTM_NEWLINK)
		goto out;
	len = IFLA_PAYLOAD(nh);
	for (rta = IFLA_RTA(NLMSG_DATA(nh)); RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == IFLA_OPERSTATE)
			ret = *(uint8_t *)RTA_DATA(rta);
out:
	close(fd);
	return ret;
}

/*
 * Wait until @ns's veth really transmits.  The carrier comes up at once but
 * linkwatch switches the device from the noop qdisc (which drops
 * everything) to its real qdisc later, asynchronously: a single packet
 * sent right after setup can vanish.  Linkwatch sets the operational state
 * and attaches the qdisc in one RTNL section, and RTM_GETLINK runs under
 * RTNL: once it reports IF_OPER_UP, the qdisc is in place.
 */
static inline int veth_wait_running(int ns)
{
	bool up;

	if (ns_enter(ns))
		return -1;
	up = WAIT_UNTIL(link_operstate(ns_dev(ns)) == 6 /* IF_OPER_UP */, 5000);
	ns_enter(NS_ROOT);
	if (!up)
		fprintf(stderr, "# %s did not come up\n", ns_dev(ns));
	return up ? 0 : -1;
}

/* Namespaces A and B (net_fd[]), nothing in them yet; back in the original one. */
static inline int net_ns_create(void)
{
	int i;

	net_fd[NS_ROOT] = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (net_fd[NS_ROOT] < 0)
		return -1;
	for (i = NS_A; i <= NS_B; i++) {
		if (unshare(CLONE_NEWNET))
			return -1;
		net_fd[i] = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (net_fd[i] < 0)
			return -1;
		/* no IPv6 chatter (DAD, router solicitations) on the veth */
		write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	}
	return ns_enter(NS_ROOT);
}

/*
 * Create namespaces A and B joined by a veth pair and enter none of them.
 * @name labels the optional packet capture.  0 on success.
 */
static inline int net_setup(const char *name)
{
	if (net_ns_create())
		return -1;
	if (ns_enter(NS_A) || veth_create(net_fd[NS_B]) || ns_enter(NS_ROOT))
		return -1;
	net_veth = true;
	if (veth_configure(NS_A) || veth_configure(NS_B))
		return -1;
	if (veth_wait_running(NS_A) || veth_wait_running(NS_B))
		return -1;
	if (name)
		pcap_start(name);
	return 0;
}

static inline void net_teardown(void)
{
	int i;

	pcap_stop();
	for (i = NS_A; i <= NS_B; i++) {
		/* let sockets the test orphaned finish their close over a clean path */
		if (net_fd[i] >= 0 && net_veth)
			ns_sh(i, "tc qdisc del dev %s root 2>/dev/null; true", ns_dev(i));
		if (net_fd[i] >= 0)
			close(net_fd[i]);
		net_fd[i] = -1;
	}
	net_veth = false;
}

/* netem on @ns's veth egress, e.g. netem(NS_A, "delay 100ms"); NULL removes it */
static inline int netem(int ns, const char *params)
{
	if (!params)
		return ns_sh(ns, "tc qdisc del dev %s root 2>/dev/null; true", ns_dev(ns));
	return ns_sh(ns, "tc qdisc replace dev %s root netem %s", ns_dev(ns), params);
}

/*
 * Make Linux TCP in @ns speak IP protocol 253 on its veth (the recipe of
 * qemu-notes.md): ingress 253 -> 6 then the IP checksum; egress first the
 * TCP checksum Linux left to the device, then 6 -> 253 and the IP
 * checksum.  No TSO/GSO (act_csum skips GSO packets, and software GSO after
 * tc cannot segment protocol 253), gso_max_segs 1 (TCP builds GSO packets
 * even with gso off).
 */
static inline int tcp_speaks_253(int ns)
{
	return ns_sh(ns,
		"ethtool -K %1$s tso off gso off gro off tx off >/dev/null 2>&1; "
		"ip link set dev %1$s gso_max_segs 1 && "
		"tc qdisc add dev %1$s clsact && "
		"tc filter add dev %1$s ingress protocol ip prio 1 u32 "
		"  match ip protocol %2$d 0xff "
		"  action pedit ex munge ip protocol set 6 pipe action csum ip && "
		"tc filter add dev %1$s egress protocol ip prio 1 u32 "
		"  match ip protocol 6 0xff "
		"  action csum ip and tcp pipe "
		"  action pedit ex munge ip protocol set %2$d pipe action csum ip",
		ns_dev(ns), atcp_proto());
}

/* ------------------------------------------------------------ protocols */

static inline const char *proto_name(int proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_ATCP ? "atcp" : "?";
}

static inline bool proto_available(int proto)
{
	int fd = socket(AF_INET, SOCK_STREAM, proto);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/*
 * SKIP() from a FIXTURE_SETUP.  The 6.1 harness runs the test body after a
 * setup that merely returned; jumping back to the harness skips it.
 */
#define SKIP_SETUP(fmt, ...) \
	SKIP(longjmp(_metadata->env, 1), fmt, ##__VA_ARGS__)

/* Two variants of a fixture: Linux TCP (the oracle) and atcp. */
#define PROTO_VARIANTS(fixture)						\
	FIXTURE_VARIANT(fixture) { int proto; };			\
	FIXTURE_VARIANT_ADD(fixture, tcp) { .proto = IPPROTO_TCP };	\
	FIXTURE_VARIANT_ADD(fixture, atcp) { .proto = IPPROTO_ATCP }

/* Skip the TCP variant of a test that covers an atcp-only behaviour. */
#define ATCP_ONLY(proto, why) do {					\
	if ((proto) != IPPROTO_ATCP)					\
		SKIP(return, "atcp only: %s", why);			\
} while (0)

/*
 * The running kernel's upstream version, encoded as KERNEL_VERSION() does,
 * from uname's release: "7.2.13+deb14-amd64" is 7.2.13, "6.12.117+deb12-amd64"
 * 6.12.117; Debian 12's own "6.1.0-57-amd64" carries no stable number (6.1.0).
 * For the few Linux TCP behaviours that changed within the kernels atcp
 * builds on; each names the change and the same thresholds as mod/compat.h.
 */
#define KVER(a, b, c)	(((a) << 16) | ((b) << 8) | ((c) > 255 ? 255 : (c)))

static inline unsigned int kernel_version(void)
{
	static unsigned int v;
	unsigned int a = 0, b = 0, c = 0;
	struct utsname u;

	if (!v && !uname(&u) && sscanf(u.release, "%u.%u.%u", &a, &b, &c) >= 2)
		v = KVER(a, b, c);
	return v;
}

/*
 * Linux TCP answers an ACK of data never sent with a challenge ACK in
 * ESTABLISHED too (it always did in the other synchronized states) from
 * 7.1 on, "tcp: send a challenge ACK on SEG.ACK > SND.NXT" (42726ec644cb),
 * also in the 7.0.10 and 6.18.32 stable releases; before, it dropped the
 * segment without an answer there.  atcp does as the kernel it is built
 * for (mod/compat.h ATCP_CHALLENGE_UNSENT_ACK_ESTABLISHED).
 */
static inline bool kernel_challenges_unsent_ack(void)
{
	unsigned int v = kernel_version();

	return v >= KVER(7, 1, 0) ||
	       (v >= KVER(7, 0, 10) && v < KVER(7, 1, 0)) ||
	       (v >= KVER(6, 18, 32) && v < KVER(6, 19, 0));
}

/*
 * Common FIXTURE_SETUP body: skip when @proto is not available (atcp module
 * not loaded), build the two namespaces.
 */
#define NET_SETUP(proto) do {						\
	char __name[256];						\
									\
	if (!proto_available(proto))					\
		SKIP_SETUP("%s not available (module not loaded?)",	\
			   proto_name(proto));				\
	snprintf(__name, sizeof(__name), "%s.%s.%s",			\
		 program_invocation_short_name, _metadata->name,	\
		 proto_name(proto));					\
	ASSERT_EQ(0, net_setup(__name));				\
} while (0)

/* ------------------------------------------------------------ sockets */

static inline struct sockaddr_in ns_sockaddr(int ns, int port)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
	};

	inet_pton(AF_INET, ns_addr_str(ns), &sa.sin_addr);
	return sa;
}

static inline void set_io_timeout(int fd, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static inline int set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

/* socket(AF_INET, @type, @proto) created inside @ns; I/O timeouts set. */
static inline int ns_socket_type(int ns, int type, int proto)
{
	int fd, err;

	if (ns_enter(ns))
		return -1;
	fd = socket(AF_INET, type | SOCK_CLOEXEC, proto);
	err = errno;
	ns_enter(NS_ROOT);
	if (fd >= 0)
		set_io_timeout(fd, IO_TIMEOUT_MS);
	errno = err;
	return fd;
}

static inline int ns_socket(int ns, int proto)
{
	return ns_socket_type(ns, SOCK_STREAM, proto);
}

/* A stream socket in @ns bound to its address and @port (SO_REUSEADDR). */
static inline int ns_bound_socket(int ns, int proto, int port)
{
	struct sockaddr_in sa = ns_sockaddr(ns, port);
	int fd = ns_socket(ns, proto), one = 1;

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static inline int ns_listen(int ns, int proto, int port, int backlog)
{
	int fd = ns_bound_socket(ns, proto, port);

	if (fd < 0)
		return -1;
	if (listen(fd, backlog)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* connect() @fd to @port of namespace @dst_ns (blocking unless @fd is not). */
static inline int connect_ns(int fd, int dst_ns, int port)
{
	struct sockaddr_in sa = ns_sockaddr(dst_ns, port);

	return connect(fd, (struct sockaddr *)&sa, sizeof(sa));
}

/* New socket in @ns connected (blocking) to @port of @dst_ns; -1 + errno. */
static inline int ns_connect(int ns, int proto, int dst_ns, int port)
{
	int fd = ns_socket(ns, proto), err;

	if (fd < 0)
		return -1;
	if (connect_ns(fd, dst_ns, port)) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static inline int local_port(int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &len))
		return -1;
	return ntohs(sa.sin_port);
}

static inline int sock_error(int fd)
{
	int err = -1;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return -1;
	return err;
}

static inline int set_int(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val));
}

/* An int socket option, -1 on error. */
static inline int get_int(int fd, int level, int opt)
{
	int val = -1;
	socklen_t len = sizeof(val);

	if (getsockopt(fd, level, opt, &val, &len))
		return -1;
	return val;
}

/* Level of the protocol's own options: SOL_ATCP or IPPROTO_TCP. */
static inline int sol(int proto)
{
	return proto == IPPROTO_ATCP ? SOL_ATCP : IPPROTO_TCP;
}

/* poll one fd; returns revents, 0 on timeout, -1 on error */
static inline int poll_fd(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ret = poll(&pfd, 1, timeout_ms);

	return ret < 0 ? -1 : ret == 0 ? 0 : pfd.revents;
}

/*
 * A connection from namespace A to a listener in B on @port: *cli in A,
 * *srv the accepted socket in B.  Returns the listener or -1.
 */
static inline int conn_pair(int proto, int port, int *cli, int *srv)
{
	int lfd = ns_listen(NS_B, proto, port, 16);

	*cli = *srv = -1;
	if (lfd < 0)
		return -1;
	*cli = ns_connect(NS_A, proto, NS_B, port);
	if (*cli < 0)
		goto err;
	*srv = accept(lfd, NULL, NULL);
	if (*srv < 0)
		goto err;
	set_io_timeout(*srv, IO_TIMEOUT_MS);
	return lfd;
err:
	if (*cli >= 0)
		close(*cli);
	close(lfd);
	*cli = -1;
	return -1;
}

/* ------------------------------------------------------------ state */

/* the uapi's state list; its numbers are TCP's */
static const char *const state_names[ATCP_MAX_STATES] = {
	"?",	/* 0 */
#define STATE_NAME(id, name, ss_name) name,
	ATCP_STATE_LIST(STATE_NAME)
#undef STATE_NAME
};

static inline const char *state_name(int st)
{
	if (st < 0 || st >= (int)(sizeof(state_names) / sizeof(state_names[0])))
		return "invalid";
	return state_names[st];
}

static inline int sock_proto(int fd)
{
	int proto = -1;
	socklen_t len = sizeof(proto);

	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len))
		return -1;
	return proto == atcp_proto() ? IPPROTO_ATCP : proto;
}

/* What the tests read from TCP_INFO or ATCP_INFO, whichever applies. */
struct conn_info {
	int state;
	unsigned int retransmits;	/* consecutive timeouts */
	unsigned long long total_retrans;
	unsigned int rto_us;
};

static inline int sock_info(int fd, struct conn_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	if (sock_proto(fd) == IPPROTO_ATCP) {
		struct atcp_info ai;
		socklen_t len = sizeof(ai);

		if (getsockopt(fd, SOL_ATCP, ATCP_INFO, &ai, &len))
			return -1;
		ci->state = ai.state;
		ci->retransmits = ai.retransmits;
		ci->total_retrans = ai.total_retrans;
		ci->rto_us = ai.rto_us;
	} else {
		struct tcp_info ti;
		socklen_t len = sizeof(ti);

		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
			return -1;
		ci->state = ti.tcpi_state;
		ci->retransmits = ti.tcpi_retransmits;
		ci->total_retrans = ti.tcpi_total_retrans;
		ci->rto_us = ti.tcpi_rto;
	}
	return 0;
}

/* Connection state (TCP_ESTABLISHED, ...) of a TCP or atcp socket, -1 on error. */
static inline int sock_state(int fd)
{
	struct conn_info ci;

	return sock_info(fd, &ci) ? -1 : ci.state;
}

/*
 * A socket whose connection reached TIME_WAIT: Linux TCP hands the
 * connection to a TIME_WAIT mini-socket and leaves the file in CLOSE, a
 * full socket could stay in TIME_WAIT itself.  The /proc entry is the
 * authoritative check.
 */
static inline bool state_done(int st)
{
	return st == TCP_TIME_WAIT || st == TCP_CLOSE;
}

/* ------------------------------------------------------------ /proc/net */

/* One line of /proc/net/tcp or /proc/net/atcp. */
struct proc_entry {
	uint32_t laddr, raddr;		/* as printed (host order of the __be32) */
	int lport, rport;
	int st;
	unsigned int tx_queue, rx_queue;
	int tr;				/* timer: 1 rtx, 2 keepalive, 3 TW, 4 probe */
	unsigned long when;		/* until it fires, in clock ticks (USER_HZ) */
	unsigned int retrnsmt;
	int timeout;			/* unanswered probes */
	unsigned long inode;
	int width;			/* line length without the newline */
};

static inline const char *proc_file(int proto)
{
	return proto == IPPROTO_ATCP ? "atcp" : "tcp";
}

/*
 * Parse @ns's /proc/net/{tcp,atcp} into @ents (up to @max); returns the
 * number of entries (which may exceed @max) or -1.
 */
static inline int proc_read(int ns, int proto, struct proc_entry *ents, int max)
{
	FILE *f = ns_proc_net_open(ns, proc_file(proto));
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {	/* header */
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct proc_entry e;

		if (sscanf(line, " %*d: %x:%x %x:%x %x %x:%x %x:%lx %x %*u %d %lu",
			   &e.laddr, &e.lport, &e.raddr, &e.rport, &e.st,
			   &e.tx_queue, &e.rx_queue, &e.tr, &e.when, &e.retrnsmt,
			   &e.timeout, &e.inode) != 12) {
			fprintf(stderr, "# unparsable /proc/net/%s line: %s",
				proc_file(proto), line);
			fclose(f);
			return -1;
		}
		e.width = strcspn(line, "\n");
		if (n < max)
			ents[n] = e;
		n++;
	}
	fclose(f);
	return n;
}

#define ANY -1

/*
 * Number of entries of @ns's /proc/net/{tcp,atcp} in state @st with local
 * port @lport and remote port @rport (ANY matches everything); -1 on error.
 */
static inline int proc_count(int ns, int proto, int st, int lport, int rport)
{
	static struct proc_entry ents[8192];
	int n = proc_read(ns, proto, ents, 8192), i, count = 0;

	if (n < 0 || n > 8192)
		return -1;
	for (i = 0; i < n; i++) {
		if (st != ANY && ents[i].st != st)
			continue;
		if (lport != ANY && ents[i].lport != lport)
			continue;
		if (rport != ANY && ents[i].rport != rport)
			continue;
		count++;
	}
	return count;
}

/* Copy @ns's /proc/net/{tcp,atcp} to stderr (for failure diagnostics). */
static inline void proc_dump(int ns, int proto)
{
	FILE *f = ns_proc_net_open(ns, proc_file(proto));
	char line[512];

	fprintf(stderr, "# netns %s /proc/net/%s:\n", ns_name(ns), proc_file(proto));
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		fprintf(stderr, "#   %s", line);
	fclose(f);
}

/* ------------------------------------------------------------ connections */

/* A connection under test: client in A, listener and accepted socket in B. */
struct conn {
	int proto, port;
	int lfd, cli, srv;
	int cport;		/* client's local port */
};

static inline void conn_init(struct conn *c)
{
	c->lfd = c->cli = c->srv = -1;
}

/* Connect c->cli (A) to a listener on @port in B; c->srv is the child. */
static inline int conn_open(struct conn *c, int proto, int port)
{
	c->proto = proto;
	c->port = port;
	c->lfd = conn_pair(proto, port, &c->cli, &c->srv);
	if (c->lfd < 0)
		return -1;
	c->cport = local_port(c->cli);
	return 0;
}

/*
 * conn_open() with SO_RCVBUF @rcvbuf on the listener first: the accepted
 * socket inherits it (a small window the test can fill).
 */
static inline int conn_open_rcvbuf(struct conn *c, int proto, int port, int rcvbuf)
{
	c->proto = proto;
	c->port = port;
	c->lfd = ns_bound_socket(NS_B, proto, port);
	if (c->lfd < 0 || set_int(c->lfd, SOL_SOCKET, SO_RCVBUF, rcvbuf) || listen(c->lfd, 4))
		return -1;
	c->cli = ns_connect(NS_A, proto, NS_B, port);
	if (c->cli < 0)
		return -1;
	c->srv = accept(c->lfd, NULL, NULL);
	if (c->srv < 0)
		return -1;
	c->cport = local_port(c->cli);
	return 0;
}

/* Abort @fd with SO_LINGER {1, 0}: a RST, no orphan left retrying after the test. */
static inline void abort_fd(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* Fixture teardown: nothing of the test may outlive it (rmmod follows the suite). */
static inline void conn_close(struct conn *c)
{
	if (c->cli >= 0)
		abort_fd(c->cli);
	if (c->srv >= 0)
		abort_fd(c->srv);
	if (c->lfd >= 0)
		close(c->lfd);
	conn_init(c);
}

/*
 * The teardown of a fixture with a connection and raw sockets in A and B
 * (-1: not opened): all closed, then the namespaces go.
 */
static inline void conn_raws_teardown(struct conn *c, int raw_a, int raw_b)
{
	conn_close(c);
	if (raw_a >= 0)
		close(raw_a);
	if (raw_b >= 0)
		close(raw_b);
	net_teardown();
}

/* Close one end (&c->cli or &c->srv) and forget the descriptor. */
static inline void close_fd(int *fd)
{
	close(*fd);
	*fd = -1;
}

/* /proc/net entries of @ns for this connection in state @st (ANY: all). */
static inline int conn_count(const struct conn *c, int ns, int st)
{
	if (ns == NS_A)
		return proc_count(NS_A, c->proto, st, c->cport, c->port);
	return proc_count(NS_B, c->proto, st, c->port, c->cport);
}

#define ASSERT_STATE(fd, st)						\
	ASSERT_EQ(st, sock_state(fd))					\
		TH_LOG(#fd " is %s, expected %s",			\
		       state_name(sock_state(fd)), state_name(st))

#define ASSERT_REACHES(fd, st)						\
	ASSERT_TRUE(WAIT_UNTIL(sock_state(fd) == (st), SOON_MS))	\
		TH_LOG(#fd " is %s, expected %s",			\
		       state_name(sock_state(fd)), state_name(st))

/* ------------------------------------------------------------ data */

/* Deterministic stream content: byte @off of stream @seed. */
static inline uint64_t pattern_word(uint64_t seed, uint64_t idx)
{
	uint64_t z = seed * 0x9e3779b97f4a7c15ULL + idx + 1;	/* splitmix64 */

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void pattern_fill(uint8_t *buf, size_t len, uint64_t seed, uint64_t off)
{
	uint64_t w = pattern_word(seed, off / 8);
	size_t i;

	for (i = 0; i < len; i++, off++) {
		if (!(off % 8))
			w = pattern_word(seed, off / 8);
		buf[i] = w >> (8 * (off % 8));
	}
}

/* Offset of the first byte of @buf that differs from the pattern, or -1. */
static inline long long pattern_check(const uint8_t *buf, size_t len, uint64_t seed, uint64_t off)
{
	uint64_t w = pattern_word(seed, off / 8);
	size_t i;

	for (i = 0; i < len; i++, off++) {
		if (!(off % 8))
			w = pattern_word(seed, off / 8);
		if (buf[i] != (uint8_t)(w >> (8 * (off % 8))))
			return off;
	}
	return -1;
}

static inline int send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/* Receive exactly @len bytes (blocking, within the socket's timeout). */
static inline int recv_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = recv(fd, p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EPIPE;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * Send a short message each way between connected @a and @b and check it
 * arrives intact: "data still flows".  0 or -1.
 */
static inline int exchange(int a, int b)
{
	static const char ping[] = "ping", pong[] = "pong!";
	char buf[16];

	if (send_all(a, ping, sizeof(ping)) || recv_all(b, buf, sizeof(ping)) ||
	    memcmp(buf, ping, sizeof(ping)))
		return -1;
	if (send_all(b, pong, sizeof(pong)) || recv_all(a, buf, sizeof(pong)) ||
	    memcmp(buf, pong, sizeof(pong)))
		return -1;
	return 0;
}

struct stream_dir {
	int from, to;
	uint64_t seed;
	size_t sent, received;
};

/*
 * Move @bytes from @a to @b and @bytes from @b to @a at the same time (one
 * poll loop, non-blocking sockets), checking every received byte against
 * the pattern.  With @shut, each side shuts down writing after its last
 * byte and the transfer ends with EOF on both.  0 on success; -1 with a
 * message on stderr.
 */
static inline int transfer_both_ways(int a, int b, size_t bytes, bool shut, int timeout_ms)
{
	struct stream_dir dir[2] = {
		{ .from = a, .to = b, .seed = 0xa70b },
		{ .from = b, .to = a, .seed = 0xb70a },
	};
	static uint8_t buf[65536];
	bool eof[2] = { !shut, !shut };
	long deadline = now_ms() + timeout_ms;
	int i, ret = -1;

	set_nonblock(a, true);
	set_nonblock(b, true);
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = a, .events = POLLIN }, { .fd = b, .events = POLLIN },
		};
		bool done = true;

		for (i = 0; i < 2; i++) {
			if (dir[i].sent < bytes)
				pfd[i].events |= POLLOUT;	/* pfd[i].fd == dir[i].from */
			if (dir[i].received < bytes || !eof[i])
				done = false;
		}
		if (done)
			break;
		if (now_ms() > deadline) {
			fprintf(stderr, "# transfer timed out: a->b sent %zu recv %zu, b->a sent %zu recv %zu\n",
				dir[0].sent, dir[0].received, dir[1].sent, dir[1].received);
			goto out;
		}
		if (poll(pfd, 2, 200) < 0)
			goto out;
		for (i = 0; i < 2; i++) {
			struct stream_dir *d = &dir[i];
			/* the other direction ends at pfd[i].fd */
			struct stream_dir *in = &dir[!i];
			ssize_t n;

			if (pfd[i].revents & POLLOUT && d->sent < bytes) {
				size_t len = bytes - d->sent;

				if (len > sizeof(buf))
					len = sizeof(buf);
				pattern_fill(buf, len, d->seed, d->sent);
				n = send(d->from, buf, len, MSG_NOSIGNAL);
				if (n < 0 && errno != EAGAIN) {
					fprintf(stderr, "# send: %s\n", strerror(errno));
					goto out;
				}
				if (n > 0) {
					d->sent += n;
					if (d->sent == bytes && shut)
						shutdown(d->from, SHUT_WR);
				}
			}
			if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP)) {
				long long bad;

				n = recv(pfd[i].fd, buf, sizeof(buf), 0);
				if (n < 0 && errno == EAGAIN)
					continue;
				if (n < 0) {
					fprintf(stderr, "# recv: %s\n", strerror(errno));
					goto out;
				}
				if (n == 0) {
					if (in->received != bytes || !shut) {
						fprintf(stderr, "# early EOF after %zu bytes\n",
							in->received);
						goto out;
					}
					eof[!i] = true;
					continue;
				}
				if (in->received + n > bytes) {
					fprintf(stderr, "# %zu bytes too many\n",
						in->received + n - bytes);
					goto out;
				}
				bad = pattern_check(buf, n, in->seed, in->received);
				if (bad >= 0) {
					fprintf(stderr, "# corrupt byte at offset %lld\n", bad);
					goto out;
				}
				in->received += n;
			}
		}
	}
	ret = 0;
out:
	set_nonblock(a, false);
	set_nonblock(b, false);
	return ret;
}

/* ------------------------------------------------------------ raw segments */

/*
 * Hand-made segments for the malformed-input tests.  A SOCK_RAW socket of
 * the variant's protocol sends them (the kernel adds the IP header) and
 * receives copies of every segment of that protocol arriving in its
 * namespace.  The checksum always uses the TCP pseudo-header (protocol 6),
 * as atcp's wire format does.
 */
struct seg {
	uint32_t saddr, daddr;		/* network order */
	uint16_t sport, dport;		/* host order */
	uint32_t seq, ack;
	uint8_t flags;			/* TH_SYN | TH_ACK ... */
	uint16_t win;			/* 0: 65535 */
	const uint8_t *opts;		/* options, @optlen a multiple of 4 */
	size_t optlen;
	const void *data;
	size_t len;
};

#define SEG_FIN		0x01
#define SEG_SYN		0x02
#define SEG_RST		0x04
#define SEG_PSH		0x08
#define SEG_ACK		0x10

static inline uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static inline uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

/* TCP checksum of @len bytes at @hdr with pseudo-header protocol 6. */
static inline uint16_t tcp_csum(uint32_t saddr, uint32_t daddr, const void *hdr, size_t len)
{
	struct {
		uint32_t saddr, daddr;
		uint8_t zero, proto;
		uint16_t len;
	} __attribute__((packed)) ph = {
		.saddr = saddr, .daddr = daddr, .proto = IPPROTO_TCP, .len = htons(len),
	};
	uint32_t sum = csum_add(0, &ph, sizeof(ph));

	return htons(csum_fold(csum_add(sum, hdr, len)));
}

/*
 * Build @s into @buf: header (data offset covering the options), options
 * and payload, with a correct checksum.  Returns the length, 0 if @buf is
 * too small.  Callers corrupt it afterwards if they want.
 */
static inline size_t seg_build(const struct seg *s, uint8_t *buf, size_t size)
{
	struct tcphdr *th = (struct tcphdr *)buf;
	size_t hlen = sizeof(*th) + s->optlen;
	size_t len = hlen + s->len;

	if (len > size || s->optlen % 4 || hlen > 60)
		return 0;
	memset(th, 0, sizeof(*th));
	th->source = htons(s->sport);
	th->dest = htons(s->dport);
	th->seq = htonl(s->seq);
	th->ack_seq = htonl(s->ack);
	th->doff = hlen / 4;
	buf[13] = s->flags;
	th->window = htons(s->win ? s->win : 65535);
	if (s->optlen)
		memcpy(buf + sizeof(*th), s->opts, s->optlen);
	if (s->len)
		memcpy(buf + hlen, s->data, s->len);
	th->check = tcp_csum(s->saddr, s->daddr, buf, len);
	return len;
}

/* Recompute the checksum of an already built segment (after edits). */
static inline void seg_fix_csum(const struct seg *s, uint8_t *buf, size_t len)
{
	struct tcphdr *th = (struct tcphdr *)buf;

	th->check = 0;
	th->check = tcp_csum(s->saddr, s->daddr, buf, len);
}

/* A raw socket of @proto in @ns (sends segments, sees the incoming ones). */
static inline int raw_open(int ns, int proto)
{
	int fd = ns_socket_type(ns, SOCK_RAW, proto);

	if (fd >= 0)
		set_nonblock(fd, true);
	return fd;
}

/*
 * Silence @ns's own stack for @proto on @dev: egress lets out only packets
 * marked @mark (a raw peer's SO_MARK), so that a raw socket plays the peer
 * and the kernel underneath answers nothing.  Undo: "tc qdisc del dev DEV
 * clsact".
 */
static inline int stack_silence(int ns, const char *dev, int proto, unsigned int mark)
{
	return ns_sh(ns, "tc qdisc add dev %1$s clsact && "
		     "tc filter add dev %1$s egress prio 1 handle 0x%2$x fw action ok && "
		     "tc filter add dev %1$s egress prio 2 u32 match ip protocol %3$d 0xff "
		     "action drop", dev, mark, proto);
}

/* A raw peer in @ns: stack_silence() and a raw socket marked @mark. */
static inline int raw_peer_open(int ns, const char *dev, int proto, unsigned int mark)
{
	int fd;

	if (stack_silence(ns, dev, proto, mark))
		return -1;
	fd = raw_open(ns, proto);
	if (fd >= 0 && set_int(fd, SOL_SOCKET, SO_MARK, mark)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static inline int raw_send(int raw, uint32_t daddr, const void *buf, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = daddr };

	return sendto(raw, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)) == (ssize_t)len ? 0 : -1;
}

/* A segment seen by a raw socket. */
struct seen_seg {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint8_t tos;			/* the IP header's TOS byte (ECN field: low 2 bits) */
	size_t len;			/* payload */
	uint8_t hdr[60];		/* TCP header as received */
	size_t hdr_len;
};

/* The option @kind of a captured header (kind, length, data), or NULL. */
static inline const uint8_t *hdr_option(const struct seen_seg *s, uint8_t kind)
{
	size_t i = 20;

	while (i < s->hdr_len && s->hdr[i]) {
		if (s->hdr[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= s->hdr_len || s->hdr[i + 1] < 2 || i + s->hdr[i + 1] > s->hdr_len)
			break;
		if (s->hdr[i] == kind)
			return s->hdr + i;
		i += s->hdr[i + 1];
	}
	return NULL;
}

/* Timestamp option of a captured header: TSval in *tsval; 0 if present. */
static inline int hdr_tsval(const struct seen_seg *s, uint32_t *tsval)
{
	const uint8_t *o = hdr_option(s, 8);

	if (!o || o[1] != 10)
		return -1;
	memcpy(tsval, o + 2, 4);
	*tsval = ntohl(*tsval);
	return 0;
}

/* SACK blocks of a captured header; returns their number (at most 4). */
static inline int hdr_sack(const struct seen_seg *s, uint32_t blk[4][2])
{
	const uint8_t *o = hdr_option(s, 5);
	int n = 0, j;

	for (j = 0; o && j + 8 <= o[1] - 2 && n < 4; j += 8, n++) {
		memcpy(&blk[n][0], o + 2 + j, 4);
		memcpy(&blk[n][1], o + 6 + j, 4);
		blk[n][0] = ntohl(blk[n][0]);
		blk[n][1] = ntohl(blk[n][1]);
	}
	return n;
}

static inline void raw_drain(int raw)
{
	char buf[2048];

	while (recv(raw, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/*
 * Wait up to @timeout_ms for a segment from port @sport to port @dport
 * (ANY: any port) whose flags masked with @mask equal @want.  0 if found.
 * With @ts, the kernel's receive time of the segment (CLOCK_REALTIME, in
 * ns; @raw needs SO_TIMESTAMPNS, see raw_timestamps()), 0 if none came:
 * the time it arrived, not the time this process got to look at it.
 */
static inline int raw_wait_ts(int raw, int sport, int dport, uint8_t mask, uint8_t want,
			      struct seen_seg *out, int timeout_ms, int64_t *ts)
{
	long deadline = now_ms() + timeout_ms;
	uint8_t buf[2048];
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct timespec))];
	} cbuf;

	for (;;) {
		struct iphdr *ip = (struct iphdr *)buf;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = &cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *cm;
		struct tcphdr *th;
		ssize_t n, got;
		size_t ihl, doff;

		/* MSG_TRUNC: the packet's real length, even when a TSO/GSO one is cut */
		n = recvmsg(raw, &mh, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			long left = deadline - now_ms();

			if (errno != EAGAIN || left <= 0)
				return -1;
			poll_fd(raw, POLLIN, left);
			continue;
		}
		got = n < (ssize_t)sizeof(buf) ? n : (ssize_t)sizeof(buf);
		if (got < (ssize_t)sizeof(*ip))
			continue;
		ihl = ip->ihl * 4;
		if (got < (ssize_t)(ihl + sizeof(*th)))
			continue;
		th = (struct tcphdr *)(buf + ihl);
		doff = th->doff * 4;
		if (doff < sizeof(*th) || ihl + doff > (size_t)got)
			continue;
		if (sport != ANY && ntohs(th->source) != sport)
			continue;
		if (dport != ANY && ntohs(th->dest) != dport)
			continue;
		if ((buf[ihl + 13] & mask) != want)
			continue;
		if (out) {
			out->saddr = ip->saddr;
			out->daddr = ip->daddr;
			out->sport = ntohs(th->source);
			out->dport = ntohs(th->dest);
			out->seq = ntohl(th->seq);
			out->ack = ntohl(th->ack_seq);
			out->flags = buf[ihl + 13];
			out->tos = ip->tos;
			out->len = n - ihl - doff;
			memcpy(out->hdr, th, doff);
			out->hdr_len = doff;
		}
		if (ts) {
			*ts = 0;
			for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
				struct timespec t;

				if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_TIMESTAMPNS)
					continue;
				memcpy(&t, CMSG_DATA(cm), sizeof(t));
				*ts = t.tv_sec * 1000000000LL + t.tv_nsec;
			}
		}
		return 0;
	}
}

static inline int raw_wait(int raw, int sport, int dport, uint8_t mask, uint8_t want,
			   struct seen_seg *out, int timeout_ms)
{
	return raw_wait_ts(raw, sport, dport, mask, want, out, timeout_ms, NULL);
}

/* The next segment from @sport to @dport but a SYN (a SYN may be retransmitted any time). */
static inline int raw_wait_not_syn(int raw, int sport, int dport, struct seen_seg *r,
				   long timeout_ms)
{
	long deadline = now_ms() + timeout_ms;

	do {
		if (raw_wait(raw, sport, dport, 0, 0, r, deadline - now_ms()))
			return -1;
	} while (r->flags & SEG_SYN);
	return 0;
}

/* Kernel receive timestamps on @raw, for raw_wait_ts(). */
static inline int raw_timestamps(int raw)
{
	return set_int(raw, SOL_SOCKET, SO_TIMESTAMPNS, 1);
}

/* CLOCK_REALTIME in ns, the clock of raw_wait_ts()'s timestamps. */
static inline int64_t realtime_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/*
 * One segment per skb on @ns's veth (no TSO/GSO; atcp sends no super-segment
 * where gso_max_segs is 1), so tc and raw sockets see single segments.
 */
static inline int no_offload(int ns)
{
	return ns_sh(ns, "ethtool -K %s tso off gso off gro off >/dev/null 2>&1; "
		     "ip link set dev %s gso_max_segs 1", ns_dev(ns), ns_dev(ns));
}

static inline uint32_t ns_inaddr(int ns)
{
	struct sockaddr_in sa = ns_sockaddr(ns, 0);

	return sa.sin_addr.s_addr;
}

/* ------------------------------------------------------------ data path */
/*
 * Helpers of the data-path tests (netem_integrity, mechanisms, sockopts,
 * interop): both-way netem, counters, extended connection info.
 */

#ifndef SIOCINQ
#define SIOCINQ		FIONREAD
#endif
#ifndef SIOCOUTQ
#define SIOCOUTQ	TIOCOUTQ
#endif

/* Size from environment variable @name (K/M/G suffixes), @def if unset. */
static inline size_t env_size(const char *name, size_t def)
{
	const char *s = getenv(name);
	char *end;
	size_t v;

	if (!s || !*s)
		return def;
	v = strtoull(s, &end, 0);
	if (*end == 'k' || *end == 'K')
		v <<= 10;
	else if (*end == 'm' || *end == 'M')
		v <<= 20;
	else if (*end == 'g' || *end == 'G')
		v <<= 30;
	return v;
}

/* The same qdisc parameters on both veths (both directions); NULL removes. */
static inline int netem_both(const char *params)
{
	int ret = netem(NS_A, params);

	return ret ? ret : netem(NS_B, params);
}

/* Set an integer sysctl in both namespaces; 0 or -errno. */
static inline int sysctl_both(const char *name, long val)
{
	int ret = ns_sysctl_set_int(NS_A, name, val);

	return ret ? ret : ns_sysctl_set_int(NS_B, name, val);
}

/*
 * A counter from a /proc/net file in the "Prefix: names" / "Prefix: values"
 * layout (snmp, netstat, atcp_snmp): @file "snmp", @prefix "Tcp", @name
 * "RetransSegs".  -1 if not found.
 */
static inline long long ns_counter(int ns, const char *file, const char *prefix,
				   const char *name)
{
	FILE *f = ns_proc_net_open(ns, file);
	static char names[8192], vals[8192];
	size_t plen = strlen(prefix);
	long long ret = -1;

	if (!f)
		return -1;
	while (fgets(names, sizeof(names), f)) {
		char *n, *v, *sn, *sv;

		if (strncmp(names, prefix, plen) || names[plen] != ':')
			continue;
		if (!fgets(vals, sizeof(vals), f))
			break;
		n = strtok_r(names + plen + 1, " \n", &sn);
		v = strtok_r(vals + plen + 1, " \n", &sv);
		while (n && v) {
			if (!strcmp(n, name)) {
				ret = strtoll(v, NULL, 10);
				goto out;
			}
			n = strtok_r(NULL, " \n", &sn);
			v = strtok_r(NULL, " \n", &sv);
		}
	}
out:
	fclose(f);
	return ret;
}

/* An atcp counter of /proc/net/atcp_snmp ("RetransSegs", "PAWSEstab"). */
static inline long long atcp_counter(int ns, const char *name)
{
	return ns_counter(ns, "atcp_snmp", "Atcp", name);
}

/* @proto's counter in @ns: atcp's @atcp_name, or TCP's @tcp_name in TcpExt. */
static inline long long proto_counter(int ns, int proto, const char *atcp_name,
				      const char *tcp_name)
{
	if (proto == IPPROTO_ATCP)
		return atcp_counter(ns, atcp_name);
	return ns_counter(ns, "netstat", "TcpExt", tcp_name);
}

/* Set @proto's tunable in @ns: net.atcp.@atcp_name, or net.ipv4.@tcp_name. */
static inline int proto_sysctl_set(int ns, int proto, const char *atcp_name,
				   const char *tcp_name, long val)
{
	char path[96];

	snprintf(path, sizeof(path), "net/%s/%s", proto == IPPROTO_ATCP ? "atcp" : "ipv4",
		 proto == IPPROTO_ATCP ? atcp_name : tcp_name);
	return ns_sysctl_set_int(ns, path, val);
}

/* Retransmitted segments of @proto in @ns (Tcp RetransSegs for TCP). */
static inline long long retrans_counter(int ns, int proto)
{
	if (proto == IPPROTO_ATCP)
		return atcp_counter(ns, "RetransSegs");
	return ns_counter(ns, "snmp", "Tcp", "RetransSegs");
}

/*
 * The kernel's struct tcp_info (linux/tcp.h, 6.1); glibc's netinet/tcp.h
 * one stops at tcpi_total_retrans.
 */
struct ktcp_info {
	uint8_t tcpi_state, tcpi_ca_state, tcpi_retransmits, tcpi_probes;
	uint8_t tcpi_backoff, tcpi_options, tcpi_wscale, tcpi_flags;
	uint32_t tcpi_rto, tcpi_ato, tcpi_snd_mss, tcpi_rcv_mss;
	uint32_t tcpi_unacked, tcpi_sacked, tcpi_lost, tcpi_retrans, tcpi_fackets;
	uint32_t tcpi_last_data_sent, tcpi_last_ack_sent, tcpi_last_data_recv,
		 tcpi_last_ack_recv;
	uint32_t tcpi_pmtu, tcpi_rcv_ssthresh, tcpi_rtt, tcpi_rttvar;
	uint32_t tcpi_snd_ssthresh, tcpi_snd_cwnd, tcpi_advmss, tcpi_reordering;
	uint32_t tcpi_rcv_rtt, tcpi_rcv_space, tcpi_total_retrans;
	uint64_t tcpi_pacing_rate, tcpi_max_pacing_rate;
	uint64_t tcpi_bytes_acked, tcpi_bytes_received;
	uint32_t tcpi_segs_out, tcpi_segs_in;
	uint32_t tcpi_notsent_bytes, tcpi_min_rtt;
	uint32_t tcpi_data_segs_in, tcpi_data_segs_out;
	uint64_t tcpi_delivery_rate;
	uint64_t tcpi_busy_time, tcpi_rwnd_limited, tcpi_sndbuf_limited;
	uint32_t tcpi_delivered, tcpi_delivered_ce;
	uint64_t tcpi_bytes_sent, tcpi_bytes_retrans;
	uint32_t tcpi_dsack_dups, tcpi_reord_seen, tcpi_rcv_ooopack, tcpi_snd_wnd;
};

/* More of TCP_INFO / ATCP_INFO, whichever applies (0 where unknown). */
struct conn_xinfo {
	int state, ca_state, backoff, options;	/* options: ATCPI_OPT_* */
	int snd_wscale, rcv_wscale;
	unsigned int rto_us, srtt_us, snd_mss, rcv_mss;
	unsigned int cwnd, ssthresh, unacked, sacked, lost, retrans, retransmits;
	unsigned int snd_wnd, rcv_wnd;
	unsigned long long total_retrans, segs_out, segs_in, bytes_acked, bytes_received;
};

static inline int sock_xinfo(int fd, struct conn_xinfo *x)
{
	memset(x, 0, sizeof(*x));
	if (sock_proto(fd) == IPPROTO_ATCP) {
		struct atcp_info ai;
		socklen_t len = sizeof(ai);

		if (getsockopt(fd, SOL_ATCP, ATCP_INFO, &ai, &len))
			return -1;
		x->state = ai.state;
		x->ca_state = ai.ca_state;
		x->backoff = ai.backoff;
		x->options = ai.options;
		x->snd_wscale = ai.snd_wscale;
		x->rcv_wscale = ai.rcv_wscale;
		x->rto_us = ai.rto_us;
		x->srtt_us = ai.srtt_us;
		x->snd_mss = ai.snd_mss;
		x->rcv_mss = ai.rcv_mss;
		x->cwnd = ai.snd_cwnd;
		x->ssthresh = ai.snd_ssthresh;
		x->unacked = ai.unacked;
		x->sacked = ai.sacked;
		x->lost = ai.lost;
		x->retrans = ai.retrans;
		x->retransmits = ai.retransmits;
		x->snd_wnd = ai.snd_wnd;
		x->rcv_wnd = ai.rcv_wnd;
		x->total_retrans = ai.total_retrans;
		x->segs_out = ai.segs_out;
		x->segs_in = ai.segs_in;
		x->bytes_acked = ai.bytes_acked;
		x->bytes_received = ai.bytes_received;
	} else {
		struct ktcp_info ti = { 0 };
		socklen_t len = sizeof(ti);

		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
			return -1;
		x->state = ti.tcpi_state;
		x->ca_state = ti.tcpi_ca_state;
		x->backoff = ti.tcpi_backoff;
		x->options = ((ti.tcpi_options & TCPI_OPT_TIMESTAMPS) ? ATCPI_OPT_TIMESTAMPS : 0) |
			     ((ti.tcpi_options & TCPI_OPT_SACK) ? ATCPI_OPT_SACK : 0) |
			     ((ti.tcpi_options & TCPI_OPT_WSCALE) ? ATCPI_OPT_WSCALE : 0);
		x->snd_wscale = ti.tcpi_wscale & 0xf;
		x->rcv_wscale = ti.tcpi_wscale >> 4;
		x->rto_us = ti.tcpi_rto;
		x->srtt_us = ti.tcpi_rtt;
		x->snd_mss = ti.tcpi_snd_mss;
		x->rcv_mss = ti.tcpi_rcv_mss;
		x->cwnd = ti.tcpi_snd_cwnd;
		x->ssthresh = ti.tcpi_snd_ssthresh;
		x->unacked = ti.tcpi_unacked;
		x->sacked = ti.tcpi_sacked;
		x->lost = ti.tcpi_lost;
		x->retrans = ti.tcpi_retrans;
		x->retransmits = ti.tcpi_retransmits;
		x->snd_wnd = ti.tcpi_snd_wnd;
		x->rcv_wnd = 0;	/* not in 6.1's tcp_info */
		x->total_retrans = ti.tcpi_total_retrans;
		x->segs_out = ti.tcpi_segs_out;
		x->segs_in = ti.tcpi_segs_in;
		x->bytes_acked = ti.tcpi_bytes_acked;
		x->bytes_received = ti.tcpi_bytes_received;
	}
	return 0;
}

/*
 * Shorten retransmission timers so that loss tests do not sleep through
 * defaults: atcp's rto_min_ms/rto_initial_ms by sysctl, Linux TCP's by the
 * route's rto_min (no sysctl exists).  Both namespaces.
 */
static inline int fast_rto(int proto, int rto_min_ms)
{
	int ns;

	for (ns = NS_A; ns <= NS_B; ns++) {
		if (proto == IPPROTO_ATCP) {
			if (ns_sysctl_set_int(ns, "net/atcp/rto_min_ms", rto_min_ms))
				return -1;
		} else if (ns_sh(ns, "ip route replace 10.23.0.0/24 dev %s rto_min %dms",
				 ns_dev(ns), rto_min_ms)) {
			return -1;
		}
	}
	return 0;
}

/*
 * Move @len pattern bytes (@seed) from @from to @to, reading while writing
 * (one poll loop; the sockets are left blocking).  0, or -1 with a message.
 */
static inline int transfer_one_way(int from, int to, size_t len, uint64_t seed, int timeout_ms)
{
	static uint8_t obuf[65536], ibuf[65536];
	long deadline = now_ms() + timeout_ms;
	size_t sent = 0, got = 0;
	int ret = -1;

	set_nonblock(from, true);
	set_nonblock(to, true);
	while (got < len) {
		struct pollfd pfd[2] = {
			{ .fd = from, .events = sent < len ? POLLOUT : 0 },
			{ .fd = to, .events = POLLIN },
		};
		ssize_t n;

		if (now_ms() > deadline) {
			fprintf(stderr, "# transfer timed out: sent %zu received %zu of %zu\n",
				sent, got, len);
			goto out;
		}
		if (poll(pfd, 2, 200) < 0)
			goto out;
		if (pfd[0].revents & POLLOUT) {
			size_t chunk = len - sent < sizeof(obuf) ? len - sent : sizeof(obuf);

			pattern_fill(obuf, chunk, seed, sent);
			n = send(from, obuf, chunk, MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN) {
				fprintf(stderr, "# send: %s\n", strerror(errno));
				goto out;
			}
			if (n > 0)
				sent += n;
		}
		if (pfd[1].revents & (POLLIN | POLLERR | POLLHUP)) {
			n = recv(to, ibuf, sizeof(ibuf), 0);
			if (n < 0 && errno == EAGAIN)
				continue;
			if (n <= 0) {
				fprintf(stderr, "# recv after %zu bytes: %s\n", got,
					n ? strerror(errno) : "EOF");
				goto out;
			}
			if (got + n > len || pattern_check(ibuf, n, seed, got) >= 0) {
				fprintf(stderr, "# bad data at offset %zu\n", got);
				goto out;
			}
			got += n;
		}
	}
	ret = 0;
out:
	set_nonblock(from, false);
	set_nonblock(to, false);
	return ret;
}

/* ------------------------------------------------------------ fuzzing */
/*
 * Shared by the fuzzers (fuzz_segments.c, fuzz_syscalls.c).  Knobs, passed
 * into the guest like every ATCP_* variable:
 *   ATCP_FUZZ_SECS=600   seconds of fuzzing (what they mean: see each file)
 *   ATCP_FUZZ_SEED=N     replay: the seed a failed run printed
 */

/* Seconds of fuzzing from ATCP_FUZZ_SECS, @def if unset. */
static inline double fuzz_secs(double def)
{
	const char *s = getenv("ATCP_FUZZ_SECS");

	return s && *s ? strtod(s, NULL) : def;
}

/* The run's seed: ATCP_FUZZ_SEED, or one from the clock; printed once. */
static inline uint64_t fuzz_seed(void)
{
	static uint64_t seed;
	static bool set;
	const char *s = getenv("ATCP_FUZZ_SEED");
	struct timespec ts;

	if (set)
		return seed;
	if (s && *s) {
		seed = strtoull(s, NULL, 0);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		seed = ((uint64_t)ts.tv_sec << 20) ^ ts.tv_nsec ^ ((uint64_t)getpid() << 40);
	}
	set = true;
	printf("# seed: ATCP_FUZZ_SEED=%#llx replays this run\n", (unsigned long long)seed);
	fflush(stdout);
	return seed;
}

/* xorshift64*: a small, fast generator for the fuzzers (not for crypto). */
struct fuzz_rng {
	uint64_t s;
};

static inline void frng_init(struct fuzz_rng *r, uint64_t seed, const char *salt)
{
	r->s = seed ^ 0x9e3779b97f4a7c15ULL;
	while (salt && *salt)
		r->s = (r->s ^ (uint8_t)*salt++) * 0x100000001b3ULL;
	if (!r->s)
		r->s = 1;
}

static inline uint64_t frand(struct fuzz_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, @n) (0 if @n is 0). */
static inline uint32_t frand_n(struct fuzz_rng *r, uint32_t n)
{
	return n ? (uint32_t)(frand(r) >> 32) % n : 0;
}

/* True with probability @pct percent. */
static inline bool fchance(struct fuzz_rng *r, unsigned int pct)
{
	return frand_n(r, 100) < pct;
}

#endif /* ATCP_LIB_H */
