/* SPDX-License-Identifier: GPL-2.0 */
/*
 * atcp's own trace events (see Documentation/observing.md):
 *
 *   atcp:atcp_segment  one per segment atcp sends or accepts for processing
 *   atcp:atcp_state    one per state change of a socket, a listener's
 *                      SYN_RECV request entry or a TIME_WAIT entry
 *
 * Disabled, a trace event is a static branch: the callers below test
 * trace_atcp_segment_enabled() before gathering anything.
 */
#ifndef _ATCP_TRACE_WRAP_H
#define _ATCP_TRACE_WRAP_H

#include <linux/types.h>
#include <linux/tcp.h>

/* Direction of an atcp_segment event */
enum {
	ATCP_TRACE_IN,
	ATCP_TRACE_OUT,
};

/* atcp_segment's opts: which options the segment carries */
#define ATCP_TRACE_OPT_MSS	0x01
#define ATCP_TRACE_OPT_WSCALE	0x02
#define ATCP_TRACE_OPT_SACK_PERM 0x04
#define ATCP_TRACE_OPT_TS	0x08
#define ATCP_TRACE_OPT_SACK	0x10
#define ATCP_TRACE_OPT_TFO	0x20

/* What an atcp_segment event records, gathered by atcp_trace_segment_fill() */
struct atcp_trace_seg {
	__be32	saddr;
	__be32	daddr;
	u16	sport;
	u16	dport;
	u32	seq;
	u32	ack;
	u32	len;		/* payload bytes (a GSO super-segment: all of them) */
	u16	win;		/* as on the wire, not scaled */
	u32	tsval;		/* timestamps option, 0 without */
	u32	tsecr;
	u16	mss;
	u8	wscale;
	u8	opts;		/* ATCP_TRACE_OPT_* */
	u8	flags;		/* ATCPHDR_* */
	u8	dir;		/* ATCP_TRACE_IN / ATCP_TRACE_OUT */
	u8	state;		/* the local end's state, see atcp_trace_segment() */
};

#endif /* _ATCP_TRACE_WRAP_H */

#undef TRACE_SYSTEM
#define TRACE_SYSTEM atcp

#if !defined(_ATCP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _ATCP_TRACE_H

#include <linux/tracepoint.h>

#define atcp_trace_state_name(val)				\
	__print_symbolic(val,					\
	{ TCP_ESTABLISHED,	"ESTABLISHED" },	\
	{ TCP_SYN_SENT,		"SYN_SENT" },		\
	{ TCP_SYN_RECV,		"SYN_RECV" },		\
	{ TCP_FIN_WAIT1,	"FIN_WAIT1" },		\
	{ TCP_FIN_WAIT2,	"FIN_WAIT2" },		\
	{ TCP_TIME_WAIT,	"TIME_WAIT" },		\
	{ TCP_CLOSE,		"CLOSE" },		\
	{ TCP_CLOSE_WAIT,	"CLOSE_WAIT" },		\
	{ TCP_LAST_ACK,		"LAST_ACK" },		\
	{ TCP_LISTEN,		"LISTEN" },		\
	{ TCP_CLOSING,		"CLOSING" })

TRACE_EVENT(atcp_segment,

	TP_PROTO(const struct atcp_trace_seg *s),

	TP_ARGS(s),

	TP_STRUCT__entry(
		__field(u8, dir)
		__field(u8, state)
		__field(u8, flags)
		__field(u8, opts)
		__field(u32, saddr)
		__field(u32, daddr)
		__field(u16, sport)
		__field(u16, dport)
		__field(u32, seq)
		__field(u32, ack)
		__field(u32, len)
		__field(u16, win)
		__field(u32, tsval)
		__field(u32, tsecr)
		__field(u16, mss)
		__field(u8, wscale)
	),

	TP_fast_assign(
		__entry->dir = s->dir;
		__entry->state = s->state;
		__entry->flags = s->flags;
		__entry->opts = s->opts;
		__entry->saddr = (__force u32)s->saddr;
		__entry->daddr = (__force u32)s->daddr;
		__entry->sport = s->sport;
		__entry->dport = s->dport;
		__entry->seq = s->seq;
		__entry->ack = s->ack;
		__entry->len = s->len;
		__entry->win = s->win;
		__entry->tsval = s->tsval;
		__entry->tsecr = s->tsecr;
		__entry->mss = s->mss;
		__entry->wscale = s->wscale;
	),

	TP_printk("dir=%s saddr=%pI4 sport=%u daddr=%pI4 dport=%u flags=%s seq=%u ack=%u len=%u win=%u opts=%s mss=%u wscale=%u tsval=%u tsecr=%u state=%s",
		  __entry->dir == ATCP_TRACE_OUT ? "out" : "in",
		  &__entry->saddr, __entry->sport, &__entry->daddr, __entry->dport,
		  __print_flags(__entry->flags, "",
				{ 0x02, "S" }, { 0x01, "F" }, { 0x04, "R" },
				{ 0x08, "P" }, { 0x10, "." }, { 0x80, "W" }),
		  __entry->seq, __entry->ack, __entry->len, __entry->win,
		  __print_flags(__entry->opts, ",",
				{ ATCP_TRACE_OPT_MSS, "mss" },
				{ ATCP_TRACE_OPT_WSCALE, "ws" },
				{ ATCP_TRACE_OPT_SACK_PERM, "sackok" },
				{ ATCP_TRACE_OPT_TS, "ts" },
				{ ATCP_TRACE_OPT_SACK, "sack" },
				{ ATCP_TRACE_OPT_TFO, "tfo" }),
		  __entry->mss, __entry->wscale, __entry->tsval, __entry->tsecr,
		  atcp_trace_state_name(__entry->state))
);

TRACE_EVENT(atcp_state,

	TP_PROTO(u8 kind, int oldstate, int newstate, u8 cause, u8 detail,
		 __be32 laddr, __be32 raddr, u16 lport, u16 rport),

	TP_ARGS(kind, oldstate, newstate, cause, detail, laddr, raddr, lport, rport),

	TP_STRUCT__entry(
		__field(u8, kind)
		__field(u8, oldstate)
		__field(u8, newstate)
		__field(u8, cause)
		__field(u8, detail)
		__field(u32, laddr)
		__field(u32, raddr)
		__field(u16, lport)
		__field(u16, rport)
	),

	TP_fast_assign(
		__entry->kind = kind;
		__entry->oldstate = oldstate;
		__entry->newstate = newstate;
		__entry->cause = cause;
		__entry->detail = detail;
		__entry->laddr = (__force u32)laddr;
		__entry->raddr = (__force u32)raddr;
		__entry->lport = lport;
		__entry->rport = rport;
	),

	TP_printk("kind=%s laddr=%pI4 lport=%u raddr=%pI4 rport=%u oldstate=%s newstate=%s cause=%s detail=%u",
		  __print_symbolic(__entry->kind, { 0, "sock" }, { 1, "request" },
				   { 2, "timewait" }),
		  &__entry->laddr, __entry->lport, &__entry->raddr, __entry->rport,
		  atcp_trace_state_name(__entry->oldstate),
		  atcp_trace_state_name(__entry->newstate),
		  __print_symbolic(__entry->cause, { 0, "unspec" }, { 1, "segment" },
				   { 2, "timer" }, { 3, "syscall" }),
		  __entry->detail)
);

#endif /* _ATCP_TRACE_H */

/* This part must be outside protection */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE atcp_trace
#include <trace/define_trace.h>

#ifndef _ATCP_TRACE_CALL_H
#define _ATCP_TRACE_CALL_H

void atcp_trace_segment_fill(struct atcp_trace_seg *s, u8 dir, const struct tcphdr *th,
			     unsigned int len, __be32 saddr, __be32 daddr, int state);

/*
 * A segment in or out.  @th is linear with its options, @len is the
 * payload; @state the local end's: on input as found by the lookup
 * (before processing), on output the sender's (after the change that
 * made it send, e.g. FIN_WAIT1 for the FIN of close()).  Any context.
 */
static inline void atcp_trace_segment(u8 dir, const struct tcphdr *th, unsigned int len,
				      __be32 saddr, __be32 daddr, int state)
{
	if (trace_atcp_segment_enabled()) {
		struct atcp_trace_seg s;

		atcp_trace_segment_fill(&s, dir, th, len, saddr, daddr, state);
		trace_atcp_segment(&s);
	}
}

#endif /* _ATCP_TRACE_CALL_H */
