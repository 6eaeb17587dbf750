// SPDX-License-Identifier: GPL-2.0
/*
 * atcp TCP Fast Open (RFC 7413), with the behaviour of Linux TCP's.
 *
 * Server: a listener with a Fast Open queue (TCP_FASTOPEN, or every
 * listener with net.atcp.fastopen & 0x400) answers a cookie request with a
 * cookie, SipHash of the client and server addresses under the listener's
 * or the namespace's key.  A SYN with a valid cookie creates the child at
 * once: the data it carries is queued for the reader, the child's SYN-ACK
 * acknowledges it and the child sits in the accept queue in SYN_RECV until
 * the handshake's ACK.  A wrong cookie falls back to the three-way
 * handshake, the SYN-ACK carrying the right cookie.
 *
 * Client: sendto(MSG_FASTOPEN) on an unconnected socket, or the first write
 * after connect() with TCP_FASTOPEN_CONNECT, sends the SYN with data and a
 * cookie from the per-destination cache; without a cookie the SYN asks for
 * one.  Data the SYN-ACK does not acknowledge is sent again after it.
 */
#include <linux/siphash.h>
#include <linux/sysctl.h>
#include <linux/hash.h>
#include <net/sock.h>
#include <net/inet_common.h>
#include "atcp.h"

/* ---- the client's cookie cache, one entry per namespace and destination ---- */

#define ATCP_TFO_CACHE_BITS	8
#define ATCP_TFO_CACHE_MAX	4096	/* entries, all namespaces */

struct atcp_tfo_entry {
	struct hlist_node	node;
	possible_net_t		net;
	__be32			daddr;
	u16			mss;		/* the server's MSS option */
	u8			try_exp;	/* 1: ask in the experimental format next */
	struct atcp_tfo_cookie	cookie;
};

static struct hlist_head atcp_tfo_cache[1 << ATCP_TFO_CACHE_BITS];
static DEFINE_SPINLOCK(atcp_tfo_cache_lock);
static unsigned int atcp_tfo_cache_count;

static struct hlist_head *atcp_tfo_bucket(const struct net *net, __be32 daddr)
{
	u32 h = (u32)(unsigned long)net ^ (__force u32)daddr;

	return &atcp_tfo_cache[hash_32(h, ATCP_TFO_CACHE_BITS)];
}

/* atcp_tfo_cache_lock held */
static struct atcp_tfo_entry *atcp_tfo_find(const struct net *net, __be32 daddr)
{
	struct atcp_tfo_entry *e;

	hlist_for_each_entry(e, atcp_tfo_bucket(net, daddr), node)
		if (e->daddr == daddr && net_eq(read_pnet(&e->net), net))
			return e;
	return NULL;
}

/* What the cache knows of the peer of @sk: its MSS (0: nothing) and cookie. */
static void atcp_tfo_cache_get(struct sock *sk, u16 *mss, struct atcp_tfo_cookie *c)
{
	struct atcp_tfo_entry *e;

	spin_lock_bh(&atcp_tfo_cache_lock);
	e = atcp_tfo_find(sock_net(sk), inet_sk(sk)->inet_daddr);
	if (e) {
		if (e->mss)
			*mss = e->mss;
		*c = e->cookie;
		if (c->len <= 0 && e->try_exp == 1)
			c->exp = true;
	}
	spin_unlock_bh(&atcp_tfo_cache_lock);
}

/* softirq: remember what a SYN-ACK told of the server */
static void atcp_tfo_cache_set(struct sock *sk, u16 mss, const struct atcp_tfo_cookie *c,
			       u8 try_exp)
{
	struct net *net = sock_net(sk);
	__be32 daddr = inet_sk(sk)->inet_daddr;
	struct atcp_tfo_entry *e;

	spin_lock_bh(&atcp_tfo_cache_lock);
	e = atcp_tfo_find(net, daddr);
	if (!e && atcp_tfo_cache_count < ATCP_TFO_CACHE_MAX) {
		e = kzalloc(sizeof(*e), GFP_ATOMIC);
		if (e) {
			write_pnet(&e->net, net);
			e->daddr = daddr;
			e->cookie.len = 0;	/* none yet: the next SYN asks */
			hlist_add_head(&e->node, atcp_tfo_bucket(net, daddr));
			atcp_tfo_cache_count++;
		}
	}
	if (e) {
		if (mss)
			e->mss = mss;
		if (c && c->len > 0)
			e->cookie = *c;
		else if (try_exp > e->try_exp && e->cookie.len <= 0 && !e->cookie.exp)
			e->try_exp = try_exp;
	}
	spin_unlock_bh(&atcp_tfo_cache_lock);
}

/* Drop the entries of @net, or all of them (NULL).  Process context. */
static void atcp_tfo_cache_flush(const struct net *net)
{
	struct atcp_tfo_entry *e;
	struct hlist_node *tmp;
	unsigned int i;

	spin_lock_bh(&atcp_tfo_cache_lock);
	for (i = 0; i < ARRAY_SIZE(atcp_tfo_cache); i++) {
		hlist_for_each_entry_safe(e, tmp, &atcp_tfo_cache[i], node) {
			if (net && !net_eq(read_pnet(&e->net), net))
				continue;
			hlist_del(&e->node);
			atcp_tfo_cache_count--;
			kfree(e);
		}
	}
	spin_unlock_bh(&atcp_tfo_cache_lock);
}

/* ---- keys and cookies ---- */

int atcp_fastopen_net_init(struct atcp_net *an)
{
	spin_lock_init(&an->tfo_lock);
	get_random_bytes(&an->tfo_keys.key[0], sizeof(an->tfo_keys.key[0]));
	an->tfo_keys.num = 1;
	return 0;
}

void atcp_fastopen_net_exit(struct atcp_net *an)
{
	atcp_tfo_cache_flush(an->net);
	memzero_explicit(&an->tfo_keys, sizeof(an->tfo_keys));
}

/* module unload: after every namespace is gone, nothing may be left */
void atcp_fastopen_exit(void)
{
	atcp_tfo_cache_flush(NULL);
}

/* The keys that make and check cookies for listener @lsk (listener locked). */
static void atcp_tfo_get_keys(struct sock *lsk, struct atcp_tfo_keys *keys)
{
	struct atcp_net *an = atcp_sk_net(lsk);

	if (atcp_sk(lsk)->tfo_keys) {
		*keys = *atcp_sk(lsk)->tfo_keys;
		return;
	}
	spin_lock_bh(&an->tfo_lock);
	*keys = an->tfo_keys;
	spin_unlock_bh(&an->tfo_lock);
}

/* The cookie of client @saddr at server @daddr: SipHash of both addresses, as Linux. */
static void atcp_tfo_cookie_gen(const siphash_key_t *key, __be32 saddr, __be32 daddr,
				struct atcp_tfo_cookie *c)
{
	__be32 addrs[2] __aligned(8) = { saddr, daddr };
	__le64 h = cpu_to_le64(siphash(addrs, sizeof(addrs), key));

	memcpy(c->val, &h, sizeof(h));
	c->len = sizeof(h);
}

/* Which key made @c: 0 none, 1 the first, 2 the second.  @valid gets the first's. */
static int atcp_tfo_cookie_check(const struct atcp_tfo_keys *keys, __be32 saddr,
				 __be32 daddr, const struct atcp_tfo_cookie *c,
				 struct atcp_tfo_cookie *valid)
{
	struct atcp_tfo_cookie tmp;
	unsigned int i;

	for (i = 0; i < keys->num; i++) {
		struct atcp_tfo_cookie *out = i ? &tmp : valid;

		atcp_tfo_cookie_gen(&keys->key[i], saddr, daddr, out);
		if (c->len == out->len && !memcmp(c->val, out->val, c->len))
			return i + 1;
	}
	return 0;
}

/* "%08x-%08x-%08x-%08x" (four 32-bit words, the first in the lowest bytes) <-> key */
static void atcp_tfo_key_to_words(const siphash_key_t *k, u32 *w)
{
	w[0] = lower_32_bits(k->key[0]);
	w[1] = upper_32_bits(k->key[0]);
	w[2] = lower_32_bits(k->key[1]);
	w[3] = upper_32_bits(k->key[1]);
}

static int atcp_tfo_parse_key(const char *s, siphash_key_t *k)
{
	u32 w[4];
	char end;

	if (sscanf(s, "%x-%x-%x-%x%c", &w[0], &w[1], &w[2], &w[3], &end) != 4)
		return -EINVAL;
	k->key[0] = ((u64)w[1] << 32) | w[0];
	k->key[1] = ((u64)w[3] << 32) | w[2];
	return 0;
}

/* net.atcp.fastopen_key: "primary[,backup]", as net.ipv4.tcp_fastopen_key (process context) */
int atcp_proc_fastopen_key(ATCP_CTL_TABLE_CONST struct ctl_table *ctl, int write,
			   void *buffer, size_t *lenp, loff_t *ppos)
{
	struct atcp_net *an = ctl->data;
	struct atcp_tfo_keys keys;
	char buf[2 * 36 + 2] = "";
	struct ctl_table tbl = { .data = buf, .maxlen = sizeof(buf) };
	unsigned int i, off = 0;
	char *backup;
	int ret;

	spin_lock_bh(&an->tfo_lock);
	keys = an->tfo_keys;
	spin_unlock_bh(&an->tfo_lock);
	for (i = 0; i < keys.num; i++) {
		u32 w[4];

		atcp_tfo_key_to_words(&keys.key[i], w);
		off += scnprintf(buf + off, sizeof(buf) - off, "%s%08x-%08x-%08x-%08x",
				 i ? "," : "", w[0], w[1], w[2], w[3]);
	}
	memzero_explicit(&keys, sizeof(keys));
	ret = proc_dostring(&tbl, write, buffer, lenp, ppos);
	if (!write || ret)
		goto out;
	backup = strchr(buf, ',');
	if (backup)
		*backup++ = '\0';
	ret = -EINVAL;
	if (atcp_tfo_parse_key(strim(buf), &keys.key[0]))
		goto out;
	keys.num = 1;
	if (backup) {
		if (atcp_tfo_parse_key(strim(backup), &keys.key[1]))
			goto out;
		keys.num = 2;
	}
	spin_lock_bh(&an->tfo_lock);
	an->tfo_keys = keys;
	spin_unlock_bh(&an->tfo_lock);
	ret = 0;
out:
	memzero_explicit(&keys, sizeof(keys));
	memzero_explicit(buf, sizeof(buf));
	return ret;
}

/* ---- the option ---- */

/* Kind 34 (RFC 7413), or 254 with the magic already checked (@size: the whole option). */
void atcp_fastopen_parse_option(const u8 *ptr, u8 size, bool syn, struct atcp_opts *opts)
{
	bool exp = ptr[0] == ATCPOPT_EXP;
	unsigned int base = exp ? ATCPOLEN_EXP_FASTOPEN_BASE : ATCPOLEN_FASTOPEN_BASE;
	int len = size - base;

	if (!syn || len < 0)
		return;
	if (len >= ATCP_FASTOPEN_COOKIE_MIN && len <= ATCP_FASTOPEN_COOKIE_MAX && !(len & 1))
		memcpy(opts->tfo.val, ptr + base, len);
	else if (len)
		len = -1;	/* malformed: as no option */
	opts->tfo.len = len;
	opts->tfo.exp = exp;
}

unsigned int atcp_fastopen_option_len(const struct atcp_tfo_cookie *c)
{
	unsigned int len = c->len + (c->exp ? ATCPOLEN_EXP_FASTOPEN_BASE : ATCPOLEN_FASTOPEN_BASE);

	return ALIGN(len, 4);
}

/* Write the option, padded with NOPs to a multiple of 4; returns its length. */
unsigned int atcp_fastopen_write_option(__be32 *ptr, const struct atcp_tfo_cookie *c)
{
	unsigned int space = atcp_fastopen_option_len(c), len;
	u8 *p = (u8 *)ptr;

	memset(p, ATCPOPT_NOP, space);
	if (c->exp) {
		len = ATCPOLEN_EXP_FASTOPEN_BASE + c->len;
		*ptr = htonl((ATCPOPT_EXP << 24) | (len << 16) | ATCPOPT_FASTOPEN_MAGIC);
		p += ATCPOLEN_EXP_FASTOPEN_BASE;
	} else {
		len = ATCPOLEN_FASTOPEN_BASE + c->len;
		*p++ = ATCPOPT_FASTOPEN;
		*p++ = len;
	}
	memcpy(p, c->val, c->len);
	return space;
}

/* ---- socket calls (process context, socket locked) ---- */

static int atcp_tfo_mode(const struct sock *sk)
{
	return READ_ONCE(atcp_sk_net(sk)->fastopen);
}

static void atcp_tfo_set_qlen(struct sock *sk, int qlen)
{
	WRITE_ONCE(atcp_sk(sk)->tfo_max_qlen,
		   min_t(u32, qlen, READ_ONCE(sock_net(sk)->core.sysctl_somaxconn)));
}

/* TCP_FASTOPEN_KEY: 16 bytes (a key) or 32 (key and backup) for this listener */
static int atcp_tfo_set_sock_key(struct sock *sk, sockptr_t optval, unsigned int optlen)
{
	u8 raw[2 * ATCP_FASTOPEN_KEY_LEN];
	struct atcp_tfo_keys *keys, *old;
	unsigned int i;

	if (optlen != ATCP_FASTOPEN_KEY_LEN && optlen != 2 * ATCP_FASTOPEN_KEY_LEN)
		return -EINVAL;
	if (copy_from_sockptr(raw, optval, optlen))
		return -EFAULT;
	keys = kzalloc(sizeof(*keys), GFP_KERNEL);
	if (!keys) {
		memzero_explicit(raw, sizeof(raw));
		return -ENOMEM;
	}
	keys->num = optlen / ATCP_FASTOPEN_KEY_LEN;
	for (i = 0; i < keys->num; i++) {
		keys->key[i].key[0] = get_unaligned_le64(raw + i * ATCP_FASTOPEN_KEY_LEN);
		keys->key[i].key[1] = get_unaligned_le64(raw + i * ATCP_FASTOPEN_KEY_LEN + 8);
	}
	memzero_explicit(raw, sizeof(raw));
	/* segments reach the listener only under its lock, which this caller owns */
	old = atcp_sk(sk)->tfo_keys;
	atcp_sk(sk)->tfo_keys = keys;
	kfree_sensitive(old);
	return 0;
}

/* the ATCP_FASTOPEN* options; -ENOPROTOOPT for any other */
int atcp_fastopen_setsockopt(struct sock *sk, int optname, sockptr_t optval,
			     unsigned int optlen, int val)
{
	struct atcp_sock *as = atcp_sk(sk);

	switch (optname) {
	case ATCP_FASTOPEN:
		if (val < 0 || !((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
			return -EINVAL;
		atcp_tfo_set_qlen(sk, val);
		return 0;
	case ATCP_FASTOPEN_CONNECT:
		if (val < 0 || val > 1)
			return -EINVAL;
		if (!(atcp_tfo_mode(sk) & ATCP_TFO_CLIENT))
			return -EOPNOTSUPP;
		if (sk->sk_state != TCP_CLOSE)
			return -EINVAL;
		as->tfo_connect = val;
		return 0;
	case ATCP_FASTOPEN_NO_COOKIE:
		if (val < 0 || val > 1 || !((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
			return -EINVAL;
		as->tfo_no_cookie = val;
		return 0;
	case ATCP_FASTOPEN_KEY:
		return atcp_tfo_set_sock_key(sk, optval, optlen);
	}
	return -ENOPROTOOPT;
}

int atcp_fastopen_getsockopt(struct sock *sk, int optname, char __user *optval,
			     int __user *optlen, int len)
{
	struct atcp_sock *as = atcp_sk(sk);
	int val;

	switch (optname) {
	case ATCP_FASTOPEN:
		val = READ_ONCE(as->tfo_max_qlen);
		break;
	case ATCP_FASTOPEN_CONNECT:
		val = as->tfo_connect;
		break;
	case ATCP_FASTOPEN_NO_COOKIE:
		val = as->tfo_no_cookie;
		break;
	case ATCP_FASTOPEN_KEY: {
		u8 raw[2 * ATCP_FASTOPEN_KEY_LEN];
		unsigned int n = 0, i;
		int err = 0;

		lock_sock(sk);
		if (as->tfo_keys) {
			n = as->tfo_keys->num;
			for (i = 0; i < n; i++) {
				put_unaligned_le64(as->tfo_keys->key[i].key[0],
						   raw + i * ATCP_FASTOPEN_KEY_LEN);
				put_unaligned_le64(as->tfo_keys->key[i].key[1],
						   raw + i * ATCP_FASTOPEN_KEY_LEN + 8);
			}
		}
		release_sock(sk);
		len = min_t(unsigned int, len, n * ATCP_FASTOPEN_KEY_LEN);
		if (put_user(len, optlen) || copy_to_user(optval, raw, len))
			err = -EFAULT;
		memzero_explicit(raw, sizeof(raw));
		return err;
	}
	default:
		return -ENOPROTOOPT;
	}
	len = min_t(unsigned int, len, sizeof(int));
	if (put_user(len, optlen) || copy_to_user(optval, &val, len))
		return -EFAULT;
	return 0;
}

/* listen(): with net.atcp.fastopen 0x400 every listener gets a Fast Open queue */
void atcp_fastopen_listen(struct sock *sk, int backlog)
{
	int mode = atcp_tfo_mode(sk);

	if ((mode & ATCP_TFO_SERVER_ALL) && (mode & ATCP_TFO_SERVER) &&
	    !READ_ONCE(atcp_sk(sk)->tfo_max_qlen))
		atcp_tfo_set_qlen(sk, backlog);
}

static bool atcp_tfo_defer_flag(const struct sock *sk)
{
	return atcp_defer_connect(sk);
}

/*
 * May the SYN carry data without a cookie, or with the cached one?  @c
 * and @mss get what the cache holds; @c->len is -1 when no option is due.
 */
static bool atcp_tfo_cookie_usable(struct sock *sk, u16 *mss, struct atcp_tfo_cookie *c)
{
	atcp_tfo_cache_get(sk, mss, c);
	if ((atcp_tfo_mode(sk) & ATCP_TFO_CLIENT_NO_COOKIE) || atcp_sk(sk)->tfo_no_cookie) {
		c->len = -1;
		return true;
	}
	return c->len > 0;
}

/*
 * connect() with TCP_FASTOPEN_CONNECT: with a usable cookie the SYN waits
 * for the first write (connect() returns 0 at once); without one the SYN
 * goes now and asks for a cookie.  True if the SYN is deferred.
 */
bool atcp_fastopen_defer_connect(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_tfo_cookie c = { .len = 0 };
	u16 mss = 0;

	if (!as->tfo_connect || as->tfo_req)
		return false;
	if (atcp_tfo_cookie_usable(sk, &mss, &c)) {
		atcp_set_defer_connect(sk, 1);
		return true;
	}
	as->tfo_want_cookie = true;
	return false;
}

/* Send the SYN with @c as its Fast Open option (len < 0: none). */
static int atcp_tfo_send_syn_opt(struct sock *sk, struct atcp_tfo_cookie *c)
{
	struct atcp_sock *as = atcp_sk(sk);
	int err;

	as->syn_fastopen = c->len >= 0;
	as->syn_fastopen_exp = c->exp;
	as->tfo_syn_opt = as->syn_fastopen ? c : NULL;
	err = atcp_send_syn(sk);
	as->tfo_syn_opt = NULL;
	return err;
}

/*
 * The SYN with data: the SYN and the data are two skbs of the write queue
 * (a timeout resends the bare SYN, as Linux), sent once together.  The
 * data stays unsent in the queue's books until the SYN-ACK says how much of
 * it arrived (atcp_fastopen_synack_pre()).
 */
static int atcp_tfo_send_syn_data(struct sock *sk, struct atcp_tfo_req *fo, u16 mss,
				  struct atcp_tfo_cookie *c)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *syn, *data;
	struct atcp_skb_cb *cb;
	int space, copied;

	space = min_t(int, as->advmss, mss ? : as->advmss) - ATCP_MAX_OPT_SPACE;
	space = clamp_t(int, space, 0, fo->size);
	space = min_t(int, space, SKB_MAX_HEAD(ATCP_MAX_HEADER));
	if (!space)
		return atcp_tfo_send_syn_opt(sk, c);

	syn = atcp_alloc_ctrl_skb(sk, as->iss, ATCPHDR_SYN, sk->sk_allocation);
	data = alloc_skb(ATCP_MAX_HEADER + space, sk->sk_allocation);
	if (!syn || !data)
		goto fallback;
	skb_reserve(data, ATCP_MAX_HEADER);
	copied = copy_from_iter(skb_put(data, space), space, &fo->data->msg_iter);
	if (!copied)
		goto fallback;
	skb_trim(data, copied);
	data->ip_summed = CHECKSUM_PARTIAL;

	ATCP_SKB_CB(syn)->end_seq = as->iss + 1;
	ATCP_SKB_CB(syn)->pcount = 1;
	as->snd_una = as->iss;
	as->snd_nxt = as->iss;
	as->write_seq = as->iss + 1;
	atcp_queue_skb(sk, syn);
	as->send_head = NULL;
	as->snd_nxt = as->iss + 1;
	as->packets_out = 1;

	cb = ATCP_SKB_CB(data);
	cb->seq = as->write_seq;
	cb->end_seq = cb->seq + copied;
	cb->flags = ATCPHDR_PSH;
	cb->sacked = 0;
	cb->eor = 0;
	cb->pcount = 0;
	atcp_queue_skb(sk, data);
	as->write_seq += copied;
	as->pushed_seq = as->write_seq;
	as->tfo_data_end = as->write_seq;
	as->syn_data = true;
	as->syn_fastopen = c->len >= 0;
	as->syn_fastopen_exp = c->exp;
	fo->copied = copied;

	as->rtt_timing = true;
	as->rtt_seq = as->iss + 1;
	as->rtt_start_us = div_u64(ktime_get_ns(), NSEC_PER_USEC);
	/* one transmission of both: the data skb dressed as the SYN */
	cb->seq = as->iss;
	cb->flags = ATCPHDR_SYN;
	as->tfo_syn_opt = as->syn_fastopen ? c : NULL;
	/* not sent now: the data goes after the SYN-ACK, the SYN on timeout */
	atcp_transmit_skb(sk, data, true, sk->sk_allocation);
	as->tfo_syn_opt = NULL;
	cb->seq = as->iss + 1;
	cb->flags = ATCPHDR_PSH;
	atcp_reset_rtx_timer(sk);
	return 0;

fallback:
	kfree_skb(syn);
	kfree_skb(data);
	if (c->len > 0)
		c->len = 0;
	return atcp_tfo_send_syn_opt(sk, c);
}

/* The SYN of an active open (from connect(), socket locked). */
int atcp_fastopen_connect(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_tfo_req *fo = as->tfo_req;
	struct atcp_tfo_cookie c = { .len = 0 };
	u16 mss = 0;

	as->syn_fastopen = false;
	as->syn_data = false;
	as->syn_data_acked = false;
	as->tfo_data_end = 0;
	if (!fo && !as->tfo_want_cookie)
		return atcp_send_syn(sk);
	as->tfo_want_cookie = false;
	if (fo && atcp_tfo_cookie_usable(sk, &mss, &c))
		return atcp_tfo_send_syn_data(sk, fo, mss, &c);
	/* no cookie: ask for one */
	if (c.len > 0)
		c.len = 0;
	return atcp_tfo_send_syn_opt(sk, &c);
}

/*
 * sendmsg() with MSG_FASTOPEN, or the first one after a deferred connect:
 * connect with the data in the SYN.  @copied gets what the SYN carries.
 */
int atcp_fastopen_sendmsg(struct sock *sk, struct msghdr *msg, size_t size, int *copied)
{
	struct sockaddr *uaddr = msg->msg_name;
	struct atcp_sock *as = atcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct atcp_tfo_req fo = { .data = msg, .size = size };
	int err, flags;

	if (!(atcp_tfo_mode(sk) & ATCP_TFO_CLIENT) ||
	    (uaddr && msg->msg_namelen >= sizeof(uaddr->sa_family) &&
	     uaddr->sa_family == AF_UNSPEC))
		return -EOPNOTSUPP;
	if (as->tfo_req)
		return -EALREADY;
	as->tfo_req = &fo;
	if (atcp_tfo_defer_flag(sk)) {
		err = atcp_fastopen_connect(sk);
		if (err) {
			atcp_set_state(sk, TCP_CLOSE);
			inet->inet_dport = 0;
			sk->sk_route_caps = 0;
		}
	}
	flags = (msg->msg_flags & MSG_DONTWAIT) ? O_NONBLOCK : 0;
	err = __inet_stream_connect(sk->sk_socket, (ATCP_SOCKADDR *)uaddr, msg->msg_namelen,
				    flags, 1);
	*copied = fo.copied;
	as->tfo_req = NULL;
	atcp_set_defer_connect(sk, 0);
	return err;
}

/* A passive Fast Open child still in SYN_RECV: it may read and write already. */
bool atcp_fastopen_passive(const struct sock *sk)
{
	return READ_ONCE(atcp_sk(sk)->tfo_listener) &&
	       inet_sk_state_load(sk) == TCP_SYN_RECV;
}

/* A child left SYN_RECV: its place in the listener's Fast Open queue is free. */
static void atcp_tfo_child_done(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sock *lsk = as->tfo_listener;

	if (!lsk)
		return;
	WRITE_ONCE(as->tfo_listener, NULL);
	atomic_dec(&atcp_sk(lsk)->tfo_qlen);
	sock_put(lsk);
}

/* atcp_set_state(): any context, socket locked */
void atcp_fastopen_state_change(struct sock *sk, int old, int new)
{
	if (old == TCP_SYN_RECV)
		atcp_tfo_child_done(sk);
}

/* the socket is freed */
void atcp_fastopen_destroy(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);

	atcp_tfo_child_done(sk);
	kfree_sensitive(as->tfo_keys);
	as->tfo_keys = NULL;
}

/* ---- server: a SYN at a listener (softirq or backlog, listener locked) ---- */

static bool atcp_tfo_queue_ok(struct sock *lsk)
{
	struct atcp_sock *las = atcp_sk(lsk);
	u32 max = READ_ONCE(las->tfo_max_qlen);

	if (!max)
		return false;
	if (atomic_read(&las->tfo_qlen) >= max) {
		ATCP_INC_STATS(atcp_sk_net(lsk), ATCP_MIB_TFOLISTENOVERFLOW);
		return false;
	}
	return true;
}

/* The data of the SYN, for the child's reader (child locked). */
static void atcp_tfo_queue_data(struct sock *child, struct sk_buff *skb)
{
	struct atcp_sock *as = atcp_sk(child);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);

	if (cb->flags & ATCPHDR_FIN) {
		/* a FIN in the SYN waits for its retransmission */
		cb->flags &= ~ATCPHDR_FIN;
		cb->end_seq--;
	}
	if (cb->end_seq == cb->seq + 1)
		goto drop;
	__skb_pull(skb, tcp_hdr(skb)->doff * 4);
	cb->seq++;
	cb->flags &= ~ATCPHDR_SYN;
	if (!atcp_rmem_fits(child, skb))
		goto drop;
	skb_set_owner_r(skb, child);
	as->rcv_nxt = cb->end_seq;
	as->rcv_wup = as->rcv_nxt;
	as->last_ack_sent = as->rcv_nxt;
	as->bytes_received = skb->len;
	as->rcv_mss = skb->len;
	as->lrcv_time = jiffies;
	as->syn_data_acked = true;
	atcp_rcvq_queue(child, skb);
	return;
drop:
	kfree_skb(skb);
}

/* The child of a SYN with a valid cookie (or none needed).  Consumes @skb if true. */
static bool atcp_tfo_create_child(struct sock *lsk, struct sk_buff *skb,
				  const struct atcp_opts *opts)
{
	struct atcp_net *an = atcp_sk_net(lsk);
	struct atcp_sock *las = atcp_sk(lsk);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	struct atcp_request req = { };
	struct atcp_sock *as;
	struct sock *child;
	gfp_t gfp;

	atcp_req_init(&req, lsk, skb, opts);
	req.iss = atcp_isn(req.ent.laddr, req.ent.raddr, req.ent.lport, req.ent.rport);
	req.ts_off = get_random_u32();
	req.retries = 1;	/* the RTT comes from the SYN-ACK below */
	req.listener = lsk;	/* for the event; this request lives on the stack only */
	child = atcp_create_child(lsk, &req, skb);
	if (!child)
		return false;
	as = atcp_sk(child);
	/* the window of a SYN is never scaled */
	as->snd_wnd = cb->wnd;
	as->max_window = as->snd_wnd;

	local_bh_disable();
	bh_lock_sock_nested(child);
	spin_lock(&an->lock);
	atcp_bind_add(an, &as->bind);
	spin_unlock(&an->lock);
	atcp_ehash_insert(an, &as->ent);
	sock_hold(lsk);
	as->tfo_listener = lsk;
	atomic_inc(&las->tfo_qlen);
	atcp_nl_req_event(&req, TCP_LISTEN, TCP_SYN_RECV, ATCP_CAUSE_SEGMENT, cb->flags);
	atcp_set_cause(child, ATCP_CAUSE_SEGMENT, cb->flags);
	ATCP_INC_STATS(an, ATCP_MIB_PASSIVEOPENS);

	atcp_tfo_queue_data(child, skb);
	/* the SYN-ACK, acknowledging the data, is the child's own to retransmit */
	gfp = child->sk_allocation;
	child->sk_allocation = GFP_ATOMIC;
	atcp_send_syn(child);
	child->sk_allocation = gfp;

	list_add_tail(&as->accept_node, &las->accept_queue);
	sk_acceptq_added(lsk);
	bh_unlock_sock(child);
	local_bh_enable();
	lsk->sk_data_ready(lsk);
	return true;
}

/*
 * A SYN at listener @lsk.  True if Fast Open made the child (@skb consumed);
 * otherwise @reply is the cookie the SYN-ACK of the three-way handshake
 * carries (len < 0: none).
 */
bool atcp_fastopen_conn_request(struct sock *lsk, struct sk_buff *skb,
				const struct atcp_opts *opts, struct atcp_tfo_cookie *reply)
{
	struct atcp_net *an = atcp_sk_net(lsk);
	struct atcp_skb_cb *cb = ATCP_SKB_CB(skb);
	bool syn_data = cb->end_seq != cb->seq + 1;
	struct atcp_tfo_cookie valid = { .len = -1 };
	__be32 saddr = ip_hdr(skb)->saddr, daddr = ip_hdr(skb)->daddr;
	int mode = READ_ONCE(an->fastopen);
	struct atcp_tfo_keys keys;
	int match;

	reply->len = -1;
	if (opts->tfo.len == 0)
		ATCP_INC_STATS(an, ATCP_MIB_TFOCOOKIEREQD);
	if (!(mode & ATCP_TFO_SERVER) || !(syn_data || opts->tfo.len >= 0) ||
	    !atcp_tfo_queue_ok(lsk))
		return false;
	if ((mode & ATCP_TFO_SERVER_NO_COOKIE) || atcp_sk(lsk)->tfo_no_cookie) {
		if (atcp_tfo_create_child(lsk, skb, opts)) {
			ATCP_INC_STATS(an, ATCP_MIB_TFOPASSIVE);
			return true;
		}
		ATCP_INC_STATS(an, ATCP_MIB_TFOPASSIVEFAIL);
		return false;
	}
	if (opts->tfo.len < 0)
		return false;
	atcp_tfo_get_keys(lsk, &keys);
	if (opts->tfo.len == 0) {
		atcp_tfo_cookie_gen(&keys.key[0], saddr, daddr, &valid);
	} else {
		match = atcp_tfo_cookie_check(&keys, saddr, daddr, &opts->tfo, &valid);
		if (match && atcp_tfo_create_child(lsk, skb, opts)) {
			ATCP_INC_STATS(an, ATCP_MIB_TFOPASSIVE);
			if (match == 2)
				ATCP_INC_STATS(an, ATCP_MIB_TFOPASSIVEALTKEY);
			memzero_explicit(&keys, sizeof(keys));
			return true;
		}
		ATCP_INC_STATS(an, ATCP_MIB_TFOPASSIVEFAIL);
	}
	memzero_explicit(&keys, sizeof(keys));
	valid.exp = opts->tfo.exp;
	*reply = valid;
	return false;
}

/* ---- client: the SYN-ACK (softirq or backlog, socket locked) ---- */

/* The highest ACK a SYN-ACK may carry: the end of the data in the SYN. */
u32 atcp_fastopen_synsent_ack_limit(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);

	return as->syn_data ? as->tfo_data_end : as->snd_nxt;
}

/*
 * Before the SYN-ACK's ACK is processed: the data it acknowledges was sent
 * (with the SYN); count the data skb as sent so that the ACK finds it.
 */
void atcp_fastopen_synack_pre(struct sock *sk, struct sk_buff *skb)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct sk_buff *data = as->send_head;

	if (!as->syn_data || !data || !atcp_seq_after(ATCP_SKB_CB(skb)->ack_seq, as->iss + 1))
		return;
	ATCP_SKB_CB(data)->pcount = 1;
	as->snd_nxt = ATCP_SKB_CB(data)->end_seq;
	as->packets_out += 1;
	as->send_head = skb_queue_is_last(&sk->sk_write_queue, data) ?
			NULL : skb_queue_next(&sk->sk_write_queue, data);
}

/*
 * After atcp_fastopen_synack(): may the SYN-ACK's own data and FIN be taken?
 * As Linux, only in answer to a Fast Open SYN whose data it acknowledged
 * whole; otherwise they are left for the server to send again.
 */
bool atcp_fastopen_synack_data_ok(const struct sock *sk)
{
	const struct atcp_sock *as = atcp_sk(sk);

	return (as->syn_fastopen || as->syn_data) &&
	       !atcp_seq_before(as->snd_una, as->syn_data ? as->tfo_data_end : as->iss + 1);
}

/*
 * After the SYN-ACK established the connection: cache what it said of the
 * server and send again the data it did not acknowledge.  True if a segment
 * went out (it carries the ACK of the SYN-ACK).
 */
bool atcp_fastopen_synack(struct sock *sk, const struct atcp_opts *opts)
{
	struct atcp_sock *as = atcp_sk(sk);
	struct atcp_net *an = atcp_sk_net(sk);
	struct atcp_tfo_cookie none = { .len = -1 };
	const struct atcp_tfo_cookie *c = &none;
	bool unacked;
	u8 try_exp = 0;

	if (!as->syn_fastopen && !as->syn_data)
		return false;
	if (as->syn_fastopen)
		c = &opts->tfo;	/* an unsolicited cookie is ignored */
	if (as->syn_fastopen && !as->total_retrans && c->len < 0 && !as->syn_data)
		try_exp = as->syn_fastopen_exp ? 2 : 1;
	atcp_tfo_cache_set(sk, opts->mss, c, try_exp);

	unacked = as->syn_data && atcp_seq_before(as->snd_una, as->tfo_data_end);
	if (!unacked) {
		as->syn_data_acked = as->syn_data;
		if (as->syn_data_acked) {
			ATCP_INC_STATS(an, ATCP_MIB_TFOACTIVE);
			/* the SYN and its data were one segment: delivered once */
			if (as->delivered > 1)
				as->delivered--;
		}
		/*
		 * A blocked sendto() has more to send at once: its data carries
		 * the ACK (Linux delays it for a waiting writer), and a reply
		 * written now makes the connection interactive.
		 */
		if (as->tfo_req && as->tfo_req->copied < as->tfo_req->size) {
			as->lrcv_time = jiffies;
			atcp_arm_delack(sk);
			return true;
		}
		return false;
	}
	ATCP_INC_STATS(an, ATCP_MIB_TFOACTIVEFAIL);
	if (as->send_head == skb_peek(&sk->sk_write_queue))
		return atcp_write_xmit(sk, ATCP_PUSH_FORCE) > 0;
	return !atcp_retransmit_skb(sk, skb_peek(&sk->sk_write_queue));
}
