// SPDX-License-Identifier: GPL-2.0
/*
 * SVG output of the atcp tool: the common document head and styles, and
 * the RFC 9293 state diagram with the edges taken highlighted and counted
 * (atcp diagram --svg).  The sequence diagrams are trace.c's.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <linux/atcp.h>
#include "atcp_tool.h"

void svg_begin(FILE *f, int width, int height, const char *title)
{
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans Mono, monospace\" font-size=\"12\">\n",
		width, height, width, height);
	fprintf(f, "<title>");
	for (; *title; title++)
		fputs(*title == '<' ? "&lt;" : *title == '>' ? "&gt;" : *title == '&' ? "&amp;" :
		      (char[2]){ *title, 0 }, f);
	fprintf(f, "</title>\n<defs>\n"
		"<marker id=\"ah\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
		"markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" "
		"fill=\"#1f3b73\"/></marker>\n"
		"<marker id=\"ahh\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
		"markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" "
		"fill=\"#c0392b\"/></marker>\n"
		"<style>\n"
		".seg{stroke:#1f3b73;stroke-width:1.5;fill:none}\n"
		".seg.lost{stroke:#c0392b;stroke-dasharray:5,3}\n"
		".life{stroke:#888;stroke-width:1}\n"
		".lab{fill:#1f3b73}\n"
		".st{fill:#000;font-weight:bold}\n"
		".stbox{fill:#fff4c2;stroke:#b89b00}\n"
		".time{fill:#666;font-size:10px}\n"
		".head{font-weight:bold;font-size:13px}\n"
		".edge{stroke:#bbb;stroke-width:1.2;fill:none}\n"
		".edge.hot{stroke:#c0392b;stroke-width:2.5}\n"
		".node{fill:#fff;stroke:#333;stroke-width:1.2}\n"
		".node.hot{fill:#fde2dc;stroke:#c0392b}\n"
		".count{fill:#c0392b;font-weight:bold;font-size:11px}\n"
		".elab{fill:#555;font-size:10px}\n"
		"</style>\n</defs>\n<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
}

void svg_text(FILE *f, double x, double y, const char *cls, const char *anchor,
	      const char *text)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"%s\" text-anchor=\"%s\">", x, y, cls,
		anchor);
	for (; *text; text++) {
		if (*text == '<')
			fputs("&lt;", f);
		else if (*text == '>')
			fputs("&gt;", f);
		else if (*text == '&')
			fputs("&amp;", f);
		else
			fputc(*text, f);
	}
	fputs("</text>\n", f);
}

void svg_end(FILE *f)
{
	fputs("</svg>\n", f);
}

/* where each state sits: the layout of RFC 9293 Figure 5 */
struct node_pos {
	int state;
	double x, y;
	const char *name;
};

#define NODE_W	118
#define NODE_H	30
#define CLOSED_BOTTOM	ATCP_MAX_STATES		/* the second CLOSED box */

static const struct node_pos nodes[] = {
	{ ATCP_CLOSE,		400, 50,  "CLOSED" },
	{ ATCP_LISTEN,		400, 150, "LISTEN" },
	{ ATCP_SYN_RECV,	190, 250, "SYN_RCVD" },
	{ ATCP_SYN_SENT,	610, 250, "SYN_SENT" },
	{ ATCP_ESTABLISHED,	400, 350, "ESTABLISHED" },
	{ ATCP_FIN_WAIT1,	190, 450, "FIN_WAIT_1" },
	{ ATCP_CLOSE_WAIT,	610, 450, "CLOSE_WAIT" },
	{ ATCP_FIN_WAIT2,	110, 560, "FIN_WAIT_2" },
	{ ATCP_CLOSING,		330, 560, "CLOSING" },
	{ ATCP_LAST_ACK,	610, 560, "LAST_ACK" },
	{ ATCP_TIME_WAIT,	220, 670, "TIME_WAIT" },
	{ CLOSED_BOTTOM,	610, 670, "CLOSED" },
};

static const struct node_pos *node_of(int state)
{
	size_t i;

	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
		if (nodes[i].state == state)
			return &nodes[i];
	return &nodes[0];
}

/* the point where the segment from the box's centre towards (dx, dy) leaves it */
static void box_exit(const struct node_pos *n, double dx, double dy, double *x, double *y)
{
	double tx = dx ? (NODE_W / 2.0 + 3) / fabs(dx) : 1e9;
	double ty = dy ? (NODE_H / 2.0 + 3) / fabs(dy) : 1e9;
	double t = tx < ty ? tx : ty;

	*x = n->x + dx * t;
	*y = n->y + dy * t;
}

static void draw_edge(FILE *f, int from, int to, const char *label, uint64_t count,
		      bool rfc)
{
	const struct node_pos *a, *b;
	double dx, dy, len, nx, ny, cx, cy, x1, y1, x2, y2;
	char num[32];

	a = node_of(from);
	/* into CLOSED from the lower half: the bottom box */
	b = node_of(to == ATCP_CLOSE && a->y > 300 ? CLOSED_BOTTOM : to);
	if (a == b)
		return;
	dx = b->x - a->x;
	dy = b->y - a->y;
	len = sqrt(dx * dx + dy * dy);
	/* bend every edge to its left, so that a pair in both directions separates */
	nx = -dy / len;
	ny = dx / len;
	cx = (a->x + b->x) / 2 + nx * 22;
	cy = (a->y + b->y) / 2 + ny * 22;
	box_exit(a, cx - a->x, cy - a->y, &x1, &y1);
	box_exit(b, cx - b->x, cy - b->y, &x2, &y2);
	fprintf(f, "<path class=\"edge%s\" d=\"M%.1f,%.1f Q%.1f,%.1f %.1f,%.1f\" "
		"marker-end=\"url(#%s)\"%s/>\n", count ? " hot" : "", x1, y1, cx, cy, x2, y2,
		count ? "ahh" : "ah", rfc ? "" : " stroke-dasharray=\"4,3\"");
	/* the label at the curve's middle */
	cx = (x1 + 2 * cx + x2) / 4;
	cy = (y1 + 2 * cy + y2) / 4;
	if (label && label[0])
		svg_text(f, cx, cy - 2, "elab", "middle", label);
	if (count) {
		snprintf(num, sizeof(num), "%" PRIu64 "x", count);
		svg_text(f, cx, cy + 11, "count", "middle", num);
	}
}

void diagram_svg(FILE *f, const uint64_t (*edge)[ATCP_MAX_STATES],
		 const struct diagram_edge *rfc, size_t nrfc)
{
	bool hot[ATCP_MAX_STATES + 1] = { false };
	size_t i;
	int s, t;

	svg_begin(f, 820, 730, "TCP state diagram (RFC 9293), the edges this run took");
	for (i = 0; i < nrfc; i++)
		draw_edge(f, rfc[i].from, rfc[i].to, rfc[i].label, edge[rfc[i].from][rfc[i].to],
			  true);
	for (s = 1; s < ATCP_MAX_STATES; s++)
		for (t = 1; t < ATCP_MAX_STATES; t++) {
			bool known = false;

			for (i = 0; i < nrfc; i++)
				known |= rfc[i].from == s && rfc[i].to == t;
			if (!known && edge[s][t])
				draw_edge(f, s, t, "", edge[s][t], false);
		}
	for (s = 1; s < ATCP_MAX_STATES; s++)
		for (t = 1; t < ATCP_MAX_STATES; t++)
			if (edge[s][t]) {
				hot[s] = true;
				hot[t == ATCP_CLOSE && node_of(s)->y > 300 ? CLOSED_BOTTOM : t] = true;
			}
	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		const struct node_pos *n = &nodes[i];

		fprintf(f, "<rect class=\"node%s\" x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" "
			"rx=\"8\"/>\n", hot[n->state] ? " hot" : "", n->x - NODE_W / 2.0,
			n->y - NODE_H / 2.0, NODE_W, NODE_H);
		svg_text(f, n->x, n->y + 4, "st", "middle", n->name);
	}
	svg_text(f, 10, 720, "time", "start",
		 "red: transitions taken, with counts (atcp diagram --svg); dashed: outside RFC 9293's figure");
	svg_end(f);
}
