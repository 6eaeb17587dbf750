/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel version differences, kept in one place.  atcp builds on 6.1
 * through 7.x; everything that was renamed or changed signature in that
 * range is hidden behind the helpers below.
 */
#ifndef _ATCP_COMPAT_H
#define _ATCP_COMPAT_H

#include <linux/version.h>
#include <linux/timer.h>
#include <net/net_namespace.h>

/* get_unaligned_be16() and friends moved to linux/unaligned.h in 6.12. */
/* gso_reset_checksum() and gso_make_checksum() moved to net/gso.h in 6.5 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#include <net/gso.h>
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* from_timer() became timer_container_of() in 6.16. */
#ifndef from_timer
#define from_timer(var, callback_timer, timer_fieldname) \
	timer_container_of(var, callback_timer, timer_fieldname)
#endif

/* del_timer*() became timer_delete*() in 6.2; the old names went in 6.16. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define timer_delete_sync(t)	del_timer_sync(t)
#define timer_delete(t)		del_timer(t)
#endif

/* proto.accept takes an argument struct from 6.10 on. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define ATCP_ACCEPT_ARGS	struct sock *sk, struct proto_accept_arg *arg
#define ATCP_ACCEPT_FLAGS	(arg->flags)
#define ATCP_ACCEPT_ERR		(arg->err)
#else
#define ATCP_ACCEPT_ARGS	struct sock *sk, int flags, int *errp, bool kern
#define ATCP_ACCEPT_FLAGS	(flags)
#define ATCP_ACCEPT_ERR		(*errp)
#endif

/* proto_ops.sendpage went away in 6.5 (splice goes through sendmsg). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
#define ATCP_HAVE_SENDPAGE
#endif

/* Sysctl handlers take a const table from 6.11 on. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define ATCP_CTL_TABLE_CONST	const
#else
#define ATCP_CTL_TABLE_CONST
#endif

/* struct tcp_info gained tcpi_rcv_wnd (and tcpi_rehash) in 6.2. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define ATCP_HAVE_TCPI_RCV_WND
#endif

/* struct tcp_info gained tcpi_total_rto{,_recoveries,_time} in 6.7. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
#define ATCP_HAVE_TCPI_TOTAL_RTO
#endif

/* IP_RECVERR became a bit of inet_sock's flags in 6.6. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define atcp_ip_recverr(sk)	inet_test_bit(RECVERR, sk)
#else
#define atcp_ip_recverr(sk)	(inet_sk(sk)->recverr)
#endif

/* inet_sock's defer_connect (TCP_FASTOPEN_CONNECT) became a flag bit in 6.6. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define atcp_defer_connect(sk)		inet_test_bit(DEFER_CONNECT, sk)
#define atcp_set_defer_connect(sk, v)	inet_assign_bit(DEFER_CONNECT, sk, v)
#else
#define atcp_defer_connect(sk)		(inet_sk(sk)->defer_connect)
#define atcp_set_defer_connect(sk, v)	(inet_sk(sk)->defer_connect = (v))
#endif

/* Sysctl tables carry their size from 6.6 on. */
static inline struct ctl_table_header *
atcp_register_net_sysctl(struct net *net, const char *path,
			 struct ctl_table *table, size_t entries)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return register_net_sysctl_sz(net, path, table, entries);
#else
	return register_net_sysctl(net, path, table);
#endif
}

/* struct inet_diag_handler names its module (for inet_diag to pin) from 6.9 on. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
#define ATCP_DIAG_HANDLER_OWNER	1
#else
#define ATCP_DIAG_HANDLER_OWNER	0
#endif

/*
 * sock_i_uid() (under sk_callback_lock) gave way to the lockless sk_uid():
 * sk_uid() came with 6.17 (and 6.16.1), sock_i_uid() went in 6.17 (and 6.16.6).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 1)
#define atcp_sk_uid(sk)		sk_uid(sk)
#else
#define atcp_sk_uid(sk)		sock_i_uid(sk)
#endif

/* proto.connect takes a struct sockaddr_unsized from 6.19 on. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 19, 0)
#define ATCP_SOCKADDR		struct sockaddr_unsized
#else
#define ATCP_SOCKADDR		struct sockaddr
#endif

/* proto.recvmsg lost its (unused) int *addr_len argument in 7.1. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 1, 0)
#define ATCP_RECVMSG_ARGS	struct sock *sk, struct msghdr *msg, size_t len, int flags
#else
#define ATCP_RECVMSG_ARGS	struct sock *sk, struct msghdr *msg, size_t len, int flags, \
				int *addr_len
#endif

/*
 * Linux TCP's answer to an ACK of data never sent in ESTABLISHED: a
 * challenge ACK from 7.1 on (commit 42726ec644cb, also in 7.0.10 and
 * 6.18.32), dropped silently before; the other synchronized states always
 * challenged it.  atcp answers as the Linux TCP of the kernel it is built
 * for (Documentation/design.md, "ACK of data never sent").
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 1, 0) || \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 10) && \
	 LINUX_VERSION_CODE < KERNEL_VERSION(7, 1, 0)) || \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 32) && \
	 LINUX_VERSION_CODE < KERNEL_VERSION(6, 19, 0))
#define ATCP_CHALLENGE_UNSENT_ACK_ESTABLISHED	true
#else
#define ATCP_CHALLENGE_UNSENT_ACK_ESTABLISHED	false
#endif

#endif /* _ATCP_COMPAT_H */
