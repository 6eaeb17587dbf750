// SPDX-License-Identifier: GPL-2.0
/*
 * atcp's trace events: the one place that instantiates them
 * (CREATE_TRACE_POINTS) and the helper that summarises a segment.
 */
#include "atcp.h"

#define CREATE_TRACE_POINTS
#include "atcp_trace.h"

/* Only when atcp:atcp_segment is enabled.  Any context. */
void atcp_trace_segment_fill(struct atcp_trace_seg *s, u8 dir, const struct tcphdr *th,
			     unsigned int len, __be32 saddr, __be32 daddr, int state)
{
	struct atcp_opts o;

	s->dir = dir;
	s->state = state;
	s->saddr = saddr;
	s->daddr = daddr;
	s->sport = ntohs(th->source);
	s->dport = ntohs(th->dest);
	s->seq = ntohl(th->seq);
	s->ack = ntohl(th->ack_seq);
	s->len = len;
	s->win = ntohs(th->window);
	s->flags = atcp_flag_byte(th);
	s->opts = 0;
	s->mss = 0;
	s->wscale = 0;
	s->tsval = 0;
	s->tsecr = 0;
	/* a bounded walk over at most 40 bytes; malformed options summarise as none */
	if (!atcp_parse_options(th, &o))
		return;
	if (o.mss)
		s->opts |= ATCP_TRACE_OPT_MSS;
	if (o.wscale_ok)
		s->opts |= ATCP_TRACE_OPT_WSCALE;
	if (o.sack_ok)
		s->opts |= ATCP_TRACE_OPT_SACK_PERM;
	if (o.ts_present) {
		s->opts |= ATCP_TRACE_OPT_TS;
		s->tsval = o.tsval;
		s->tsecr = o.tsecr;
	}
	if (o.num_sacks)
		s->opts |= ATCP_TRACE_OPT_SACK;
	if (o.tfo.len >= 0)
		s->opts |= ATCP_TRACE_OPT_TFO;
	s->mss = o.mss;
	s->wscale = o.wscale_ok ? o.wscale : 0;
}
