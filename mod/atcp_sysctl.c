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

static const int atcp_rmem_default[3] = { 4096, 1048576, 6291456 };
static const int atcp_wmem_default[3] = { 4096, 1048576, 4194304 };

void atcp_params_init(struct atcp_net *an)
{
	unsigned int i;

	for (i = 0; i < atcp_nparams; i++)
		*atcp_param_ptr(an, &atcp_params[i]) = atcp_params[i].def;
	memcpy(an->rmem, atcp_rmem_default, sizeof(an->rmem));
	memcpy(an->wmem, atcp_wmem_default, sizeof(an->wmem));
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

/* net.atcp.rmem and wmem: "min default max" bytes, each >= 1 and in order */
static int atcp_proc_buf_triple(ATCP_CTL_TABLE_CONST struct ctl_table *ctl, int write,
				void *buffer, size_t *lenp, loff_t *ppos)
{
	int *vals = ctl->data;
	int tmp[3] = { READ_ONCE(vals[0]), READ_ONCE(vals[1]), READ_ONCE(vals[2]) };
	struct ctl_table tbl = {
		.data = tmp, .maxlen = sizeof(tmp),
		.extra1 = SYSCTL_ONE, .extra2 = SYSCTL_INT_MAX,
	};
	int ret, i;

	ret = proc_dointvec_minmax(&tbl, write, buffer, lenp, ppos);
	if (!write || ret)
		return ret;
	if (tmp[0] > tmp[1] || tmp[1] > tmp[2])
		return -EINVAL;
	for (i = 0; i < 3; i++)
		WRITE_ONCE(vals[i], tmp[i]);
	return 0;
}

/* net.atcp.mem (initial namespace only): "low pressure high" in pages, in order */
static int atcp_proc_mem(ATCP_CTL_TABLE_CONST struct ctl_table *ctl, int write,
			 void *buffer, size_t *lenp, loff_t *ppos)
{
	unsigned long tmp[3] = { READ_ONCE(atcp_sysctl_mem[0]), READ_ONCE(atcp_sysctl_mem[1]),
				 READ_ONCE(atcp_sysctl_mem[2]) };
	static unsigned long one = 1, max = LONG_MAX;
	struct ctl_table tbl = {
		.data = tmp, .maxlen = sizeof(tmp), .extra1 = &one, .extra2 = &max,
	};
	int ret, i;

	ret = proc_doulongvec_minmax(&tbl, write, buffer, lenp, ppos);
	if (!write || ret)
		return ret;
	if (tmp[0] > tmp[1] || tmp[1] > tmp[2])
		return -EINVAL;
	for (i = 0; i < 3; i++)
		WRITE_ONCE(atcp_sysctl_mem[i], tmp[i]);
	return 0;
}

#define ATCP_NR_SPECIAL_SYSCTLS	5

int atcp_sysctl_init(struct atcp_net *an)
{
	struct ctl_table *table, *t;
	unsigned int i, n;

	/* one extra zeroed entry terminates the table on kernels that need it */
	table = kcalloc(atcp_nparams + ATCP_NR_SPECIAL_SYSCTLS + 1, sizeof(*table), GFP_KERNEL);
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
	t[2].procname = "rmem";
	t[2].data = an->rmem;
	t[2].maxlen = sizeof(an->rmem);
	t[2].mode = 0644;
	t[2].proc_handler = atcp_proc_buf_triple;
	t[3].procname = "wmem";
	t[3].data = an->wmem;
	t[3].maxlen = sizeof(an->wmem);
	t[3].mode = 0644;
	t[3].proc_handler = atcp_proc_buf_triple;
	n = atcp_nparams + 4;
	if (net_eq(an->net, &init_net)) {
		/* global like tcp_mem: only the initial namespace may see it */
		t[4].procname = "mem";
		t[4].maxlen = sizeof(atcp_sysctl_mem);
		t[4].mode = 0644;
		t[4].proc_handler = atcp_proc_mem;
		n++;
	}
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
