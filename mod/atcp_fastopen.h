/* SPDX-License-Identifier: GPL-2.0 */
/*
 * atcp TCP Fast Open (RFC 7413): option format, net.atcp.fastopen bits,
 * and the hooks the rest of atcp calls (atcp_fastopen.c).
 */
#ifndef _ATCP_FASTOPEN_H
#define _ATCP_FASTOPEN_H

#include <linux/siphash.h>
#include <linux/sockptr.h>

#define ATCPOPT_FASTOPEN	34	/* RFC 7413 */
#define ATCPOPT_EXP		254	/* experimental (RFC 6994), with a magic */
#define ATCPOPT_FASTOPEN_MAGIC	0xF989
#define ATCPOLEN_FASTOPEN_BASE	2
#define ATCPOLEN_EXP_FASTOPEN_BASE 4
#define ATCP_FASTOPEN_COOKIE_MIN 4
#define ATCP_FASTOPEN_COOKIE_MAX 16
#define ATCP_FASTOPEN_COOKIE_SIZE 8	/* what our server hands out */
#define ATCP_FASTOPEN_KEY_LEN	16

/* net.atcp.fastopen, the bits of net.ipv4.tcp_fastopen */
#define ATCP_TFO_CLIENT			0x1
#define ATCP_TFO_SERVER			0x2
#define ATCP_TFO_CLIENT_NO_COOKIE	0x4
#define ATCP_TFO_SERVER_NO_COOKIE	0x200
#define ATCP_TFO_SERVER_ALL		0x400	/* every listener, no TCP_FASTOPEN needed */

/* A Fast Open cookie as carried in an option. */
struct atcp_tfo_cookie {
	s8	len;		/* -1: no option; 0: a cookie request */
	bool	exp;		/* experimental format (kind 254, magic 0xF989) */
	u8	val[ATCP_FASTOPEN_COOKIE_MAX];
};

/* The keys of a namespace or a listener: the first makes cookies, both check. */
struct atcp_tfo_keys {
	siphash_key_t	key[2];
	unsigned int	num;
};

/* An active open with data in the SYN, for the length of one sendmsg(). */
struct atcp_tfo_req {
	struct msghdr	*data;		/* NULL: no data (a cookie request) */
	size_t		size;
	int		copied;		/* bytes that went into the SYN */
};

struct sock;
struct msghdr;
struct ctl_table;
struct sk_buff;
struct atcp_net;
struct atcp_opts;
struct atcp_request;

/* atcp_fastopen.c */
int atcp_fastopen_net_init(struct atcp_net *an);
void atcp_fastopen_net_exit(struct atcp_net *an);
void atcp_fastopen_exit(void);
int atcp_proc_fastopen_key(ATCP_CTL_TABLE_CONST struct ctl_table *ctl, int write,
			   void *buffer, size_t *lenp, loff_t *ppos);
void atcp_fastopen_parse_option(const u8 *ptr, u8 size, bool syn, struct atcp_opts *opts);
unsigned int atcp_fastopen_write_option(__be32 *ptr, const struct atcp_tfo_cookie *c);
unsigned int atcp_fastopen_option_len(const struct atcp_tfo_cookie *c);

/* socket calls (process context, socket locked) */
int atcp_fastopen_setsockopt(struct sock *sk, int optname, sockptr_t optval,
			     unsigned int optlen, int val);
int atcp_fastopen_getsockopt(struct sock *sk, int optname, char __user *optval,
			     int __user *optlen, int len);
void atcp_fastopen_listen(struct sock *sk, int backlog);
bool atcp_fastopen_defer_connect(struct sock *sk);
int atcp_fastopen_connect(struct sock *sk);
int atcp_fastopen_sendmsg(struct sock *sk, struct msghdr *msg, size_t size, int *copied);
bool atcp_fastopen_passive(const struct sock *sk);
void atcp_fastopen_destroy(struct sock *sk);
void atcp_fastopen_state_change(struct sock *sk, int old, int new);

/* segments (softirq or backlog, socket locked) */
bool atcp_fastopen_conn_request(struct sock *lsk, struct sk_buff *skb,
				const struct atcp_opts *opts, struct atcp_tfo_cookie *reply);
u32 atcp_fastopen_synsent_ack_limit(struct sock *sk);
void atcp_fastopen_synack_pre(struct sock *sk, struct sk_buff *skb);
bool atcp_fastopen_synack(struct sock *sk, const struct atcp_opts *opts);
bool atcp_fastopen_synack_data_ok(const struct sock *sk);

#endif /* _ATCP_FASTOPEN_H */
