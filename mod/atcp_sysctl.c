// SPDX-License-Identifier: GPL-2.0
/*
 * atcp tunables, one copy per network namespace.  atcp_params[] is the one
 * description of them: the net.atcp.* sysctl table is built from it and the
 * netlink PARAM commands use it too.  Every value has a range; a write
 * outside it fails with -EINVAL and changes nothing.
 */
#include <linux/sysctl.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include "atcp.h"

#define ATCP_PARAM(field, lo, hi, dflt) \
	{ .name = #field, .offset = offsetof(struct atcp_net, field), \
	  .min = (lo), .max = (hi), .def = (dflt) }

#define ATCP_HOUR_MS	3600000
#define ATCP_RTO_LIMIT	120000

const struct atcp_param atcp_params[] = {
	ATCP_PARAM(msl_ms,		1, ATCP_HOUR_MS,	30000),
	ATCP_PARAM(fin_timeout_ms,	1, ATCP_HOUR_MS,	60000),
	ATCP_PARAM(syn_retries,		1, 127,			6),
	ATCP_PARAM(synack_retries,	1, 127,			5),
	ATCP_PARAM(retries2,		1, 127,			15),
	ATCP_PARAM(rto_initial_ms,	1, ATCP_RTO_LIMIT,	1000),
	ATCP_PARAM(rto_min_ms,		1, ATCP_RTO_LIMIT,	200),
	ATCP_PARAM(rto_max_ms,		1, ATCP_RTO_LIMIT,	ATCP_RTO_LIMIT),
	ATCP_PARAM(delack_ms,		1, 1000,		40),
	ATCP_PARAM(max_syn_backlog,	1, 1 << 20,		4096),
	ATCP_PARAM(window_scaling,	0, 1,			1),
	ATCP_PARAM(sack,		0, 1,			1),
	ATCP_PARAM(timestamps,		0, 1,			1),
	ATCP_PARAM(keepalive_time,	1, 32767,		7200),
	ATCP_PARAM(keepalive_intvl,	1, 32767,		75),
	ATCP_PARAM(keepalive_probes,	1, 127,			9),
};

const unsigned int atcp_nparams = ARRAY_SIZE(atcp_params);

static int *atcp_param_ptr(struct atcp_net *an, const struct atcp_param *p)
{
	return (int *)((char *)an + p->offset);
}

void atcp_params_init(struct atcp_net *an)
{
	unsigned int i;

	for (i = 0; i < atcp_nparams; i++)
		*atcp_param_ptr(an, &atcp_params[i]) = atcp_params[i].def;
}

int atcp_param_get(struct atcp_net *an, unsigned int idx)
{
	return READ_ONCE(*atcp_param_ptr(an, &atcp_params[idx]));
}

/* Set a tunable; -EINVAL (nothing changed) if @val is out of its range. */
int atcp_param_set(struct atcp_net *an, unsigned int idx, int val)
{
	const struct atcp_param *p = &atcp_params[idx];

	if (val < p->min || val > p->max)
		return -EINVAL;
	WRITE_ONCE(*atcp_param_ptr(an, p), val);
	return 0;
}

/* net.atcp.congestion_control: an algorithm name, stored as its index */
static int atcp_proc_congestion(ATCP_CTL_TABLE_CONST struct ctl_table *ctl, int write,
				void *buffer, size_t *lenp, loff_t *ppos)
{
	struct atcp_net *an = ctl->data;
	char name[ATCP_CA_NAME_MAX];
	struct ctl_table tbl = { .data = name, .maxlen = sizeof(name) };
	const struct atcp_cong_ops *ops;
	int ret;

	strscpy(name, atcp_cong_by_index(READ_ONCE(an->congestion_control))->name, sizeof(name));
	ret = proc_dostring(&tbl, write, buffer, lenp, ppos);
	if (!write || ret)
		return ret;
	ops = atcp_cong_find(name);
	if (!ops)
		return -EINVAL;
	WRITE_ONCE(an->congestion_control, atcp_cong_index(ops));
	return 0;
}

/* net.atcp.available_congestion_control, read only */
static int atcp_proc_available_cong(ATCP_CTL_TABLE_CONST struct ctl_table *ctl, int write,
				    void *buffer, size_t *lenp, loff_t *ppos)
{
	char names[64];
	struct ctl_table tbl = { .data = names, .maxlen = sizeof(names) };

	atcp_cong_available(names, sizeof(names));
	return proc_dostring(&tbl, write, buffer, lenp, ppos);
}

#define ATCP_NR_STRING_SYSCTLS	2

int atcp_sysctl_init(struct atcp_net *an)
{
	struct ctl_table *table, *t;
	unsigned int i;

	/* one extra zeroed entry terminates the table on kernels that need it */
	table = kcalloc(atcp_nparams + ATCP_NR_STRING_SYSCTLS + 1, sizeof(*table), GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	for (i = 0; i < atcp_nparams; i++) {
		const struct atcp_param *p = &atcp_params[i];

		table[i].procname = p->name;
		table[i].data = atcp_param_ptr(an, p);
		table[i].maxlen = sizeof(int);
		table[i].mode = 0644;
		table[i].proc_handler = proc_dointvec_minmax;
		table[i].extra1 = (void *)&p->min;
		table[i].extra2 = (void *)&p->max;
	}
	t = &table[atcp_nparams];
	t[0].procname = "congestion_control";
	t[0].data = an;
	t[0].maxlen = ATCP_CA_NAME_MAX;
	t[0].mode = 0644;
	t[0].proc_handler = atcp_proc_congestion;
	t[1].procname = "available_congestion_control";
	t[1].maxlen = 64;
	t[1].mode = 0444;
	t[1].proc_handler = atcp_proc_available_cong;
	an->sysctl_hdr = atcp_register_net_sysctl(an->net, "net/atcp", table,
						  atcp_nparams + ATCP_NR_STRING_SYSCTLS);
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
