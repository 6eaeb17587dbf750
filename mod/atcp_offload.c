// SPDX-License-Identifier: GPL-2.0
/*
 * atcp segmentation offload: the gso_segment callback for IP protocol 253.
 *
 * atcp_write_xmit() hands IP super-segments of several MSS (gso_size = MSS,
 * gso_type = ATCP_GSO_TYPE, CHECKSUM_PARTIAL).  Devices that re-inject the
 * packet into a stack (loopback, veth, bridge, bond, ...) take it whole;
 * before any other device, validate_xmit_skb() -> inet_gso_segment() calls
 * atcp_gso_segment() to cut it into MSS-sized segments in software.
 *
 * Why ATCP_GSO_TYPE is SKB_GSO_TCPV4 | SKB_GSO_SCTP and not SKB_GSO_TCPV4
 * alone: a NIC that advertises TSO would apply TCP segmentation to a
 * protocol-253 packet and what it does with an unknown IP protocol is up to
 * its firmware.  A device takes a GSO packet whole only if it offers every
 * gso_type bit; NETIF_F_GSO_SCTP is set by software devices only
 * (NETIF_F_GSO_SOFTWARE), no hardware driver offers it, so every path to
 * real hardware ends in this callback.  The SCTP bit only selects devices;
 * no SCTP code sees protocol 253.  The TCPV4 bit describes the segments
 * (TCP header) and lets tcp4_gso_segment() segment a super-segment whose
 * protocol field a tc rule already rewrote to 6 (the interop recipe).
 */
#include <linux/skbuff.h>
#include <net/protocol.h>
#include <net/ip.h>
#include <net/checksum.h>
#include "atcp.h"

/*
 * Set a segment's checksum: pseudo-header with protocol 6 (atcp's wire
 * format), then either leave the rest to the device (CHECKSUM_PARTIAL) or
 * finish it from the payload sum skb_segment() computed.
 */
static void atcp_gso_csum(struct sk_buff *seg, __be32 saddr, __be32 daddr)
{
	struct tcphdr *th = tcp_hdr(seg);
	unsigned int len = seg->len - skb_transport_offset(seg);
	/* the complement of the pseudo-header sum: what the segment sums to */
	__sum16 rest = csum_tcpudp_magic(saddr, daddr, len, IPPROTO_TCP, 0);

	th->check = ~rest;
	if (seg->ip_summed == CHECKSUM_PARTIAL)
		gso_reset_checksum(seg, csum_unfold(rest));
	else
		th->check = gso_make_checksum(seg, csum_unfold(rest));
}

/*
 * net_offload.gso_segment: softirq or process context with BHs off (device
 * transmit), skb->data at the atcp header.  Every segment gets the header of
 * the super-segment with its own sequence number; FIN and PSH stay on the
 * last segment only, CWR on the first only.
 */
static struct sk_buff *atcp_gso_segment(struct sk_buff *skb, netdev_features_t features)
{
	struct sk_buff *segs = ERR_PTR(-EINVAL), *seg;
	unsigned int thlen, mss;
	__be32 saddr, daddr;
	struct tcphdr *th;
	u32 seq;
	u8 flags;

	/* TCP-format segments: atcp's own, or TCP's renamed to protocol 253 */
	if (!(skb_shinfo(skb)->gso_type & ATCP_GSO_TYPE))
		goto out;
	if (!pskb_may_pull(skb, sizeof(*th)))
		goto out;
	thlen = tcp_hdr(skb)->doff * 4;
	if (thlen < sizeof(*th) || !pskb_may_pull(skb, thlen))
		goto out;
	th = tcp_hdr(skb);
	saddr = ip_hdr(skb)->saddr;
	daddr = ip_hdr(skb)->daddr;
	if (skb->ip_summed != CHECKSUM_PARTIAL) {
		/* not from atcp_transmit_skb(): set up the partial checksum */
		skb->ip_summed = CHECKSUM_PARTIAL;
		skb->csum_start = skb_transport_header(skb) - skb->head;
		skb->csum_offset = offsetof(struct tcphdr, check);
		th->check = ~csum_tcpudp_magic(saddr, daddr, skb->len, IPPROTO_TCP, 0);
	}
	if (skb_checksum_start(skb) != skb_transport_header(skb))
		goto out;

	mss = skb_shinfo(skb)->gso_size;
	seq = ntohl(th->seq);
	flags = atcp_flag_byte(th);
	__skb_pull(skb, thlen);
	if (!mss || skb->len <= mss)
		goto out;

	if (skb_gso_ok(skb, features | NETIF_F_GSO_ROBUST)) {
		/* the device takes it whole: only make the segment count right */
		skb_shinfo(skb)->gso_segs = DIV_ROUND_UP(skb->len, mss);
		segs = NULL;
		goto out;
	}

	/*
	 * Plain MSS segments (GSO_PARTIAL is for tunnels of TCP and UDP).  Leave
	 * the checksum to the device only if it sums any protocol (HW_CSUM);
	 * IP_CSUM hardware might treat protocol 253 by its own rules.
	 */
	features &= ~NETIF_F_GSO_PARTIAL;
	if (!(features & NETIF_F_HW_CSUM))
		features &= ~NETIF_F_CSUM_MASK;
	segs = skb_segment(skb, features);
	if (IS_ERR(segs))
		goto out;

	for (seg = segs; seg; seg = seg->next) {
		u8 f = flags;

		th = tcp_hdr(seg);
		th->seq = htonl(seq);
		if (seg != segs)
			f &= ~ATCPHDR_CWR;
		if (seg->next)
			f &= ~(ATCPHDR_FIN | ATCPHDR_PSH);
		atcp_flag_byte(th) = f;
		atcp_gso_csum(seg, saddr, daddr);
		seq += seg->len - skb_transport_offset(seg) - thlen;
	}
out:
	return segs;
}

static const struct net_offload atcp_offload = {
	.callbacks = {
		.gso_segment	= atcp_gso_segment,
	},
};

/* module init, process context */
int atcp_offload_init(void)
{
	return inet_add_offload(&atcp_offload, atcp_ipproto);
}

/*
 * module exit: inet_del_offload() waits for a grace period (synchronize_net),
 * so no CPU is inside atcp_gso_segment() when the module text goes away.  A
 * super-segment still queued somewhere is then dropped by inet_gso_segment()
 * (no offload for the protocol) instead of being segmented.
 */
void atcp_offload_exit(void)
{
	inet_del_offload(&atcp_offload, atcp_ipproto);
}
