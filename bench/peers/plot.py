"""Draws the peer benchmark's plot: seconds against records in zone, log-log, one line per tool.

Run with the octoDNS virtualenv's Python (scripts/install-octodns.sh installs matplotlib there):
    .tools/octodns/bin/python bench/peers/plot.py DATA.json
DATA.json (written by bench/peers/peer-bench.ts) holds title, xlabel, ylabel, output (the PNG's
path) and series: [{label, points: [[records, seconds], ...]}].
"""

import json
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter  # noqa: E402

MARKERS = ["o", "s", "^", "D", "v"]


def main(path):
    with open(path) as fh:
        data = json.load(fh)
    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    for i, series in enumerate(data["series"]):
        points = [(x, y) for x, y in series["points"] if y is not None and math.isfinite(y) and y > 0]
        if not points:
            continue
        xs, ys = zip(*points)
        ax.plot(xs, ys, marker=MARKERS[i % len(MARKERS)], linewidth=2, markersize=7, label=series["label"])
        # The last point's value, so the growth reads without the table.
        ax.annotate(
            f"{ys[-1]:.2f} s" if ys[-1] < 10 else f"{ys[-1]:.0f} s",
            (xs[-1], ys[-1]),
            textcoords="offset points",
            xytext=(8, 0),
            va="center",
            fontsize=9,
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    # Label 1-2-5 steps on the seconds axis: a decade or two has too few powers of ten to read.
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(data["xlabel"])
    ax.set_ylabel(data["ylabel"])
    ax.set_title(data["title"] + ("\n" + data["subtitle"] if data.get("subtitle") else ""), fontsize=11)
    ax.grid(True, which="major", alpha=0.4)
    ax.grid(True, which="minor", alpha=0.15)
    ax.margins(x=0.15)
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(data["output"])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: plot.py DATA.json")
    main(sys.argv[1])
