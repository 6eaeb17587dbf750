// SPDX-License-Identifier: GPL-2.0
/*
 * net.atcp.* sysctls, one copy per network namespace.  Every value has a
 * range; a write outside it fails with -EINVAL and changes nothing.
 */
#include <linux/sysctl.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include "atcp.h"

static int atcp_one = 1;
static int atcp_retries_max = 127;
static int atcp_delack_max = 1000;
static int atcp_rto_limit = 120000;
static int atcp_time_limit = 3600000;	/* one hour, in ms */
static int atcp_backlog_max = 1 << 20;

#define ATCP_SYSCTL(field, lo, hi) {					\
	.procname	= #field,					\
	.data		= (void *)offsetof(struct atcp_net, field),	\
	.maxlen		= sizeof(int),					\
	.mode		= 0644,						\
	.proc_handler	= proc_dointvec_minmax,				\
	.extra1		= (lo),						\
	.extra2		= (hi),						\
}

/* .data holds the offset into struct atcp_net until a namespace copies it. */
static struct ctl_table atcp_sysctl_template[] = {
	ATCP_SYSCTL(msl_ms, &atcp_one, &atcp_time_limit),
	ATCP_SYSCTL(fin_timeout_ms, &atcp_one, &atcp_time_limit),
	ATCP_SYSCTL(syn_retries, &atcp_one, &atcp_retries_max),
	ATCP_SYSCTL(synack_retries, &atcp_one, &atcp_retries_max),
	ATCP_SYSCTL(retries2, &atcp_one, &atcp_retries_max),
	ATCP_SYSCTL(rto_initial_ms, &atcp_one, &atcp_rto_limit),
	ATCP_SYSCTL(rto_min_ms, &atcp_one, &atcp_rto_limit),
	ATCP_SYSCTL(rto_max_ms, &atcp_one, &atcp_rto_limit),
	ATCP_SYSCTL(delack_ms, &atcp_one, &atcp_delack_max),
	ATCP_SYSCTL(max_syn_backlog, &atcp_one, &atcp_backlog_max),
	{ }
};

int atcp_sysctl_init(struct atcp_net *an)
{
	struct ctl_table *table;
	size_t i, n = ARRAY_SIZE(atcp_sysctl_template) - 1;

	table = kmemdup(atcp_sysctl_template, sizeof(atcp_sysctl_template), GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		table[i].data = (char *)an + (uintptr_t)atcp_sysctl_template[i].data;

	an->sysctl_hdr = atcp_register_net_sysctl(an->net, "net/atcp", table, n);
	if (!an->sysctl_hdr) {
		kfree(table);
		return -ENOMEM;
	}
	return 0;
}

void atcp_sysctl_exit(struct atcp_net *an)
{
	const struct ctl_table *table = an->sysctl_hdr->ctl_table_arg;

	unregister_net_sysctl_table(an->sysctl_hdr);
	kfree(table);
}
