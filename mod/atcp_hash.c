// SPDX-License-Identifier: GPL-2.0
/*
 * atcp tables, one set per network namespace:
 *  - ehash: connections by 4-tuple (full sockets, request and TIME_WAIT entries)
 *  - lhash: listeners by local port
 *  - bhash: local port ownership (bind conflicts, ephemeral port choice)
 * Writers hold atcp_net.lock (bh-safe); the receive path reads ehash and lhash
 * under RCU and takes a reference with a not-zero increment.
 * Listeners with SO_REUSEPORT on one address and port also form a group of
 * the kernel's sock_reuseport (sk_reuseport_cb), which picks the listener
 * for each incoming SYN.
 */
#include <linux/jhash.h>
#include <linux/random.h>
#include <net/sock.h>
#include <net/sock_reuseport.h>
#include "atcp.h"

static u32 atcp_hash_seed __read_mostly;

/* All 32 bits: the SO_REUSEPORT choice scales this hash to the group size. */
static u32 atcp_hashfn(__be32 laddr, __be16 lport, __be32 raddr, __be16 rport)
{
	return jhash_3words((__force u32)laddr, (__force u32)raddr,
			    ((u32)ntohs(lport) << 16) | ntohs(rport), atcp_hash_seed);
}

static u32 atcp_ehashfn(__be32 laddr, __be16 lport, __be32 raddr, __be16 rport)
{
	return atcp_hashfn(laddr, lport, raddr, rport) & ((1U << ATCP_EHASH_BITS) - 1);
}

static struct hlist_head *atcp_lhash_bucket(struct atcp_net *an, u16 port)
{
	return &an->lhash[port & ((1U << ATCP_LHASH_BITS) - 1)];
}

static struct hlist_head *atcp_bhash_bucket(struct atcp_net *an, u16 port)
{
	return &an->bhash[port & ((1U << ATCP_BHASH_BITS) - 1)];
}

int atcp_tables_init(struct atcp_net *an)
{
	get_random_once(&atcp_hash_seed, sizeof(atcp_hash_seed));
	spin_lock_init(&an->lock);
	an->ehash = kvcalloc(1U << ATCP_EHASH_BITS, sizeof(*an->ehash), GFP_KERNEL);
	an->lhash = kcalloc(1U << ATCP_LHASH_BITS, sizeof(*an->lhash), GFP_KERNEL);
	an->bhash = kvcalloc(1U << ATCP_BHASH_BITS, sizeof(*an->bhash), GFP_KERNEL);
	if (!an->ehash || !an->lhash || !an->bhash) {
		atcp_tables_free(an);
		return -ENOMEM;
	}
	return 0;
}

void atcp_tables_free(struct atcp_net *an)
{
	kvfree(an->ehash);
	kfree(an->lhash);
	kvfree(an->bhash);
	an->ehash = NULL;
	an->lhash = NULL;
	an->bhash = NULL;
}

/* Take a reference on an entry found under RCU; fails if it is being freed. */
bool atcp_ent_get(struct atcp_ent *ent)
{
	switch (ent->kind) {
	case ATCP_ENT_SOCK:
		return refcount_inc_not_zero(&container_of(ent, struct atcp_sock, ent)->inet.sk.sk_refcnt);
	case ATCP_ENT_REQ:
		return refcount_inc_not_zero(&container_of(ent, struct atcp_request, ent)->refcnt);
	default:
		return refcount_inc_not_zero(&container_of(ent, struct atcp_tw, ent)->refcnt);
	}
}

void atcp_ent_put(struct atcp_ent *ent)
{
	switch (ent->kind) {
	case ATCP_ENT_SOCK:
		sock_put(&container_of(ent, struct atcp_sock, ent)->inet.sk);
		break;
	case ATCP_ENT_REQ:
		atcp_req_put(container_of(ent, struct atcp_request, ent));
		break;
	default:
		atcp_tw_put(container_of(ent, struct atcp_tw, ent));
		break;
	}
}

static struct atcp_ent *__atcp_ehash_find(struct atcp_net *an, __be32 laddr, __be16 lport,
					  __be32 raddr, __be16 rport)
{
	struct hlist_head *head = &an->ehash[atcp_ehashfn(laddr, lport, raddr, rport)];
	struct atcp_ent *ent;

	hlist_for_each_entry_rcu(ent, head, node, lockdep_is_held(&an->lock)) {
		if (ent->laddr == laddr && ent->raddr == raddr &&
		    ent->lport == lport && ent->rport == rport)
			return ent;
	}
	return NULL;
}

/* softirq, under RCU: find a connection entry and take a reference on it */
struct atcp_ent *atcp_lookup_established(struct atcp_net *an, __be32 laddr, __be16 lport,
					 __be32 raddr, __be16 rport)
{
	struct atcp_ent *ent = __atcp_ehash_find(an, laddr, lport, raddr, rport);

	if (ent && !atcp_ent_get(ent))
		return NULL;
	return ent;
}

/*
 * softirq, under RCU: best listener for daddr:dport (exact address beats
 * wildcard) for a segment of @skb (data at the atcp header) from saddr:sport
 * that came in on device @dif.  A listener bound to another device never
 * matches.  Among equals the newest listener wins, as in TCP; TCP's bonus
 * for a listener bound to @dif changes nothing here: the bind rules let a
 * listener bound to a device share its address and port with one bound to
 * none only in SO_REUSEPORT groups, and TCP takes the first group member
 * that matches at all, newest first (the bonus counts across VRFs, which
 * atcp does not know).
 */
struct sock *atcp_lookup_listener(struct atcp_net *an, struct sk_buff *skb, __be32 saddr,
				  __be16 sport, __be32 daddr, __be16 dport, int dif)
{
	u16 port = ntohs(dport);
	struct sock *best = NULL;
	struct atcp_sock *as;
	int best_score = 0;

	hlist_for_each_entry_rcu(as, atcp_lhash_bucket(an, port), lnode) {
		struct sock *sk = &as->inet.sk;
		__be32 rcv_saddr = inet_sk(sk)->inet_rcv_saddr;
		int score;

		if (inet_sk(sk)->inet_num != port)
			continue;
		if (sk->sk_bound_dev_if && sk->sk_bound_dev_if != dif)
			continue;
		if (rcv_saddr == daddr)
			score = 2;
		else if (!rcv_saddr)
			score = 1;
		else
			continue;
		if (score > best_score) {
			best = sk;
			best_score = score;
		}
	}
	/*
	 * A listener of an SO_REUSEPORT group stands for all of it (the members
	 * share address, port and device, so they score alike): the group's
	 * BPF program, or else the 4-tuple's hash, picks the member.
	 */
	if (best && best->sk_reuseport) {
		struct sock *pick;

		pick = reuseport_select_sock(best, atcp_hashfn(daddr, dport, saddr, sport), skb,
					     tcp_hdrlen(skb));
		if (pick)
			best = pick;
	}
	if (best && !refcount_inc_not_zero(&best->sk_refcnt))
		best = NULL;
	return best;
}

void atcp_ehash_insert(struct atcp_net *an, struct atcp_ent *ent)
{
	struct hlist_head *head = &an->ehash[atcp_ehashfn(ent->laddr, ent->lport,
							  ent->raddr, ent->rport)];

	spin_lock_bh(&an->lock);
	hlist_add_head_rcu(&ent->node, head);
	ent->hashed = true;
	spin_unlock_bh(&an->lock);
}

void atcp_ehash_remove(struct atcp_net *an, struct atcp_ent *ent)
{
	spin_lock_bh(&an->lock);
	if (ent->hashed) {
		hlist_del_init_rcu(&ent->node);
		ent->hashed = false;
	}
	spin_unlock_bh(&an->lock);
}

/* Swap one entry for another with the same 4-tuple (request -> socket -> TIME_WAIT). */
void atcp_ehash_replace(struct atcp_net *an, struct atcp_ent *old, struct atcp_ent *new)
{
	spin_lock_bh(&an->lock);
	if (old->hashed) {
		hlist_replace_rcu(&old->node, &new->node);
		INIT_HLIST_NODE(&old->node);
		old->hashed = false;
	} else {
		hlist_add_head_rcu(&new->node,
				   &an->ehash[atcp_ehashfn(new->laddr, new->lport,
							   new->raddr, new->rport)]);
	}
	new->hashed = true;
	spin_unlock_bh(&an->lock);
}

/*
 * an->lock held: put the new listener @sk (SO_REUSEPORT, owner @uid) into the
 * group of a listener on the same address, port and device with the same
 * owner, or start a group of its own.
 */
static int atcp_reuseport_join(struct atcp_net *an, struct sock *sk, kuid_t uid)
{
	const struct inet_sock *inet = inet_sk(sk);
	struct atcp_sock *as;

	lockdep_assert_held(&an->lock);
	hlist_for_each_entry(as, atcp_lhash_bucket(an, inet->inet_num), lnode) {
		struct sock *sk2 = &as->inet.sk;

		if (sk2 == sk || !sk2->sk_reuseport ||
		    inet_sk(sk2)->inet_num != inet->inet_num ||
		    inet_sk(sk2)->inet_rcv_saddr != inet->inet_rcv_saddr ||
		    sk2->sk_bound_dev_if != sk->sk_bound_dev_if ||
		    !uid_eq(atcp_sk_uid(sk2), uid))
			continue;
		return reuseport_add_sock(sk, sk2, !inet->inet_rcv_saddr);
	}
	return reuseport_alloc(sk, !inet->inet_rcv_saddr);
}

/* process context, socket locked: @sk starts listening (0 or -ENOMEM) */
int atcp_lhash_insert(struct sock *sk)
{
	struct atcp_net *an = atcp_sk_net(sk);
	struct atcp_sock *as = atcp_sk(sk);
	kuid_t uid = atcp_sk_uid(sk);
	int err = 0;

	spin_lock_bh(&an->lock);
	if (sk->sk_reuseport) {
		err = atcp_reuseport_join(an, sk, uid);
		if (err)
			goto out;
	}
	hlist_add_head_rcu(&as->lnode, atcp_lhash_bucket(an, inet_sk(sk)->inet_num));
	as->lhashed = true;
out:
	spin_unlock_bh(&an->lock);
	return err;
}

void atcp_lhash_remove(struct sock *sk)
{
	struct atcp_net *an = atcp_sk_net(sk);
	struct atcp_sock *as = atcp_sk(sk);

	spin_lock_bh(&an->lock);
	if (as->lhashed) {
		hlist_del_init_rcu(&as->lnode);
		as->lhashed = false;
		/*
		 * Leave the SO_REUSEPORT group with the table: SYNs go to the
		 * other members from now on.  (A group that a BPF attach made
		 * for a socket that never listened is left to sk_destruct().)
		 */
		if (rcu_access_pointer(sk->sk_reuseport_cb))
			reuseport_detach_sock(sk);
	}
	spin_unlock_bh(&an->lock);
}

void atcp_bind_add(struct atcp_net *an, struct atcp_bind *b)
{
	lockdep_assert_held(&an->lock);
	hlist_add_head(&b->node, atcp_bhash_bucket(an, b->port));
	b->bound = true;
}

void atcp_bind_remove(struct atcp_net *an, struct atcp_bind *b)
{
	spin_lock_bh(&an->lock);
	if (b->bound) {
		hlist_del_init(&b->node);
		b->bound = false;
	}
	spin_unlock_bh(&an->lock);
}

static bool atcp_bind_is_listening(const struct atcp_bind *b)
{
	return b->sk && READ_ONCE(b->sk->sk_state) == TCP_LISTEN;
}

/* SO_REUSEPORT of an owner: the socket's as it is now, a TIME_WAIT entry's copy */
static bool atcp_bind_reuseport(const struct atcp_bind *b)
{
	return b->sk ? b->sk->sk_reuseport : b->reuseport;
}

/* SO_BINDTODEVICE of an owner: the socket's as it is now, a TIME_WAIT entry's copy */
static int atcp_bind_dev(const struct atcp_bind *b)
{
	return b->sk ? READ_ONCE(b->sk->sk_bound_dev_if) : b->bound_dev_if;
}

/*
 * Would binding @self (addr, port, device @dev; SO_REUSEADDR @reuse,
 * SO_REUSEPORT @reuseport, owner @uid) clash with an existing owner?  The
 * rules are TCP's: different specific addresses never clash, nor do two
 * owners bound to two different devices (an owner bound to no device
 * shares with every device).  Otherwise the port is shared if both have
 * SO_REUSEADDR and the existing owner is not listening, or if both have
 * SO_REUSEPORT and the existing owner has the same effective uid or is a
 * TIME_WAIT entry.
 */
static bool atcp_bind_conflict(struct atcp_net *an, const struct atcp_bind *self,
			       __be32 addr, u16 port, int dev, bool reuse, bool reuseport,
			       kuid_t uid)
{
	struct atcp_bind *b;

	lockdep_assert_held(&an->lock);
	hlist_for_each_entry(b, atcp_bhash_bucket(an, port), node) {
		int bdev;

		if (b == self || b->port != port)
			continue;
		if (addr && b->addr && addr != b->addr)
			continue;
		bdev = atcp_bind_dev(b);
		if (dev && bdev && dev != bdev)
			continue;
		if (reuse && b->reuse && !atcp_bind_is_listening(b))
			continue;
		if (reuseport && atcp_bind_reuseport(b) &&
		    (!b->sk || uid_eq(atcp_sk_uid(b->sk), uid)))
			continue;
		return true;
	}
	return false;
}

static bool atcp_port_free(struct atcp_net *an, u16 port, bool by_connect)
{
	struct atcp_bind *b;

	hlist_for_each_entry(b, atcp_bhash_bucket(an, port), node) {
		if (b->port == port && !(by_connect && b->by_connect))
			return false;
	}
	return true;
}

static void atcp_bind_sock(struct atcp_net *an, struct sock *sk, u16 port, bool by_connect)
{
	struct atcp_bind *b = &atcp_sk(sk)->bind;

	b->addr = inet_sk(sk)->inet_rcv_saddr;
	b->port = port;
	b->reuse = sk->sk_reuse != SK_NO_REUSE;
	b->by_connect = by_connect;
	b->sk = sk;
	atcp_bind_add(an, b);
	inet_sk(sk)->inet_num = port;
}

/*
 * process context, socket locked: proto.get_port for bind() and listen().
 * 0, or -EADDRINUSE, which inet_bind() hands to the caller as it is.
 */
int atcp_get_port(struct sock *sk, unsigned short snum)
{
	struct atcp_net *an = atcp_sk_net(sk);
	struct atcp_bind *self = &atcp_sk(sk)->bind;
	bool reuse = sk->sk_reuse != SK_NO_REUSE;
	__be32 addr = inet_sk(sk)->inet_rcv_saddr;
	kuid_t uid = atcp_sk_uid(sk);
	int low, high, range, i;
	u32 offset;
	int ret = -EADDRINUSE;

	spin_lock_bh(&an->lock);
	if (snum) {
		if (!atcp_bind_conflict(an, self->bound ? self : NULL, addr, snum,
					sk->sk_bound_dev_if, reuse, sk->sk_reuseport, uid)) {
			if (!self->bound)
				atcp_bind_sock(an, sk, snum, false);
			ret = 0;
		}
		goto out;
	}

	inet_sk_get_local_port_range(sk, &low, &high);
	range = high - low + 1;
	offset = get_random_u32_below(range);
	for (i = 0; i < range; i++) {
		u16 port = low + (offset + i) % range;

		if (atcp_port_free(an, port, false)) {
			atcp_bind_sock(an, sk, port, false);
			ret = 0;
			break;
		}
	}
out:
	spin_unlock_bh(&an->lock);
	return ret;
}

/* process context, socket locked: does listen() clash with another owner? */
bool atcp_listen_conflict(struct sock *sk)
{
	struct atcp_net *an = atcp_sk_net(sk);
	kuid_t uid = atcp_sk_uid(sk);
	bool clash;

	spin_lock_bh(&an->lock);
	clash = atcp_bind_conflict(an, &atcp_sk(sk)->bind, inet_sk(sk)->inet_rcv_saddr,
				   inet_sk(sk)->inet_num, sk->sk_bound_dev_if,
				   sk->sk_reuse != SK_NO_REUSE, sk->sk_reuseport, uid);
	spin_unlock_bh(&an->lock);
	return clash;
}

static void atcp_fill_ent_from_sock(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	struct atcp_ent *ent = &atcp_sk(sk)->ent;

	ent->laddr = inet->inet_rcv_saddr;
	ent->lport = inet->inet_sport;
	ent->raddr = inet->inet_daddr;
	ent->rport = inet->inet_dport;
	ent->kind = ATCP_ENT_SOCK;
}

/* an->lock held: keep what the new connection needs from @tw, then unhash it */
static struct atcp_tw *atcp_tw_take(struct atcp_net *an, struct atcp_tw *tw,
				    struct atcp_tw_heir *heir)
{
	heir->snd_nxt = tw->snd_nxt;
	heir->ts_recent = tw->ts_recent;
	heir->ts_recent_stamp = tw->ts_recent_stamp;
	heir->taken = atcp_tw_unhash_locked(an, tw);
	return heir->taken ? tw : NULL;
}

/*
 * process context, socket locked: choose a local port for connect() unless
 * bound, and hash the socket by its 4-tuple.  Ports picked here may be
 * shared by other connect()ed sockets as long as the 4-tuples differ.  A
 * TIME_WAIT entry of the same 4-tuple is taken over where
 * atcp_tw_reusable() allows it; @heir then says what it leaves behind.
 */
int atcp_hash_connect(struct sock *sk, struct atcp_tw_heir *heir)
{
	struct atcp_net *an = atcp_sk_net(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct atcp_ent *ent = &atcp_sk(sk)->ent, *old;
	struct atcp_tw *tw = NULL;
	int low, high, range, i;
	u32 offset;
	int err = -EADDRNOTAVAIL;

	heir->taken = false;
	spin_lock_bh(&an->lock);
	if (inet->inet_num) {
		old = __atcp_ehash_find(an, inet->inet_rcv_saddr, inet->inet_sport,
					inet->inet_daddr, inet->inet_dport);
		if (old) {
			tw = atcp_tw_reusable(an, old, true);
			if (!tw || !atcp_tw_take(an, tw, heir))
				goto out;
		}
		goto insert;
	}

	inet_sk_get_local_port_range(sk, &low, &high);
	range = high - low + 1;
	/*
	 * Start from a per-destination point moved on by every connect() (as
	 * RFC 6056 algorithm 3 does), so back-to-back connections to one
	 * server do not walk over all the ports the previous ones took.
	 */
	offset = jhash_3words((__force u32)inet->inet_rcv_saddr, (__force u32)inet->inet_daddr,
			      (__force u32)inet->inet_dport, atcp_hash_seed) + an->port_hint;
	for (i = 0; i < range; i++) {
		u16 port = low + (offset + i) % range;

		if (!atcp_port_free(an, port, true))
			continue;
		old = __atcp_ehash_find(an, inet->inet_rcv_saddr, htons(port),
					inet->inet_daddr, inet->inet_dport);
		if (old) {
			tw = atcp_tw_reusable(an, old, false);
			if (!tw || !atcp_tw_take(an, tw, heir))
				continue;
		}
		atcp_bind_sock(an, sk, port, true);
		inet->inet_sport = htons(port);
		an->port_hint += i + 1 + get_random_u32_below(4);
		goto insert;
	}
	goto out;
insert:
	atcp_fill_ent_from_sock(sk);
	hlist_add_head_rcu(&ent->node, &an->ehash[atcp_ehashfn(ent->laddr, ent->lport,
							       ent->raddr, ent->rport)]);
	ent->hashed = true;
	err = 0;
out:
	spin_unlock_bh(&an->lock);
	if (heir->taken)
		atcp_tw_recycled(an, tw);
	return err;
}

/* Give up the local port (socket destroyed, or closed without SOCK_BINDPORT_LOCK). */
void atcp_put_port(struct sock *sk)
{
	atcp_bind_remove(atcp_sk_net(sk), &atcp_sk(sk)->bind);
	inet_sk(sk)->inet_num = 0;
}

/* proto.unhash: drop the socket from the connection and listener tables */
void atcp_unhash(struct sock *sk)
{
	struct atcp_sock *as = atcp_sk(sk);

	if (as->ent.hashed)
		atcp_ehash_remove(atcp_sk_net(sk), &as->ent);
	if (as->lhashed)
		atcp_lhash_remove(sk);
}

/* proto.hash: atcp hashes sockets itself at connect/listen/accept time. */
int atcp_hash(struct sock *sk)
{
	return 0;
}
