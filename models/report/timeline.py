"""The timeline chart of an incident's clocks: one bar per duty from its clock's start to its deadline, the
law-enforcement holds that tolled them, and when each was met — drawn by matplotlib.

Times are shown in the entity's zone (the zone the deadlines are computed in). A duty with no fixed legal
deadline is drawn to the firm's policy target, hatched, and labelled as policy. The PNG is deterministic for the
same input (no timestamp in its metadata).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Clock:
    label: str
    start: datetime
    deadline: datetime | None
    policy: bool  # the deadline is the firm's target, not the law's
    met_at: datetime | None
    counted: bool  # False for a simulated (exercise) delivery: it met nothing


def timeline_png(clocks: Sequence[Clock], holds: Sequence[tuple[datetime, datetime | None]], now: datetime,
                 timezone: str) -> bytes:
    """The chart as PNG bytes (``clocks`` top to bottom as given)."""
    # Imported here: matplotlib is heavy and only documents need it.
    import matplotlib.dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    tz = ZoneInfo(timezone)

    def local(t: datetime) -> datetime:
        return t.astimezone(tz).replace(tzinfo=None)

    fig = Figure(figsize=(10, 1.4 + 0.32 * max(len(clocks), 1)), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ends = [c.deadline for c in clocks if c.deadline] + [c.met_at for c in clocks if c.met_at] + [now]
    last = max(ends)
    for start, end in holds:
        ax.axvspan(mdates.date2num(local(start)), mdates.date2num(local(end or last)), color="0.85", zorder=0)
    for y, c in enumerate(clocks):
        left = mdates.date2num(local(c.start))
        right = mdates.date2num(local(c.deadline or c.met_at or now))
        ax.barh(y, max(right - left, 1e-3), left=left, height=0.5, color="#9ecae1" if not c.policy else "white",
                edgecolor="#3182bd", hatch="//" if c.policy else None, zorder=2)
        if c.deadline:
            ax.plot([mdates.date2num(local(c.deadline))] * 2, [y - 0.35, y + 0.35], color="#cb181d", lw=2, zorder=3)
        if c.met_at:
            late = c.deadline is not None and c.met_at > c.deadline
            ax.plot(mdates.date2num(local(c.met_at)), y, marker="D", ms=6, zorder=4,
                    color=("#cb181d" if late else "#31a354") if c.counted else "white",
                    markeredgecolor="#cb181d" if late else "#31a354")
    ax.axvline(mdates.date2num(local(now)), color="0.3", ls=":", lw=1)
    ax.set_yticks(range(len(clocks)), [c.label for c in clocks], fontsize=7)
    ax.invert_yaxis()
    ax.xaxis_date()
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d\n%H:%M"))
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel(f"time in {timezone}", fontsize=8)
    ax.grid(axis="x", color="0.9", zorder=1)
    ax.legend(handles=[Patch(facecolor="#9ecae1", edgecolor="#3182bd", label="clock running to the legal deadline"),
                       Patch(facecolor="white", edgecolor="#3182bd", hatch="//", label="to the firm's policy target"),
                       Line2D([], [], color="#cb181d", lw=2, label="deadline"),
                       Line2D([], [], marker="D", color="#31a354", ls="", label="met"),
                       Line2D([], [], marker="D", color="white", markeredgecolor="#31a354", ls="",
                              label="simulated (met nothing)"),
                       Patch(facecolor="0.85", label="law-enforcement hold"),
                       Line2D([], [], color="0.3", ls=":", label="now")],
              fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.18 - 1.2 / fig.get_figheight() * 0.3), ncol=4,
              frameon=False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
