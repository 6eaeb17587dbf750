/* SPDX-License-Identifier: GPL-2.0 */
/*
 * atcp internal definitions: per-socket control block, table entries,
 * per-network-namespace state and the functions the source files share.
 */
#ifndef _ATCP_H
#define _ATCP_H

#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/timer.h>
#include <linux/rculist.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/netns/generic.h>
#include "../uapi/linux/atcp.h"

#include "compat.h"
#include "atcp_fastopen.h"
#include "atcp_mib.h"

#define ATCP_MAX_HEADER		(MAX_HEADER + sizeof(struct iphdr) + 60 + 64)
#define ATCP_MIN_MSS		88
#define ATCP_DEFAULT_MSS	536	/* RFC 9293 default without the option */
#define ATCP_MAX_WSCALE		14
#define ATCP_MAX_WINDOW		65535U
#define ATCP_DEFAULT_BUF	(1024 * 1024)
#define ATCP_RTO_GRANULARITY	(HZ / 100 ? : 1)
#define ATCP_TIMER_RETRY	(HZ / 20 ? : 1)	/* re-arm delay when socket is busy */

/* Option kinds and lengths on the wire (RFC 9293, RFC 7323). */
#define ATCPOPT_EOL		0
#define ATCPOPT_NOP		1
#define ATCPOPT_MSS		2
#define ATCPOPT_WSCALE		3
#define ATCPOPT_SACK_PERM	4
#define ATCPOPT_SACK		5
#define ATCPOPT_TIMESTAMP	8
#define ATCPOLEN_MSS		4
#define ATCPOLEN_WSCALE		3
#define ATCPOLEN_SACK_PERM	2
#define ATCPOLEN_TIMESTAMP	10
#define ATCPOLEN_TS_ALIGNED	12	/* NOP, NOP, timestamp */
#define ATCP_MAX_SACKS		4
#define ATCP_PAWS_IDLE		(24 * 24 * 3600 * HZ)	/* RFC 7323 5.5: 24 days */
#define ATCP_PAWS_WINDOW	1

/* Segment flags as in byte 13 of the header. */
#define ATCPHDR_FIN		0x01
#define ATCPHDR_SYN		0x02
#define ATCPHDR_RST		0x04
#define ATCPHDR_PSH		0x08
#define ATCPHDR_ACK		0x10
#define ATCPHDR_ECE		0x40	/* ECN-Echo (RFC 3168) */
#define ATCPHDR_CWR		0x80	/* Congestion Window Reduced */

/* byte 13 of the header holds the flags */
#define atcp_flag_byte(th)	(((u8 *)(th))[13])

/*
 * Per-skb state.  The IP layer's inet_skb_parm stays first so that IP
 * options and IPCB() remain valid while the skb travels through atcp.
 */
struct atcp_skb_cb {
	struct inet_skb_parm	h4;
	u32			seq;		/* first sequence number */
	u32			end_seq;	/* seq + SYN + FIN + payload */
	u32			ack_seq;
	u8			flags;		/* ATCPHDR_* */
	u8			sacked;		/* ATCP_SKB_* scoreboard bits, sent skbs */
	u8			eor;		/* ends a MSG_EOR write: nothing joins it */
	u16			wnd;		/* raw window field, received */
	u16			pcount;		/* segments it counts for once sent */
	/* received: ECE and CWR of the header, the ECN field of the IP header */
	u8			ecn;
};

/* Scoreboard bits of a segment on the write queue. */
#define ATCP_SKB_SACKED		0x01	/* the peer holds it (SACK) */
#define ATCP_SKB_LOST		0x02	/* presumed lost, to be retransmitted */
#define ATCP_SKB_RETRANS	0x04	/* retransmitted and not yet acked or lost again */
#define ATCP_SKB_EVER_RETRANS	0x08

#define ATCP_SKB_CB(skb) ((struct atcp_skb_cb *)&((skb)->cb[0]))

struct atcp_sack_block {
	u32	start;
	u32	end;
};

/* Options to put on an outgoing segment. */
struct atcp_optspec {
	u16	mss;		/* 0: no MSS option */
	bool	wscale_ok;
	u8	wscale;
	bool	sack_perm;
	bool	ts;
	u8	num_sacks;
	u32	tsval;
	u32	tsecr;
	const struct atcp_sack_block *sacks;
	const struct atcp_tfo_cookie *tfo;	/* Fast Open option, NULL: none */
};

#define ATCP_MAX_OPT_SPACE	40
#define ATCP_INIT_CWND		10	/* RFC 6928 */
#define ATCP_DEFAULT_REORDERING	3	/* DupThresh, RFC 5681 */
#define ATCP_MAX_REORDERING	300	/* the most it adapts to, as tcp_max_reordering */
#define ATCP_ORPHAN_RETRIES	8	/* Linux's tcp_orphan_retries default */
#define ATCP_QUICKACK_SEGS	16

/*
 * gso_type of atcp's super-segments (see atcp_offload.c).  A device takes
 * one whole only if it offers every bit: SKB_GSO_SCTP is offered by
 * software devices only, so no NIC applies its TSO to protocol 253.
 * SKB_GSO_TCPV4 says what the segments are (TCP format, header lengths
 * right in skb_gso_transport_seglen()) and lets tcp4_gso_segment() cut a
 * packet that a tc rule already renamed to protocol 6.
 */
#define ATCP_GSO_TYPE		(SKB_GSO_TCPV4 | SKB_GSO_SCTP)

/* Work an ICMP error leaves for release_sock() when a process owns the socket. */
#define ATCP_DEFER_OPEN_ERROR	0x01
#define ATCP_DEFER_MTU		0x02
#define ATCP_MAX_KEEPIDLE	32767	/* seconds, as TCP */
#define ATCP_MAX_KEEPINTVL	32767
#define ATCP_MAX_KEEPCNT	127
#define ATCP_MAX_SYNCNT		127

/* How hard atcp_write_xmit() pushes a trailing partial segment. */
enum {
	ATCP_PUSH_NORMAL,	/* Nagle and cork decide */
	ATCP_PUSH_MORE,		/* MSG_MORE: the caller has more to send */
	ATCP_PUSH_FORCE,	/* send it now */
	ATCP_PUSH_PROBE,	/* persist timer: send what fits the window, however small */
};

/* Options parsed from a segment. */
struct atcp_opts {
	u16	mss;		/* 0: not present */
	u8	wscale;
	bool	wscale_ok;
	bool	sack_ok;	/* SACK permitted (SYN only) */
	bool	ts_present;
	u8	num_sacks;
	u32	tsval;
	u32	tsecr;
	struct atcp_sack_block sacks[ATCP_MAX_SACKS];
	struct atcp_tfo_cookie tfo;	/* Fast Open (SYN only); len -1: none */
};

/* Kinds of entries in the established table. */
enum atcp_ent_kind {
	ATCP_ENT_SOCK,
	ATCP_ENT_REQ,
	ATCP_ENT_TW,
};

/* Common head of everything hashed by 4-tuple (sockets, requests, TIME_WAIT). */
struct atcp_ent {
	struct hlist_node	node;		/* ehash chain, RCU */
	__be32			laddr;
	__be32			raddr;
	__be16			lport;
	__be16			rport;
	u8			kind;		/* enum atcp_ent_kind */
	bool			hashed;
};

/* Ownership of a local port (bind table entry). */
struct atcp_bind {
	struct hlist_node	node;
	__be32			addr;
	u16			port;		/* host order */
	bool			reuse;
	bool			reuseport;	/* TIME_WAIT entries: SO_REUSEPORT of the socket */
	int			bound_dev_if;	/* TIME_WAIT entries: its SO_BINDTODEVICE */
	bool			by_connect;	/* picked by connect(), shareable */
	bool			bound;
	struct sock		*sk;		/* NULL for TIME_WAIT entries */
};

/* SYN_RCVD request entry: what a listener remembers of a half-open connection. */
struct atcp_request {
	struct atcp_ent		ent;
	refcount_t		refcnt;
	struct sock		*listener;	/* holds a reference */
	struct list_head	list;		/* listener's request list */
	struct timer_list	timer;		/* SYN-ACK retransmission */
	u32			iss;
	u32			irs;
	u16			peer_mss;
	u8			snd_wscale;
	u8			rcv_wscale;
	bool			wscale_ok;
	bool			sack_ok;
	bool			ts_ok;
	bool			ecn_ok;		/* ECN agreed (RFC 3168 6.1.1) */
	u32			ts_recent;
	u32			ts_off;
	u32			synack_tsval_first;	/* TSvals our SYN-ACKs carried ... */
	u32			synack_tsval_last;
	bool			synack_ts_sent;		/* ... valid once one went out */
	unsigned long		last_oow_ack;	/* rate limit of ACKs to bad segments */
	u8			retries;
	bool			dead;
	bool			cookie;		/* stateless: lives in a SYN cookie */
	int			bound_dev_if;
	unsigned long		born;
	struct rcu_head		rcu;
};

/* TIME_WAIT entry: enough to re-ACK a retransmitted FIN and hold the 4-tuple. */
struct atcp_tw {
	struct atcp_ent		ent;
	struct atcp_bind	bind;
	refcount_t		refcnt;
	possible_net_t		net;
	struct timer_list	timer;
	u32			snd_nxt;
	u32			rcv_nxt;
	u32			rcv_wnd;
	u8			rcv_wscale;
	bool			ts_ok;
	u32			ts_recent;
	unsigned long		ts_recent_stamp;	/* jiffies; for TIME_WAIT reuse */
	u32			ts_off;
	int			bound_dev_if;
	unsigned long		expires;
	unsigned long		last_oow_ack;
	kuid_t			uid;
	struct rcu_head		rcu;
};

struct atcp_sock {
	struct inet_sock	inet;		/* must be first */
	struct atcp_ent		ent;
	struct hlist_node	lnode;		/* listener hash */
	bool			lhashed;
	struct atcp_bind	bind;

	/* send sequence space */
	u32			iss;
	u32			snd_una;
	u32			snd_nxt;
	u32			write_seq;	/* end of data queued by the user */
	u32			pushed_seq;	/* write_seq when PSH was last set */
	u32			snd_wnd;	/* bytes, already scaled */
	u32			snd_wl1;
	u32			snd_wl2;
	u32			max_window;
	struct sk_buff		*send_head;	/* first unsent skb in write queue */
	u16			mss;		/* effective send MSS */
	u16			advmss;		/* MSS we announce */
	u16			user_mss;	/* ATCP_MAXSEG clamp, 0 = none */
	u8			snd_wscale;
	u8			rcv_wscale;
	bool			wscale_ok;
	bool			fin_queued;
	bool			nodelay;
	bool			cork;
	bool			recvmsg_inq;	/* ATCP_INQ: TCP_CM_INQ cmsg on recvmsg() */
	u32			notsent_lowat;	/* ATCP_NOTSENT_LOWAT, 0: the sysctl's */
	/* MSG_ZEROCOPY: notifications waiting for their data's ACK (atcp_zerocopy.c) */
	struct sk_buff_head	zc_pending;
	u32			zc_key;		/* the next write's notification id */
	bool			sack_ok;	/* both sides agreed on SACK */
	bool			ts_ok;		/* both sides agreed on timestamps */
	u32			ts_off;		/* random offset of our TSval clock */
	u32			ts_recent;	/* peer's TSval to echo (RFC 7323) */
	unsigned long		ts_recent_stamp;

	/* congestion control and loss recovery (segments) */
	const struct atcp_cong_ops *cc;
	u64			cc_priv[6];
	u32			cwnd;
	u32			ssthresh;
	u32			cwnd_cnt;	/* ACKed segments towards the next increase */
	u32			packets_out;	/* sent, not cumulatively acked */
	/* how full this round kept the window (atcp_cwnd_validate) */
	u32			max_packets_out;	/* the most in flight this round */
	u32			cwnd_round_end;	/* snd_nxt when the round began */
	bool			cwnd_limited;	/* in flight reached cwnd this round */
	u32			sacked_out;
	u32			lost_out;
	u32			retrans_out;
	u32			dupacks;
	u32			high_seq;	/* snd_nxt when recovery started */
	u32			reordering;	/* duplicate threshold, segments */
	u32			fack;		/* highest SACKed end_seq (or snd_una) */
	u32			prior_cwnd;	/* before recovery, for undo */
	u32			prior_ssthresh;
	u32			undo_retrans;	/* resends in recovery not yet D-SACKed */
	u32			dsacks;
	u8			ca_state;	/* ATCP_CA_* */
	unsigned long		lsnd_time;	/* last data sent, for cwnd restart */
	u8			ecn_flags;	/* ATCP_ECN_* (atcp_ecn.h) */
	bool			ecn_cwr;	/* cut for an ECE, until snd_una passes: */
	u32			ecn_high_seq;

	/* receive sequence space */
	u32			irs;
	u32			rcv_nxt;
	u32			copied_seq;	/* next byte the user will read */
	u32			rcv_wup;	/* rcv_nxt at the last window update */
	u32			rcv_wnd;	/* window advertised at rcv_wup */
	u32			rcv_mss;	/* largest segment seen */
	u32			last_ack_sent;
	u16			unacked_segs;	/* data segments not yet acknowledged */
	bool			ack_pending;
	unsigned long		delack_due;	/* when a pending ACK must go out */
	u8			quickack;	/* segments to ACK at once */
	bool			pingpong;	/* interactive: replies carry our ACKs */
	unsigned long		lrcv_time;	/* jiffies of the last data received */
	struct rb_root		ooo_queue;	/* out of order, keyed by seq (atcp_ofo.c) */
	struct sk_buff		*ooo_last_skb;	/* highest node of ooo_queue */
	u32			ooo_last_seq;	/* seq of the latest out-of-order arrival */
	struct atcp_sack_block	dsack;		/* duplicate to report (RFC 2883) */
	bool			dsack_pending;

	/* timers and RTT (RFC 6298) */
	struct timer_list	rtx_timer;	/* retransmit / SYN / persist */
	struct timer_list	delack_timer;
	struct timer_list	misc_timer;	/* orphan FIN_WAIT_2 */
	u32			rto;		/* jiffies */
	u32			srtt_us;	/* 0: no sample yet */
	u32			rttvar_us;
	u32			rtt_seq;
	u64			rtt_start_us;
	bool			rtt_timing;
	u8			retransmits;	/* timeouts since the last forward ACK */
	u8			backoff;
	bool			probing;	/* persist mode */
	unsigned long		probes_stamp;	/* first zero-window probe of this run; 0: none */
	u8			probes_out;	/* zero-window probes since the peer's last ACK */
	bool			r1_rerouted;	/* retries1 time passed in this run */
	unsigned long		retrans_stamp;	/* first (attempted) retransmission; 0: none */
	u32			syn_tsval;	/* TSval of our first SYN */
	unsigned long		rcv_tstamp;	/* last segment from the peer */
	u32			user_timeout_ms;
	int			keepalive_idle;	/* seconds; 0 = netns default */
	int			keepalive_intvl;
	int			keepalive_probes;
	u8			keepalive_sent;
	u8			syn_retries;	/* ATCP_SYNCNT; 0: net.atcp.syn_retries */
	u8			deferred;	/* ATCP_DEFER_*, for release_cb */
	unsigned long		last_oow_ack;	/* rate limit of ACKs to bad segments */

	/* listener */
	struct list_head	accept_queue;	/* children ready for accept() */
	struct list_head	accept_node;	/* entry in the parent's queue */
	u32			accept_len;
	struct list_head	requests;
	u32			req_count;
	unsigned long		last_cookie_sent;	/* jiffies; 0: never */

	/* statistics for ATCP_INFO */
	u64			bytes_acked;
	u64			bytes_received;
	u64			segs_out;
	u64			segs_in;
	u64			total_retrans;
	u64			delivered;	/* segments delivered, for the rate */
	u32			delivered_ce;	/* of those, acked with ECE */
	u64			bytes_sent;	/* payload handed to IP, resends too */
	u64			bytes_retrans;	/* payload resent */
	unsigned long		data_sent_stamp; /* jiffies: last payload sent */
	u32			data_segs_out;	/* segments with payload, resends too */
	u32			data_segs_in;	/* segments with payload received */
	u32			rcv_ooopack;	/* segments queued out of order */
	u32			reord_seen;	/* times SACK showed reordering */
	u32			min_rtt_us;	/* least RTT sample; 0: none yet */
	u32			total_rto;	/* retransmission timeouts */
	u32			total_rto_recoveries;	/* runs of them */
	u32			total_rto_time;	/* ms spent in finished runs */
	unsigned long		rto_stamp;	/* jiffies: this run began; 0: none */
	u64			delivery_rate;	/* bytes per second, last sample */
	u64			rate_stamp_us;
	u64			rate_bytes;
	u32			rcvq_copied;	/* read since rcvq_stamp, autotuning */
	unsigned long		rcvq_stamp;

	/* TCP Fast Open (atcp_fastopen.c) */
	struct atcp_tfo_req	*tfo_req;	/* sendmsg() connecting with data, or NULL */
	const struct atcp_tfo_cookie *tfo_syn_opt; /* option of the SYN being sent */
	struct atcp_tfo_keys	*tfo_keys;	/* listener's TCP_FASTOPEN_KEY; NULL: netns's */
	struct sock		*tfo_listener;	/* passive child in SYN_RECV: listener, held */
	atomic_t		tfo_qlen;	/* listener: Fast Open children in SYN_RECV */
	u32			tfo_max_qlen;	/* listener: TCP_FASTOPEN, 0 = off */
	u32			tfo_data_end;	/* active: end of the data sent in the SYN */
	bool			tfo_connect;	/* TCP_FASTOPEN_CONNECT */
	bool			tfo_no_cookie;	/* TCP_FASTOPEN_NO_COOKIE */
	bool			tfo_want_cookie; /* the SYN asks for a cookie */
	bool			syn_fastopen;	/* our SYN carried the option */
	bool			syn_fastopen_exp; /* ... in the experimental format */
	bool			syn_data;	/* our SYN carried data */
	bool			syn_data_acked;	/* data in the SYN was acknowledged / accepted */

	/* why the next state change happens, for events (atcp_set_cause) */
	u8			ev_cause;	/* enum atcp_cause */
	u8			ev_detail;	/* segment flags, timer or syscall id */
};

/* Congestion control states (atcp_info.ca_state). */
enum atcp_ca_state {
	ATCP_CA_OPEN,
	ATCP_CA_DISORDER,	/* duplicate ACKs or SACKs seen */
	ATCP_CA_RECOVERY,	/* fast recovery (RFC 6582 / RFC 6675) */
	ATCP_CA_LOSS,		/* after a retransmission timeout */
};

/* A congestion control algorithm (NewReno, CUBIC). */
struct atcp_cong_ops {
	const char	*name;
	void		(*init)(struct sock *sk);
	u32		(*ssthresh)(struct sock *sk);	/* after a loss */
	void		(*cong_avoid)(struct sock *sk, u32 acked);
	void		(*on_loss)(struct sock *sk);	/* RTO */
};

static inline struct atcp_sock *atcp_sk(const struct sock *sk)
{
	return (struct atcp_sock *)sk;
}

#define ATCP_EHASH_BITS		12
#define ATCP_LHASH_BITS		6
#define ATCP_BHASH_BITS		10

/* Per network namespace state. */
struct atcp_net {
	struct net		*net;
	/* tunables (sysctl) */
	int			msl_ms;
	int			fin_timeout_ms;
	int			syn_retries;
	int			synack_retries;
	int			retries1;
	int			retries2;
	int			rto_initial_ms;
	int			rto_min_ms;
	int			rto_max_ms;
	int			delack_ms;
	int			max_syn_backlog;
	int			syncookies;	/* 0 never, 1 on overflow, 2 always */
	int			max_tw_buckets;
	int			timewait_reuse;	/* net.atcp.tw_reuse: 0, 1, 2 = loopback */
	int			window_scaling;
	int			sack;
	int			timestamps;
	int			keepalive_time;
	int			keepalive_intvl;
	int			keepalive_probes;
	int			gso;		/* send super-segments (atcp_offload.c) */
	int			invalid_ratelimit_ms;	/* ACKs to bad segments, per connection */
	unsigned int		notsent_lowat;	/* unsent bytes a writer may queue */
	int			congestion_control;	/* index, see atcp_cong.c */
	int			fastopen;	/* ATCP_TFO_* bits, as net.ipv4.tcp_fastopen */
	int			ecn;		/* as net.ipv4.tcp_ecn: 0 off, 1 on, 2 accept */
	int			rmem[3];	/* min, default, max receive buffer */
	int			wmem[3];	/* min, default, max send buffer */
	struct ctl_table_header	*sysctl_hdr;
	spinlock_t		tfo_lock;	/* tfo_keys */
	struct atcp_tfo_keys	tfo_keys;	/* net.atcp.fastopen_key */

	struct sock		*ctl_sk;	/* raw socket for RST/ACK replies */
	struct atcp_mib __percpu *mib;

	/* tables; writers hold @lock, readers use RCU */
	spinlock_t		lock;
	struct hlist_head	*ehash;
	struct hlist_head	*lhash;
	struct hlist_head	*bhash;
	atomic_t		tw_count;
	u32			port_hint;	/* ephemeral port search start, under @lock */
	bool			dying;
};

extern unsigned int atcp_net_id;
extern struct proto atcp_prot;

static inline struct atcp_net *atcp_pernet(const struct net *net)
{
	return net_generic(net, atcp_net_id);
}

static inline struct atcp_net *atcp_sk_net(const struct sock *sk)
{
	return atcp_pernet(sock_net(sk));
}


static inline unsigned long atcp_ms_to_jiffies(int ms)
{
	return max_t(unsigned long, msecs_to_jiffies(ms), 1);
}

static inline bool atcp_seq_before(u32 a, u32 b)
{
	return (s32)(a - b) < 0;
}

#define atcp_seq_after(a, b)	atcp_seq_before(b, a)

/* a <= b <= c in sequence space */
static inline bool atcp_seq_between(u32 a, u32 b, u32 c)
{
	return c - a >= b - a;
}

/* atcp_main.c */
/* the IP protocol number (module parameter proto=, default IPPROTO_ATCP) */
extern int atcp_ipproto;
extern long atcp_sysctl_mem[3];
void atcp_set_state(struct sock *sk, int state);
void atcp_done(struct sock *sk);
void atcp_destroy_sock(struct sock *sk);
void atcp_init_sock_common(struct sock *sk);
u32 atcp_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport);

/* atcp_hash.c */
int atcp_tables_init(struct atcp_net *an);
void atcp_tables_free(struct atcp_net *an);
struct atcp_ent *atcp_lookup_established(struct atcp_net *an, __be32 laddr, __be16 lport,
					 __be32 raddr, __be16 rport);
struct sock *atcp_lookup_listener(struct atcp_net *an, struct sk_buff *skb, __be32 saddr,
				  __be16 sport, __be32 daddr, __be16 dport, int dif);
bool atcp_ent_get(struct atcp_ent *ent);
void atcp_ent_put(struct atcp_ent *ent);
void atcp_ehash_insert(struct atcp_net *an, struct atcp_ent *ent);
void atcp_ehash_remove(struct atcp_net *an, struct atcp_ent *ent);
void atcp_ehash_replace(struct atcp_net *an, struct atcp_ent *old, struct atcp_ent *new);
int atcp_lhash_insert(struct sock *sk);
void atcp_lhash_remove(struct sock *sk);
int atcp_get_port(struct sock *sk, unsigned short snum);
/* What a connect() inherits from the TIME_WAIT entry it took over. */
struct atcp_tw_heir {
	bool		taken;
	u32		snd_nxt;
	u32		ts_recent;
	unsigned long	ts_recent_stamp;
};

int atcp_hash_connect(struct sock *sk, struct atcp_tw_heir *heir);
bool atcp_listen_conflict(struct sock *sk);
void atcp_put_port(struct sock *sk);
void atcp_bind_add(struct atcp_net *an, struct atcp_bind *b);
void atcp_bind_remove(struct atcp_net *an, struct atcp_bind *b);
int atcp_unhash_sock(struct sock *sk);
void atcp_unhash(struct sock *sk);
int atcp_hash(struct sock *sk);

/* atcp_input.c */
int atcp_v4_rcv(struct sk_buff *skb);
int atcp_v4_err(struct sk_buff *skb, u32 info);
void atcp_release_cb(struct sock *sk);
int atcp_do_rcv(struct sock *sk, struct sk_buff *skb);
void atcp_deliver_to_child(struct sock *child, struct sk_buff *skb);
bool atcp_parse_options(const struct tcphdr *th, struct atcp_opts *opts);
bool atcp_oow_rate_limited(const struct atcp_net *an, const struct sk_buff *skb,
			   unsigned long *last);
void atcp_fill_cb(struct sk_buff *skb, const struct tcphdr *th);

/* atcp_ofo.c */
static inline bool atcp_ofo_empty(const struct atcp_sock *as)
{
	return RB_EMPTY_ROOT(&as->ooo_queue);
}

void atcp_ofo_init(struct atcp_sock *as);
void atcp_ofo_purge(struct sock *sk);
void atcp_ofo_insert(struct sock *sk, struct sk_buff *skb);
struct sk_buff *atcp_ofo_pop_ready(struct sock *sk);
bool atcp_ofo_prune(struct sock *sk, struct sk_buff *skb);

/* atcp_rmem.c */
bool atcp_skb_coalesce(struct sock *sk, struct sk_buff *to, struct sk_buff *from, bool *stolen);
void atcp_rcvq_queue(struct sock *sk, struct sk_buff *skb);
bool atcp_rmem_fits(struct sock *sk, struct sk_buff *skb);
bool atcp_rmem_schedule(struct sock *sk, struct sk_buff *skb);

/* atcp_offload.c */
int atcp_offload_init(void);
void atcp_offload_exit(void);

/* Segments an skb carries: more than one for a super-segment (GSO). */
static inline u32 atcp_skb_segs(const struct sk_buff *skb)
{
	return skb_is_gso(skb) ? max_t(u32, skb_shinfo(skb)->gso_segs, 1) : 1;
}

/* Segments a sent write-queue skb stands for in packets_out and the scoreboard. */
static inline u32 atcp_skb_pcount(const struct sk_buff *skb)
{
	return ATCP_SKB_CB(skb)->pcount;
}

/* atcp_output.c */
u16 atcp_mss_for_mtu(u32 mtu);
u8 atcp_choose_wscale(int space);
int atcp_rcvbuf_max(const struct sock *sk);
u32 atcp_ts_now(void);
u32 atcp_pipe(const struct atcp_sock *as);
int atcp_write_xmit(struct sock *sk, int push);
void atcp_push_pending(struct sock *sk, int push);
int atcp_send_syn(struct sock *sk);
int atcp_transmit_skb(struct sock *sk, struct sk_buff *oskb, bool clone_it, gfp_t gfp);
struct sk_buff *atcp_alloc_ctrl_skb(struct sock *sk, u32 seq, u8 flags, gfp_t gfp);
void atcp_queue_skb(struct sock *sk, struct sk_buff *skb);
int atcp_send_synack_sock(struct sock *sk);
void atcp_send_ack(struct sock *sk);
void atcp_send_fin(struct sock *sk);
void atcp_send_active_rst(struct sock *sk, gfp_t gfp);
void atcp_send_probe(struct sock *sk);
int atcp_retransmit_skb(struct sock *sk, struct sk_buff *skb);
int atcp_fragment(struct sock *sk, struct sk_buff *skb, u32 len);
u32 atcp_trim_head(struct sock *sk, struct sk_buff *skb, u32 len);
u32 atcp_size_goal(struct sock *sk);
void atcp_send_reset_reply(struct net *net, struct sk_buff *skb);
int atcp_send_synack_req(struct atcp_request *req, const struct sock *lsk);
void atcp_send_req_ack(struct atcp_request *req, const struct sock *lsk);
int atcp_send_synack_req_tfo(struct atcp_request *req, const struct sock *lsk,
			     const struct atcp_tfo_cookie *tfo);
void atcp_send_tw_ack(struct net *net, struct atcp_tw *tw);
void atcp_schedule_ack(struct sock *sk, u32 segs);
u32 atcp_select_window(struct sock *sk);
void atcp_cleanup_rbuf(struct sock *sk, int copied);
void atcp_rcvbuf_autotune(struct sock *sk, int copied);
void atcp_sndbuf_autotune(struct sock *sk);
void atcp_write_queue_purge(struct sock *sk);
void atcp_wmem_charge_forced(struct sock *sk, int size);
void atcp_wmem_free_skb(struct sock *sk, struct sk_buff *skb);

/* atcp_recovery.c */
bool atcp_sack_reneged(struct sock *sk);
void atcp_ack_recovery(struct sock *sk, const struct atcp_opts *opts, u32 prior_una,
		       bool dupack);
void atcp_enter_loss(struct sock *sk);
void atcp_xmit_retransmits(struct sock *sk);

/* atcp_cong.c */
#define ATCP_MAX_CWND		(1U << 20)
#define ATCP_INFINITE_SSTHRESH	0x7fffffff
const struct atcp_cong_ops *atcp_cong_find(const char *name);
const struct atcp_cong_ops *atcp_cong_by_index(unsigned int idx);
unsigned int atcp_cong_index(const struct atcp_cong_ops *ops);
void atcp_cong_available(char *buf, size_t len);
void atcp_cong_init(struct sock *sk);
void atcp_cong_avoid(struct sock *sk, u32 acked);
void atcp_cwnd_validate(struct atcp_sock *as, u32 pipe);
int atcp_cong_set(struct sock *sk, const char *name);

/* atcp_timer.c */
void atcp_init_timers(struct sock *sk);
void atcp_clear_timers(struct sock *sk);
void atcp_reset_rtx_timer(struct sock *sk);
void atcp_reneging_timer(struct sock *sk);
void atcp_arm_delack(struct sock *sk);
void atcp_arm_fin_wait2(struct sock *sk);
void atcp_reset_keepalive(struct sock *sk);
void atcp_set_keepalive(struct sock *sk, int on);
void atcp_rtt_sample(struct sock *sk, u32 rtt_us);
u32 atcp_rto_min(const struct sock *sk);
u32 atcp_rto_max(const struct sock *sk);

/* atcp_minisocks.c */
int atcp_listener_rcv(struct sock *sk, struct sk_buff *skb);
void atcp_req_init(struct atcp_request *req, struct sock *lsk, struct sk_buff *skb,
		   const struct atcp_opts *opts);
struct sock *atcp_create_child(struct sock *lsk, struct atcp_request *req,
			       struct sk_buff *skb);
void atcp_listen_stop(struct sock *sk);
void atcp_time_wait(struct sock *sk);
int atcp_tw_rcv(struct atcp_tw *tw, struct sk_buff *skb);
void atcp_tw_put(struct atcp_tw *tw);
bool atcp_tw_unhash_locked(struct atcp_net *an, struct atcp_tw *tw);
struct atcp_tw *atcp_tw_reusable(struct atcp_net *an, struct atcp_ent *ent, bool bound_port);
void atcp_tw_recycled(struct atcp_net *an, struct atcp_tw *tw);
void atcp_req_put(struct atcp_request *req);
void atcp_tw_flush(struct atcp_net *an);

/* atcp_syncookies.c */
#define ATCP_COOKIE_LIFETIME	(192 * HZ)	/* how long a cookie we sent stays good */
u32 atcp_cookie_make(struct atcp_request *req);
u16 atcp_cookie_check(const struct atcp_ent *tuple, u32 irs, u32 cookie);
u32 atcp_cookie_ts_off(const struct atcp_ent *tuple);
u32 atcp_cookie_tsval(const struct atcp_request *req);
bool atcp_cookie_ts_opts(struct atcp_request *req, u32 tsecr);

/* atcp_sock.c */
extern const struct proto_ops atcp_stream_ops;
int atcp_connect(struct sock *sk, ATCP_SOCKADDR *uaddr, int addr_len);
int atcp_disconnect(struct sock *sk, int flags);
void atcp_close(struct sock *sk, long timeout);
void atcp_shutdown(struct sock *sk, int how);
int atcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size);

/* atcp_zerocopy.c */
struct sk_buff *atcp_zc_alloc(struct sock *sk);
void atcp_zc_commit(struct sock *sk, struct sk_buff *nskb, int copied);
void atcp_zc_complete(struct sock *sk, u32 una, bool all);
size_t atcp_zc_seg(struct iov_iter *it);
int atcp_recv_error(struct sock *sk, struct msghdr *msg, int len);
int atcp_recvmsg(ATCP_RECVMSG_ARGS);
int atcp_setsockopt(struct sock *sk, int level, int optname, sockptr_t optval,
		    unsigned int optlen);
int atcp_getsockopt(struct sock *sk, int level, int optname, char __user *optval,
		    int __user *optlen);
struct sock *atcp_accept(ATCP_ACCEPT_ARGS);
void atcp_write_space(struct sock *sk);
bool atcp_stream_memory_free(const struct sock *sk, int wake);
void atcp_get_info(struct sock *sk, struct atcp_info *info);

/* atcp_sysctl.c: the tunables of struct atcp_net, shared by sysctl and netlink */
struct atcp_param {
	const char	*name;
	size_t		offset;		/* of the int in struct atcp_net */
	int		min;
	int		max;
	int		def;
};

extern const struct atcp_param atcp_params[];
extern const unsigned int atcp_nparams;
void atcp_params_init(struct atcp_net *an);
int atcp_param_get(struct atcp_net *an, unsigned int idx);
int atcp_param_set(struct atcp_net *an, unsigned int idx, int val, const char **why);

#define ATCP_TEXT_PARAM_MAX	128	/* longest text value, with its NUL */

/* A tunable whose sysctl value is text: parsed by its proc handler only. */
struct atcp_text_param {
	const char	*name;
	umode_t		mode;
	size_t		maxlen;		/* ctl_table.maxlen for the handler */
	int		(*handler)(ATCP_CTL_TABLE_CONST struct ctl_table *ctl, int write,
				   void *buffer, size_t *lenp, loff_t *ppos);
	void		*(*data)(struct atcp_net *an);	/* ctl_table.data */
	bool		init_net_only;
};

extern const struct atcp_text_param atcp_text_params[];
extern const unsigned int atcp_ntext_params;
bool atcp_text_param_visible(const struct atcp_net *an, unsigned int idx);
int atcp_text_param_get(struct atcp_net *an, unsigned int idx, char *buf, size_t size);
int atcp_text_param_set(struct atcp_net *an, unsigned int idx, const char *val);
int atcp_sysctl_init(struct atcp_net *an);
void atcp_sysctl_exit(struct atcp_net *an);

/* atcp_proc.c */
int atcp_proc_init(struct net *net);
void atcp_proc_exit(struct net *net);

/*
 * atcp_netlink.c: generic netlink family "atcp", state diagram counters and
 * state change events.  Entry points record what drives the next change.
 */
static inline void atcp_set_cause(struct sock *sk, u8 cause, u8 detail)
{
	WRITE_ONCE(atcp_sk(sk)->ev_cause, cause);
	WRITE_ONCE(atcp_sk(sk)->ev_detail, detail);
}

int atcp_netlink_init(void);
void atcp_netlink_exit(void);
void atcp_nl_state_change(struct sock *sk, int old, int new);
void atcp_nl_req_event(const struct atcp_request *req, int old, int new, u8 cause, u8 detail);
void atcp_nl_tw_event(struct atcp_net *an, const struct atcp_tw *tw, u8 cause, u8 detail);
struct seq_file;
void atcp_nl_snmp_show_edges(struct seq_file *seq, struct atcp_net *an);

/* One table entry as /proc/net/atcp and sock_diag show it (atcp_describe.c). */
struct atcp_diag_entry {
	u8		kind;		/* enum atcp_ev_kind */
	u8		state;
	u8		timer;		/* as in /proc/net/tcp: 0 none, 1 rtx, 2 keepalive/misc, 3 TW, 4 probe */
	u8		retrans;
	u8		probes;		/* zero-window or keepalive probes unanswered */
	u8		shutdown;
	u8		userlocks;
	__be32		laddr;
	__be32		raddr;
	__be16		lport;
	__be16		rport;
	int		bound_dev_if;
	u32		mark;
	u32		rqueue;
	u32		wqueue;
	unsigned long	expires;	/* jiffies until the timer fires */
	kuid_t		uid;
	unsigned long	ino;
	u32		cookie[2];	/* INET_DIAG_NOCOOKIE if none */
	bool		has_info;
	struct atcp_info info;
};

/* atcp_describe.c (any context) */
void atcp_describe_sock(struct sock *sk, struct atcp_diag_entry *e);
void atcp_describe_ent(struct atcp_ent *ent, struct atcp_diag_entry *e);

/* atcp_diag_iter.c: table walk for atcp_diag.ko (process context) */
struct atcp_diag_pos {
	unsigned int	table;		/* 0 listeners, 1 connections, 2 done */
	unsigned int	bucket;
	unsigned int	skip;		/* entries of the bucket already reported */
};

typedef int (*atcp_diag_fn)(const struct atcp_diag_entry *e, void *arg);
int atcp_diag_walk(struct net *net, u32 states, bool want_info,
		   struct atcp_diag_pos *pos, atcp_diag_fn fn, void *arg);

#endif /* _ATCP_H */
