/* SPDX-License-Identifier: GPL-2.0 */
/*
 * atcp's SNMP-style counters (/proc/net/atcp_snmp, netlink STATS_GET) and the
 * state diagram's edge counters, per network namespace and per cpu.
 */
#ifndef _ATCP_MIB_H
#define _ATCP_MIB_H

#include <linux/types.h>
#include <linux/percpu.h>
#include "../uapi/linux/atcp.h"

struct atcp_net;

/*
 * MIB counters, per netns, per cpu: the uapi list ATCP_STAT_LIST, indexed
 * from 0 (ATCP_MIB_<ID> == ATCP_STAT_<ID> - 1).  The CURRTIMEWAIT slot stays
 * 0: readers report the TIME_WAIT entry count there.
 */
enum atcp_mib_field {
#define ATCP_MIB_ENUM(id, name) ATCP_MIB_##id,
	ATCP_STAT_LIST(ATCP_MIB_ENUM)
#undef ATCP_MIB_ENUM
	ATCP_MIB_MAX,
};

struct atcp_mib {
	u64 mibs[ATCP_MIB_MAX];
	u64 edges[ATCP_MAX_STATES][ATCP_MAX_STATES];	/* state diagram [from][to] */
};

/* any context: the counters are per cpu */
#define ATCP_INC_STATS(an, field) this_cpu_inc((an)->mib->mibs[field])
#define ATCP_ADD_STATS(an, field, n) this_cpu_add((an)->mib->mibs[field], n)

extern const char * const atcp_mib_names[ATCP_MIB_MAX];

/* The counters summed over all cpus, TIME_WAIT entries in CURRTIMEWAIT. */
void atcp_mib_sum(const struct atcp_net *an, u64 sum[ATCP_MIB_MAX]);

static inline enum atcp_stat_id atcp_mib_stat_id(enum atcp_mib_field field)
{
	return field + 1;
}

#endif /* _ATCP_MIB_H */
