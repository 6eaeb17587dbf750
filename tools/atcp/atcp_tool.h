/* SPDX-License-Identifier: GPL-2.0 */
/* What the atcp tool's files share (atcp.c: netlink commands, trace.c: atcp trace). */
#ifndef _ATCP_TOOL_H
#define _ATCP_TOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/atcp.h>

extern bool json;		/* -j */

void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* JSON on stdout: a comma before every item but the first of a level */
void json_sep(void);
void json_str(const char *s);
void json_kv_str(const char *k, const char *v);
void json_kv_u64(const char *k, uint64_t v);
void json_kv_s64(const char *k, int64_t v);
void json_open(char c);
void json_open_key(const char *k, char c);
void json_close(char c);

/* SVG on a stream: a document with the styles both figures use */
void svg_begin(FILE *f, int width, int height, const char *title);
void svg_text(FILE *f, double x, double y, const char *cls, const char *anchor,
	      const char *text);
void svg_end(FILE *f);

/* an edge of RFC 9293's state diagram (atcp.c's table) */
struct diagram_edge {
	int from, to;
	const char *label;
};

void diagram_svg(FILE *f, const uint64_t (*edge)[ATCP_MAX_STATES],
		 const struct diagram_edge *rfc, size_t nrfc);

int cmd_trace(int argc, char **argv);

#endif
