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

/*
 * Connection states, in number order (the numbers are TCP's: TCP_ESTABLISHED
 * == 1, ...): X(ID, NAME, SS_NAME) gives ATCP_<ID>, the name /proc and the
 * netlink API print, and the one ss prints.
 */
#define ATCP_STATE_LIST(X)						\
	X(ESTABLISHED,	"ESTABLISHED",	"ESTAB")			\
	X(SYN_SENT,	"SYN_SENT",	"SYN-SENT")			\
	X(SYN_RECV,	"SYN_RECV",	"SYN-RECV")			\
	X(FIN_WAIT1,	"FIN_WAIT1",	"FIN-WAIT-1")			\
	X(FIN_WAIT2,	"FIN_WAIT2",	"FIN-WAIT-2")			\
	X(TIME_WAIT,	"TIME_WAIT",	"TIME-WAIT")			\
	X(CLOSE,	"CLOSE",	"UNCONN")			\
	X(CLOSE_WAIT,	"CLOSE_WAIT",	"CLOSE-WAIT")			\
	X(LAST_ACK,	"LAST_ACK",	"LAST-ACK")			\
	X(LISTEN,	"LISTEN",	"LISTEN")			\
	X(CLOSING,	"CLOSING",	"CLOSING")

enum atcp_state {
	ATCP_STATE_UNKNOWN,	/* 0: no state */
#define ATCP_STATE_ENUM(id, name, ss_name) ATCP_##id,
	ATCP_STATE_LIST(ATCP_STATE_ENUM)
#undef ATCP_STATE_ENUM
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
#define ATCPI_OPT_ECN		0x08	/* ECN negotiated (RFC 3168) */
#define ATCPI_OPT_ECN_SEEN	0x10	/* an ECT or CE segment arrived */

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
 * Counters, in id order (ATCP_A_MIB_ID; new ones are appended):
 * X(ID, NAME) gives ATCP_STAT_<ID> and NAME, the column of
 * /proc/net/atcp_snmp and ATCP_A_MIB_NAME, so that tools also show
 * counters newer than the header they were built with.
 */
#define ATCP_STAT_LIST(X)						\
	/* SYN_SENT -> ESTABLISHED */					\
	X(ACTIVEOPENS, "ActiveOpens")					\
	/* request -> ESTABLISHED */					\
	X(PASSIVEOPENS, "PassiveOpens")					\
	/* SYN_SENT failed (RST, timeout) */				\
	X(ATTEMPTFAILS, "AttemptFails")					\
	/* RST in ESTABLISHED or CLOSE_WAIT */				\
	X(ESTABRESETS, "EstabResets")					\
	X(INSEGS, "InSegs")						\
	X(OUTSEGS, "OutSegs")						\
	X(RETRANSSEGS, "RetransSegs")					\
	X(INERRS, "InErrs")						\
	X(INCSUMERRORS, "InCsumErrors")					\
	X(OUTRSTS, "OutRsts")						\
	X(LISTENOVERFLOWS, "ListenOverflows")				\
	X(LISTENDROPS, "ListenDrops")					\
	/* TIME_WAIT entries created */					\
	X(TIMEWAITS, "TW")						\
	X(CHALLENGEACKS, "ChallengeACK")				\
	X(OUTOFWINDOW, "OutOfWindow")					\
	X(BACKLOGDROPS, "BacklogDrop")					\
	X(RCVBUFDROPS, "RcvbufDrop")					\
	X(NOSOCKET, "NoSocket")						\
	/* segments dropped by PAWS (RFC 7323) */			\
	X(PAWSDROPS, "PAWSEstab")					\
	/* gauge: ESTABLISHED + CLOSE_WAIT now */			\
	X(CURRESTAB, "CurrEstab")					\
	/* gauge: TIME_WAIT entries now */				\
	X(CURRTIMEWAIT, "CurrTimeWait")					\
	/* closed without TIME_WAIT: max_tw_buckets */			\
	X(TIMEWAITOVERFLOW, "TimeWaitOverflow")				\
	/* TIME_WAIT entries taken over by connect() */			\
	X(TWRECYCLED, "TWRecycled")					\
	/* SYN-ACKs carrying a SYN cookie */				\
	X(SYNCOOKIESSENT, "SyncookiesSent")				\
	/* valid cookies: connections made from them */			\
	X(SYNCOOKIESRECV, "SyncookiesRecv")				\
	/* ACKs at a listener with an invalid cookie */			\
	X(SYNCOOKIESFAILED, "SyncookiesFailed")				\
	/* retries1 timeouts in a row: route redone */			\
	X(RETRIES1REROUTES, "Retries1Reroutes")				\
	/* reordering seen, duplicate threshold raised */		\
	X(SACKREORDER, "SACKReorder")					\
	/* segments queued out of order */				\
	X(OFOQUEUE, "OfoQueue")						\
	/* queued segments coalesced into a neighbour */		\
	X(OFOMERGE, "OfoMerge")						\
	/* super-segments sent (GSO, several MSS) */			\
	X(GSOOUT, "GsoOutSkbs")						\
	/* skbs received carrying several segments */			\
	X(GSOIN, "GsoInSkbs")						\
	/* a segment did not fit: receive memory reclaimed */		\
	X(PRUNECALLED, "PruneCalled")					\
	/* in-order data appended to the last skb queued */		\
	X(RCVCOALESCE, "RcvCoalesce")					\
	/* times out-of-order data was freed for room */		\
	X(OFOPRUNED, "OfoPruned")					\
	/* reclaim ran, the segment still did not fit */		\
	X(RCVPRUNED, "RcvPruned")					\
	/* out-of-order segments dropped: no memory */			\
	X(OFODROP, "OfoDrop")						\
	/* the peer dropped data it had SACKed */			\
	X(SACKRENEGING, "SACKReneging")					\
	/* Fast Open: our SYN data acknowledged */			\
	X(TFOACTIVE, "TCPFastOpenActive")				\
	/* Fast Open: our SYN data not acknowledged */			\
	X(TFOACTIVEFAIL, "TCPFastOpenActiveFail")			\
	/* Fast Open: children made from a SYN */			\
	X(TFOPASSIVE, "TCPFastOpenPassive")				\
	/* Fast Open: invalid cookie, or no child */			\
	X(TFOPASSIVEFAIL, "TCPFastOpenPassiveFail")			\
	/* Fast Open: the listener's queue was full */			\
	X(TFOLISTENOVERFLOW, "TCPFastOpenListenOverflow")		\
	/* Fast Open: SYNs asking for a cookie */			\
	X(TFOCOOKIEREQD, "TCPFastOpenCookieReqd")			\
	/* Fast Open: cookies of the backup key */			\
	X(TFOPASSIVEALTKEY, "TCPFastOpenPassiveAltKey")			\
	/* no ACK bit in a synchronized state or at a request */	\
	X(NOACKDROP, "NoAckDrop")					\
	/* SYN_SENT: neither an answer to our SYN nor a RST for it */	\
	X(SYNSENTDROP, "SynSentDrop")					\
	/* data beyond the peer's FIN */				\
	X(AFTERFINDROP, "AfterFinDrop")					\
	/* at a request: a TSecr no SYN-ACK of it carried */		\
	X(TSECRREJECTED, "TSEcrRejected")

enum atcp_stat_id {
	ATCP_STAT_UNSPEC,		/* a counter this header does not know yet */
#define ATCP_STAT_ENUM(id, name) ATCP_STAT_##id,
	ATCP_STAT_LIST(ATCP_STAT_ENUM)
#undef ATCP_STAT_ENUM
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
