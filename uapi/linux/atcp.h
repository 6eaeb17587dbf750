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

#define IPPROTO_ATCP		253	/* RFC 3692 experimental protocol number */
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
#define ATCP_INFO		11	/* struct atcp_info, read only */
#define ATCP_CONGESTION		13	/* char[ATCP_CA_NAME_MAX] */
#define ATCP_USER_TIMEOUT	18	/* unsigned int: ms of unacked data */

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

#endif /* _UAPI_LINUX_ATCP_H */
