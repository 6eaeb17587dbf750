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

#define ATCP_PARAM_NAMED(pname, field, lo, hi, dflt) \
	{ .name = (pname), .offset = offsetof(struct atcp_net, field), \
	  .min = (lo), .max = (hi), .def = (dflt) }
#define ATCP_PARAM(field, lo, hi, dflt) ATCP_PARAM_NAMED(#field, field, lo, hi, dflt)

#define ATCP_HOUR_MS	3600000
#define ATCP_RTO_LIMIT	120000

const struct atcp_param atcp_params[] = {
	ATCP_PARAM(msl_ms,		1, ATCP_HOUR_MS,	30000),
	ATCP_PARAM(fin_timeout_ms,	1, ATCP_HOUR_MS,	60000),
	ATCP_PARAM(syn_retries,		1, 127,			6),
	ATCP_PARAM(synack_retries,	1, 127,			5),
	ATCP_PARAM(retries1,		1, 255,			3),
	ATCP_PARAM(retries2,		1, 127,			15),
	ATCP_PARAM(rto_initial_ms,	1, ATCP_RTO_LIMIT,	1000),
	/* and rto_min_ms <= rto_max_ms, see atcp_param_set() */
	ATCP_PARAM(rto_min_ms,		1, ATCP_RTO_LIMIT,	200),
	ATCP_PARAM(rto_max_ms,		1000, ATCP_RTO_LIMIT,	ATCP_RTO_LIMIT),
	ATCP_PARAM(delack_ms,		1, 1000,		40),
	ATCP_PARAM(max_syn_backlog,	1, 1 << 20,		4096),
	ATCP_PARAM(syncookies,		0, 2,			1),
	ATCP_PARAM(max_tw_buckets,	0, INT_MAX,		262144),
	/* the field cannot be called tw_reuse: inet_timewait_sock.h defines that */
	ATCP_PARAM_NAMED("tw_reuse", timewait_reuse, 0, 2,	2),
	ATCP_PARAM(window_scaling,	0, 1,			1),
	ATCP_PARAM(sack,		0, 1,			1),
	ATCP_PARAM(timestamps,		0, 1,			1),
	ATCP_PARAM(keepalive_time,	1, 32767,		7200),
	ATCP_PARAM(keepalive_intvl,	1, 32767,		75),
	ATCP_PARAM(keepalive_probes,	1, 127,			9),
	ATCP_PARAM(gso,			0, 1,			1),
	/* as net.ipv4.tcp_invalid_ratelimit; 0: no limit */
	ATCP_PARAM(invalid_ratelimit_ms, 0, ATCP_HOUR_MS,	500),
	/* as net.ipv4.tcp_fastopen: a mask of ATCP_TFO_* bits, others kept and ignored */
	ATCP_PARAM(fastopen,		0, INT_MAX,		ATCP_TFO_CLIENT),
	/* as net.ipv4.tcp_ecn: 0 off, 1 request and accept, 2 accept only */
	ATCP_PARAM(ecn,			0, 2,			2),
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
	an->notsent_lowat = UINT_MAX;
}

int atcp_param_get(struct atcp_net *an, unsigned int idx)
{
	return READ_ONCE(*atcp_param_ptr(an, &atcp_params[idx]));
}

/* serialises checks that involve two tunables with the writes */
static DEFINE_SPINLOCK(atcp_param_lock);

/* Would setting @p to @val keep rto_min_ms <= rto_max_ms? */
static bool atcp_rto_order_ok(struct atcp_net *an, const struct atcp_param *p, int val)
{
	int lo = an->rto_min_ms, hi = an->rto_max_ms;

	if (p->offset == offsetof(struct atcp_net, rto_min_ms))
		lo = val;
	else if (p->offset == offsetof(struct atcp_net, rto_max_ms))
		hi = val;
	return lo <= hi;
}

/*
 * Set a tunable; -EINVAL (nothing changed) if @val is out of its range or
 * breaks an order between tunables.  @why, if not NULL, gets the reason.
 */
int atcp_param_set(struct atcp_net *an, unsigned int idx, int val, const char **why)
{
	const struct atcp_param *p = &atcp_params[idx];
	int err = 0;

	if (val < p->min || val > p->max) {
		if (why)
			*why = "value out of the parameter's range (see PARAM_GET min/max)";
		return -EINVAL;
	}
	spin_lock(&atcp_param_lock);
	if (atcp_rto_order_ok(an, p, val)) {
		WRITE_ONCE(*atcp_param_ptr(an, p), val);
	} else {
		if (why)
			*why = "rto_min_ms may not exceed rto_max_ms";
		err = -EINVAL;
	}
	spin_unlock(&atcp_param_lock);
	return err;
}

/* net.atcp.<integer tunable>: parsed with its range, then atcp_param_set() */
static int atcp_proc_param(ATCP_CTL_TABLE_CONST struct ctl_table *ctl, int write,
			   void *buffer, size_t *lenp, loff_t *ppos)
{
	const struct atcp_param *p = ctl->extra1;
	struct atcp_net *an = (struct atcp_net *)((char *)ctl->data - p->offset);
	int val = READ_ONCE(*(int *)ctl->data);
	struct ctl_table tbl = {
		.data = &val, .maxlen = sizeof(val),
		.extra1 = (void *)&p->min, .extra2 = (void *)&p->max,
	};
	int ret;

	ret = proc_dointvec_minmax(&tbl, write, buffer, lenp, ppos);
	if (!write || ret)
		return ret;
	return atcp_param_set(an, p - atcp_params, val, NULL);
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
	struct ctl_table tbl = {
		.data = tmp, .maxlen = sizeof(tmp),
		.extra1 = SYSCTL_LONG_ONE, .extra2 = SYSCTL_LONG_MAX,
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

/*
 * net.atcp.notsent_lowat: any unsigned int, as net.ipv4.tcp_notsent_lowat
 * (its default, UINT_MAX, means no limit).  Not an integer tunable of
 * atcp_params[]: those are ints, and so is their netlink value.
 */
static int atcp_proc_notsent_lowat(ATCP_CTL_TABLE_CONST struct ctl_table *ctl, int write,
				   void *buffer, size_t *lenp, loff_t *ppos)
{
	unsigned int *lowat = ctl->data;
	unsigned int val = READ_ONCE(*lowat);
	struct ctl_table tbl = { .data = &val, .maxlen = sizeof(val) };
	int ret;

	ret = proc_douintvec(&tbl, write, buffer, lenp, ppos);
	if (!write || ret)
		return ret;
	WRITE_ONCE(*lowat, val);
	return 0;
}

static void *atcp_text_data_an(struct atcp_net *an)
{
	return an;
}

static void *atcp_text_data_none(struct atcp_net *an)
{
	return NULL;
}

static void *atcp_text_data_rmem(struct atcp_net *an)
{
	return an->rmem;
}

static void *atcp_text_data_wmem(struct atcp_net *an)
{
	return an->wmem;
}

static void *atcp_text_data_notsent_lowat(struct atcp_net *an)
{
	return &an->notsent_lowat;
}

/*
 * The tunables whose value is text (a name, or a "min mid max" triple).
 * Sysctl and netlink both go through the same proc handler, so the parsing
 * and the checks exist once.
 */
const struct atcp_text_param atcp_text_params[] = {
	{ "congestion_control", 0644, ATCP_CA_NAME_MAX, atcp_proc_congestion,
	  atcp_text_data_an, false },
	{ "available_congestion_control", 0444, 64, atcp_proc_available_cong,
	  atcp_text_data_none, false },
	{ "rmem", 0644, sizeof(int) * 3, atcp_proc_buf_triple, atcp_text_data_rmem, false },
	{ "wmem", 0644, sizeof(int) * 3, atcp_proc_buf_triple, atcp_text_data_wmem, false },
	/* global like tcp_mem: only the initial namespace sees it */
	{ "mem", 0644, sizeof(atcp_sysctl_mem), atcp_proc_mem, atcp_text_data_none, true },
	/* as net.ipv4.tcp_notsent_lowat: 0 .. UINT_MAX, beyond netlink's s32 */
	{ "notsent_lowat", 0644, sizeof(unsigned int), atcp_proc_notsent_lowat,
	  atcp_text_data_notsent_lowat, false },
	/* as net.ipv4.tcp_fastopen_key: "primary[,backup]", root only */
	{ "fastopen_key", 0600, 2 * 36 + 2, atcp_proc_fastopen_key, atcp_text_data_an, false },
};

const unsigned int atcp_ntext_params = ARRAY_SIZE(atcp_text_params);

/* Does text tunable @idx exist in @an's namespace? */
bool atcp_text_param_visible(const struct atcp_net *an, unsigned int idx)
{
	return !atcp_text_params[idx].init_net_only || net_eq(an->net, &init_net);
}

static void atcp_text_param_table(struct atcp_net *an, unsigned int idx, struct ctl_table *t)
{
	const struct atcp_text_param *p = &atcp_text_params[idx];

	t->procname = p->name;
	t->data = p->data(an);
	t->maxlen = p->maxlen;
	t->mode = p->mode;
	t->proc_handler = p->handler;
}

/* Process context: the value of text tunable @idx as its sysctl shows it. */
int atcp_text_param_get(struct atcp_net *an, unsigned int idx, char *buf, size_t size)
{
	struct ctl_table t = { };
	size_t len = size - 1;
	loff_t pos = 0;
	int err;

	atcp_text_param_table(an, idx, &t);
	err = t.proc_handler(&t, 0, buf, &len, &pos);
	if (err)
		return err;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\t'))
		len--;
	buf[len] = 0;
	/* a triple reads "min<TAB>mid<TAB>max" in proc; netlink gives spaces */
	strreplace(buf, '\t', ' ');
	return 0;
}

/* Process context: set text tunable @idx as a write to its sysctl would. */
int atcp_text_param_set(struct atcp_net *an, unsigned int idx, const char *val)
{
	struct ctl_table t = { };
	char buf[ATCP_TEXT_PARAM_MAX];
	size_t len;
	loff_t pos = 0;

	if (!(atcp_text_params[idx].mode & 0200))
		return -EPERM;
	len = strscpy(buf, val, sizeof(buf));
	if ((ssize_t)len < 0)
		return -EINVAL;
	atcp_text_param_table(an, idx, &t);
	return t.proc_handler(&t, 1, buf, &len, &pos);
}

int atcp_sysctl_init(struct atcp_net *an)
{
	struct ctl_table *table;
	unsigned int i, n;

	/* one extra zeroed entry terminates the table on kernels that need it */
	table = kcalloc(atcp_nparams + atcp_ntext_params + 1, sizeof(*table), GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	for (i = 0; i < atcp_nparams; i++) {
		const struct atcp_param *p = &atcp_params[i];

		table[i].procname = p->name;
		table[i].data = atcp_param_ptr(an, p);
		table[i].maxlen = sizeof(int);
		table[i].mode = 0644;
		table[i].proc_handler = atcp_proc_param;
		table[i].extra1 = (void *)p;
	}
	n = atcp_nparams;
	for (i = 0; i < atcp_ntext_params; i++)
		if (atcp_text_param_visible(an, i))
			atcp_text_param_table(an, i, &table[n++]);
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
