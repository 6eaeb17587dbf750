/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * atcp: an alternate TCP carried under IP protocol 253 (RFC 3692).
 *
 * Userspace API: protocol number, socket options, connection states and
 * struct atcp_info.  Socket option names and numbers follow TCP's so that
 * code written for TCP ports by swapping the level.
 */
#ifndef _UAPI_LINUX_ATCP_H
#define _UAPI_LINUX_ATCP_H

#include <linux/types.h>

#define IPPROTO_ATCP		253	/* RFC 3692 experimental number; the default of atcp.ko proto= */
#define SOL_ATCP		253	/* setsockopt level, like SOL_TCP == 6 */

/* Connection states; the numbers are TCP's (TCP_ESTABLISHED == 1, ...). */
enum atcp_state {
	ATCP_ESTABLISHED = 1,
	ATCP_SYN_SENT,
	ATCP_SYN_RECV,
	ATCP_FIN_WAIT1,
	ATCP_FIN_WAIT2,
	ATCP_TIME_WAIT,
	ATCP_CLOSE,
	ATCP_CLOSE_WAIT,
	ATCP_LAST_ACK,
	ATCP_LISTEN,
	ATCP_CLOSING,
	ATCP_MAX_STATES,
};

/* Socket options at level SOL_ATCP; same numbers as TCP's. */
#define ATCP_NODELAY		1	/* int: disable Nagle */
#define ATCP_MAXSEG		2	/* int: MSS clamp */
#define ATCP_CORK		3	/* int: hold partial segments */
#define ATCP_KEEPIDLE		4	/* int: seconds idle before keepalive */
#define ATCP_KEEPINTVL		5	/* int: seconds between keepalive probes */
#define ATCP_KEEPCNT		6	/* int: probes before giving up */
#define ATCP_SYNCNT		7	/* int: SYN retransmissions before giving up */
#define ATCP_INFO		11	/* struct atcp_info, read only */
#define ATCP_CONGESTION		13	/* char[ATCP_CA_NAME_MAX] */
#define ATCP_USER_TIMEOUT	18	/* unsigned int: ms of unacked data */
#define ATCP_FASTOPEN		23	/* int: listener's Fast Open queue length (RFC 7413) */
#define ATCP_NOTSENT_LOWAT	25	/* int: unsent bytes before poll says not writable */
#define ATCP_CC_INFO		26	/* congestion-control state, read only (empty) */
#define ATCP_FASTOPEN_CONNECT	30	/* int: connect() defers the SYN to the first write */
#define ATCP_FASTOPEN_KEY	33	/* 16 or 32 bytes: the listener's cookie key(s) */
#define ATCP_FASTOPEN_NO_COOKIE	34	/* int: Fast Open without a cookie */
#define ATCP_INQ		36	/* int: 1 = TCP_CM_INQ cmsg with each recvmsg() */
#define ATCP_CM_INQ		ATCP_INQ	/* its cmsg type (cmsg level SOL_TCP) */
/*
 * int: SO_ZEROCOPY for atcp (MSG_ZEROCOPY notifications), atcp's own
 * number: the socket layer of Linux 6.1 refuses SO_ZEROCOPY to protocols
 * other than TCP and UDP before atcp sees it.  getsockopt(SO_ZEROCOPY)
 * reads the same flag.
 */
#define ATCP_ZEROCOPY		200

#define ATCP_CA_NAME_MAX	16

/* atcp_info.options bits */
#define ATCPI_OPT_TIMESTAMPS	0x01
#define ATCPI_OPT_SACK		0x02
#define ATCPI_OPT_WSCALE	0x04

/*
 * Connection snapshot returned by getsockopt(SOL_ATCP, ATCP_INFO).
 * Fixed-width fields only; the size is pinned by the module at build time.
 * Sequence numbers are absolute (not relative to the ISN).
 */
struct atcp_info {
	__u8	state;		/* enum atcp_state */
	__u8	ca_state;	/* congestion state (0 = open) */
	__u8	retransmits;	/* consecutive timeouts of the current segment */
	__u8	backoff;	/* RTO backoff exponent */
	__u8	options;	/* ATCPI_OPT_* */
	__u8	snd_wscale;
	__u8	rcv_wscale;
	__u8	pad0;

	__u32	rto_us;		/* current retransmission timeout */
	__u32	ato_us;		/* delayed-ACK timeout */
	__u32	snd_mss;
	__u32	rcv_mss;
	__u32	advmss;		/* MSS we advertised */

	__u32	iss;		/* initial send sequence number */
	__u32	irs;		/* initial receive sequence number */
	__u32	snd_una;
	__u32	snd_nxt;
	__u32	rcv_nxt;
	__u32	snd_wnd;	/* peer's advertised window, bytes */
	__u32	rcv_wnd;	/* our advertised window, bytes */

	__u32	srtt_us;
	__u32	rttvar_us;
	__u32	snd_cwnd;	/* segments */
	__u32	snd_ssthresh;	/* segments */
	__u32	unacked;	/* segments in flight */
	__u32	sacked;
	__u32	lost;
	__u32	retrans;	/* segments retransmitted and not yet acked */
	__u32	pad1;

	__u64	total_retrans;	/* segments retransmitted over the lifetime */
	__u64	bytes_acked;
	__u64	bytes_received;
	__u64	segs_out;
	__u64	segs_in;
	__u64	delivery_rate;	/* bytes per second, 0 if unknown */
};

/*
 * Generic netlink family "atcp" (version ATCP_GENL_VERSION), per network
 * namespace.  Reads (PARAM_GET, STATS_GET, the "events" group) are open to
 * everyone; PARAM_SET needs CAP_NET_ADMIN in the namespace's user namespace.
 */
#define ATCP_GENL_NAME		"atcp"
#define ATCP_GENL_VERSION	1
#define ATCP_GENL_MCGRP_EVENTS	"events"

enum atcp_genl_cmd {
	ATCP_CMD_UNSPEC,
	ATCP_CMD_PARAM_GET,	/* do: ATCP_A_PARAM_NAME; dump: every tunable */
	ATCP_CMD_PARAM_SET,	/* ATCP_A_PARAM_NAME and ATCP_A_PARAM_VALUE (or _STRING) */
	ATCP_CMD_STATS_GET,	/* do: ATCP_A_STATS_MIB and ATCP_A_STATS_EDGE nests */
	ATCP_CMD_EVENT,		/* notification on the "events" group */
	__ATCP_CMD_MAX,
};
#define ATCP_CMD_MAX		(__ATCP_CMD_MAX - 1)

/* Top-level attributes. */
enum atcp_genl_attr {
	ATCP_A_UNSPEC,
	ATCP_A_PAD,
	ATCP_A_PARAM_NAME,	/* string: sysctl name under net.atcp. */
	ATCP_A_PARAM_VALUE,	/* s32 */
	ATCP_A_PARAM_MIN,	/* s32, in replies */
	ATCP_A_PARAM_MAX,	/* s32, in replies */
	ATCP_A_PARAM_DEFAULT,	/* s32, in replies */
	ATCP_A_STATS_MIB,	/* nest, repeated: ATCP_A_MIB_* */
	ATCP_A_STATS_EDGE,	/* nest, repeated: ATCP_A_EDGE_* (non-zero edges only) */
	ATCP_A_EV_KIND,		/* u8: enum atcp_ev_kind */
	ATCP_A_EV_OLD_STATE,	/* u8: enum atcp_state */
	ATCP_A_EV_NEW_STATE,	/* u8: enum atcp_state */
	ATCP_A_EV_CAUSE,	/* u8: enum atcp_cause */
	ATCP_A_EV_DETAIL,	/* u8: ATCP_FLAG_* / enum atcp_timer_id / enum atcp_syscall_id */
	ATCP_A_EV_SADDR,	/* __be32: local address */
	ATCP_A_EV_DADDR,	/* __be32: remote address */
	ATCP_A_EV_SPORT,	/* u16, host order: local port */
	ATCP_A_EV_DPORT,	/* u16, host order: remote port */
	ATCP_A_EV_TIME_NS,	/* u64: CLOCK_REALTIME of the change, ns */
	/*
	 * string: value of a text tunable, as its sysctl reads
	 * (congestion_control, available_congestion_control;
	 * rmem, wmem, mem: "min mid max" separated by spaces)
	 */
	ATCP_A_PARAM_STRING,
	ATCP_A_PARAM_READONLY,	/* flag, in replies: the tunable cannot be set */
	ATCP_A_PROTOCOL,	/* u8, in STATS_GET replies: the IP protocol number (proto=) */
	__ATCP_A_MAX,
};
#define ATCP_A_MAX		(__ATCP_A_MAX - 1)

/* Inside ATCP_A_STATS_MIB. */
enum atcp_mib_attr {
	ATCP_A_MIB_UNSPEC,
	ATCP_A_MIB_PAD,
	ATCP_A_MIB_ID,		/* u32: enum atcp_stat_id */
	ATCP_A_MIB_NAME,	/* string, as in /proc/net/atcp_snmp */
	ATCP_A_MIB_VALUE,	/* u64 */
	__ATCP_A_MIB_MAX,
};
#define ATCP_A_MIB_MAX		(__ATCP_A_MIB_MAX - 1)

/* Inside ATCP_A_STATS_EDGE: transitions of the state diagram. */
enum atcp_edge_attr {
	ATCP_A_EDGE_UNSPEC,
	ATCP_A_EDGE_PAD,
	ATCP_A_EDGE_FROM,	/* u8: enum atcp_state */
	ATCP_A_EDGE_TO,		/* u8: enum atcp_state */
	ATCP_A_EDGE_COUNT,	/* u64 */
	__ATCP_A_EDGE_MAX,
};
#define ATCP_A_EDGE_MAX		(__ATCP_A_EDGE_MAX - 1)

/*
 * Counter ids (ATCP_A_MIB_ID); ATCP_A_MIB_NAME carries the column name of
 * /proc/net/atcp_snmp, so tools can show counters newer than this header.
 */
enum atcp_stat_id {
	ATCP_STAT_UNSPEC,		/* a counter this header does not know yet */
	ATCP_STAT_ACTIVEOPENS,		/* SYN_SENT -> ESTABLISHED */
	ATCP_STAT_PASSIVEOPENS,		/* request -> ESTABLISHED */
	ATCP_STAT_ATTEMPTFAILS,		/* SYN_SENT failed (RST, timeout) */
	ATCP_STAT_ESTABRESETS,		/* RST in ESTABLISHED or CLOSE_WAIT */
	ATCP_STAT_INSEGS,
	ATCP_STAT_OUTSEGS,
	ATCP_STAT_RETRANSSEGS,
	ATCP_STAT_INERRS,
	ATCP_STAT_INCSUMERRORS,
	ATCP_STAT_OUTRSTS,
	ATCP_STAT_LISTENOVERFLOWS,
	ATCP_STAT_LISTENDROPS,
	ATCP_STAT_TIMEWAITS,		/* TIME_WAIT entries created */
	ATCP_STAT_CHALLENGEACKS,
	ATCP_STAT_OUTOFWINDOW,
	ATCP_STAT_BACKLOGDROPS,
	ATCP_STAT_RCVBUFDROPS,
	ATCP_STAT_NOSOCKET,
	ATCP_STAT_PAWSDROPS,		/* segments dropped by PAWS (RFC 7323) */
	ATCP_STAT_CURRESTAB,		/* gauge: ESTABLISHED + CLOSE_WAIT now */
	ATCP_STAT_CURRTIMEWAIT,		/* gauge: TIME_WAIT entries now */
	ATCP_STAT_TIMEWAITOVERFLOW,	/* closed without TIME_WAIT: max_tw_buckets */
	ATCP_STAT_TWRECYCLED,		/* TIME_WAIT entries taken over by connect() */
	ATCP_STAT_SYNCOOKIESSENT,	/* SYN-ACKs carrying a SYN cookie */
	ATCP_STAT_SYNCOOKIESRECV,	/* valid cookies: connections made from them */
	ATCP_STAT_SYNCOOKIESFAILED,	/* ACKs at a listener with an invalid cookie */
	ATCP_STAT_RETRIES1REROUTES,	/* retries1 timeouts in a row: route redone */
	ATCP_STAT_SACKREORDER,		/* reordering seen, duplicate threshold raised */
	ATCP_STAT_OFOQUEUE,		/* segments queued out of order */
	ATCP_STAT_OFOMERGE,		/* queued segments coalesced into a neighbour */
	ATCP_STAT_GSOOUT,		/* super-segments sent (GSO, several MSS) */
	ATCP_STAT_GSOIN,		/* skbs received carrying several segments */
	ATCP_STAT_PRUNECALLED,		/* a segment did not fit: receive memory reclaimed */
	ATCP_STAT_RCVCOALESCE,		/* in-order data appended to the last skb queued */
	ATCP_STAT_OFOPRUNED,		/* times out-of-order data was freed for room */
	ATCP_STAT_RCVPRUNED,		/* reclaim ran, the segment still did not fit */
	ATCP_STAT_OFODROP,		/* out-of-order segments dropped: no memory */
	ATCP_STAT_SACKRENEGING,		/* the peer dropped data it had SACKed */
	ATCP_STAT_TFOACTIVE,		/* Fast Open: our SYN data acknowledged */
	ATCP_STAT_TFOACTIVEFAIL,	/* Fast Open: our SYN data not acknowledged */
	ATCP_STAT_TFOPASSIVE,		/* Fast Open: children made from a SYN */
	ATCP_STAT_TFOPASSIVEFAIL,	/* Fast Open: invalid cookie, or no child */
	ATCP_STAT_TFOLISTENOVERFLOW,	/* Fast Open: the listener's queue was full */
	ATCP_STAT_TFOCOOKIEREQD,	/* Fast Open: SYNs asking for a cookie */
	ATCP_STAT_TFOPASSIVEALTKEY,	/* Fast Open: cookies of the backup key */
	__ATCP_STAT_MAX,
};

/* What a state change event is about. */
enum atcp_ev_kind {
	ATCP_EV_SOCK,		/* a full socket */
	ATCP_EV_REQUEST,	/* a listener's SYN_RECV request entry */
	ATCP_EV_TIMEWAIT,	/* a TIME_WAIT entry */
};

/* Why the state changed (ATCP_A_EV_CAUSE) and the detail (ATCP_A_EV_DETAIL). */
enum atcp_cause {
	ATCP_CAUSE_UNSPEC,
	ATCP_CAUSE_SEGMENT,	/* detail: the segment's flags, ATCP_FLAG_* */
	ATCP_CAUSE_TIMER,	/* detail: enum atcp_timer_id */
	ATCP_CAUSE_SYSCALL,	/* detail: enum atcp_syscall_id */
};

#define ATCP_FLAG_FIN		0x01
#define ATCP_FLAG_SYN		0x02
#define ATCP_FLAG_RST		0x04
#define ATCP_FLAG_PSH		0x08
#define ATCP_FLAG_ACK		0x10

enum atcp_timer_id {
	ATCP_TIMER_NONE,
	ATCP_TIMER_RETRANSMIT,	/* SYN, SYN-ACK, data retransmission, probes */
	ATCP_TIMER_DELACK,
	ATCP_TIMER_FIN_WAIT2,	/* orphaned FIN_WAIT2 timeout */
	ATCP_TIMER_TIME_WAIT,	/* 2 * MSL */
	ATCP_TIMER_KEEPALIVE,
};

enum atcp_syscall_id {
	ATCP_SYSCALL_NONE,
	ATCP_SYSCALL_CONNECT,
	ATCP_SYSCALL_LISTEN,
	ATCP_SYSCALL_CLOSE,
	ATCP_SYSCALL_SHUTDOWN,
	ATCP_SYSCALL_DISCONNECT,	/* connect(AF_UNSPEC), SO_LINGER abort */
	ATCP_SYSCALL_SETSOCKOPT,
};

#endif /* _UAPI_LINUX_ATCP_H */
