#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# uapi/linux/atcp.h is a self-contained userspace header: it compiles as the
# only include in C and in C++ with warnings as errors, includes nothing but
# <linux/types.h>, and gives struct atcp_info the same layout in both.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
echo "TAP version 13"
echo "1..5"
. "$ROOT/selftests/helper_tap.sh"

cat >"$T/t.c" <<'SRC'
#include <linux/atcp.h>

#ifdef __cplusplus
#define ASSERT(c, m) static_assert(c, m)
#else
#define ASSERT(c, m) _Static_assert(c, m)
#endif
ASSERT(sizeof(struct atcp_info) == 144, "struct atcp_info is 144 bytes");
ASSERT(IPPROTO_ATCP == 253, "protocol number");
ASSERT(ATCP_MAX_STATES == 12, "states");
ASSERT(ATCP_CMD_MAX == ATCP_CMD_EVENT, "commands");

#include <stdio.h>
#include <stddef.h>
#include <string.h>
int main(void)
{
	struct atcp_info info;
	enum atcp_genl_cmd cmd = ATCP_CMD_PARAM_GET;
	enum atcp_stat_id id = ATCP_STAT_CURRESTAB;

	memset(&info, 0, sizeof(info));

	printf("%zu %zu %zu %zu %s %s %d %d\n", sizeof(info),
	       offsetof(struct atcp_info, rto_us), offsetof(struct atcp_info, total_retrans),
	       offsetof(struct atcp_info, delivery_rate), ATCP_GENL_NAME, ATCP_GENL_MCGRP_EVENTS,
	       (int)cmd, (int)id);
	return info.state;
}
SRC
cp "$T/t.c" "$T/t.cc"

ok "C: gcc -std=c11 -Wall -Wextra -Werror -pedantic" \
	gcc -std=c11 -Wall -Wextra -Werror -pedantic -I"$ROOT/uapi" -o "$T/c" "$T/t.c"
ok "C++: g++ -std=c++11 -Wall -Wextra -Werror -pedantic" \
	g++ -std=c++11 -Wall -Wextra -Werror -pedantic -I"$ROOT/uapi" -o "$T/cc" "$T/t.cc"
ok "same layout in C and C++" bash -c "'$T/c' >'$T/c.out' && '$T/cc' >'$T/cc.out' && \
	cat '$T/c.out' && cmp '$T/c.out' '$T/cc.out'"
ok "header alone (syntax only, C and C++)" bash -c \
	"echo '#include <linux/atcp.h>' | gcc -x c -std=c99 -Wall -Werror -pedantic -I'$ROOT/uapi' -fsyntax-only - && \
	 echo '#include <linux/atcp.h>' | g++ -x c++ -std=c++98 -Wall -Werror -I'$ROOT/uapi' -fsyntax-only -"
ok "includes only <linux/types.h>, no kernel-only code" bash -c \
	"! grep -n '^#include' '$ROOT/uapi/linux/atcp.h' | grep -v '<linux/types.h>' && \
	 ! sed 's|/\\*.*\\*/||' '$ROOT/uapi/linux/atcp.h' | grep -nw '__KERNEL__\|u8\|u16\|u32\|u64'"
