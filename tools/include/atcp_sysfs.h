/* SPDX-License-Identifier: GPL-2.0 */
/*
 * atcp's IP protocol number as userspace finds it: the loaded atcp.ko's
 * proto= (/sys/module/atcp/parameters/proto), else IPPROTO_ATCP.  One copy
 * for the tools, the benchmark, atcpize and the selftests.
 */
#ifndef _ATCP_SYSFS_H
#define _ATCP_SYSFS_H

#include <stdio.h>
#include <linux/atcp.h>

#define ATCP_PROTO_PARAM	"/sys/module/atcp/parameters/proto"

static inline int atcp_proto(void)
{
	static int cached;
	FILE *f;
	int v;

	if (cached)
		return cached;
	f = fopen(ATCP_PROTO_PARAM, "re");
	if (!f)
		return IPPROTO_ATCP;
	if (fscanf(f, "%d", &v) == 1 && v > 0 && v < 255)
		cached = v;
	fclose(f);
	return cached ? cached : IPPROTO_ATCP;
}

#endif /* _ATCP_SYSFS_H */
