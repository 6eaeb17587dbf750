#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""plot.py DIR - bar charts of DIR/summary.json (atcp-bench) into DIR/bench.png:
one panel per mode, TCP vs ATCP median per path, ratio atcp/TCP in the title."""
import json, sys, os
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

d = sys.argv[1] if len(sys.argv) > 1 else "build/bench"
s = json.load(open(os.path.join(d, "summary.json")))
modes = []
for c in s["cells"]:
    if c["mode"] not in modes:
        modes.append(c["mode"])
cols = 3
rows = (len(modes) + cols - 1) // cols
fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False)
for ax, mode in zip(axes.flat, modes):
    cells = [c for c in s["cells"] if c["mode"] == mode]
    paths = [c["path"] for c in cells]
    x = range(len(cells))
    tcp = [c["tcp"] or 0 for c in cells]
    atcp = [c["atcp"] or 0 for c in cells]
    b1 = ax.bar([i - 0.2 for i in x], tcp, 0.4, label="TCP", color="#4477aa")
    b2 = ax.bar([i + 0.2 for i in x], atcp, 0.4, label="ATCP", color="#ee6677")
    for bars, vals, cc in ((b1, tcp, cells), (b2, atcp, cells)):
        for b, v in zip(bars, vals):
            ax.annotate("FAIL" if v == 0 else f"{v:.0f}", (b.get_x() + b.get_width() / 2, v),
                        ha="center", va="bottom", fontsize=8)
    ax.set_xticks(list(x))
    ax.set_xticklabels([f"{p}\nratio {c['ratio']:.2f}" if c["ratio"] is not None else f"{p}\nratio -"
                        for p, c in zip(paths, cells)], fontsize=8)
    t = cells[0]["target"]
    ax.set_title(f"{mode} ({cells[0]['unit']})" + (f", target >= {t:.1f}x" if t > 0 else ", lower is better"),
                 fontsize=9)
    ax.margins(y=0.15)
    ax.legend(fontsize=7)
for ax in list(axes.flat)[len(modes):]:
    ax.axis("off")
fig.suptitle(f"atcp-bench: medians of {s['rounds']} alternating run(s), {s['time_s']} s each, QEMU TCG", fontsize=10)
fig.tight_layout()
out = os.path.join(d, "bench.png")
fig.savefig(out, dpi=90)
print("plot:", out)
