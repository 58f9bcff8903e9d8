"""The class report: what a grading run says about the class, for the instructor.

    rnn-course report gradebook.csv --out report.html      # also writes report.json

It reads the grader's sidecar ``gradebook.details.json`` (beside the gradebook) and writes one
self-contained HTML file (figures embedded as PNG, no script, no network) and the same numbers as
JSON. Per exercise: the distribution of points, the pass rate, the most frequent named mistakes
with their counts, their share of the failing submissions and the message students saw. Then the
statuses and flags, and the time per submission. No submission is named unless ``names=True``.
"""

import base64
import html
import io
import json
import statistics
from collections import Counter
from pathlib import Path

DETAILS_VERSION = 1
TOP_MISTAKES = 5


class ReportError(Exception):
    """A details file that is missing, unreadable or of another version."""


def details_path(path):
    """The sidecar of a gradebook: ``x.csv`` -> ``x.details.json``; a ``.json`` path is kept."""
    path = Path(path)
    return path if path.suffix == ".json" else path.with_name(f"{path.stem}.details.json")


def load_details(path):
    """The grader's details (a dict), checked for the fields the report reads."""
    path = details_path(path)
    try:
        details = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(
            f"{path} not found: grade with `rnn-course grade ... --out` first"
        ) from None
    except (OSError, ValueError) as exc:
        raise ReportError(f"{path} cannot be read: {exc}") from None
    if not isinstance(details, dict) or details.get("version") != DETAILS_VERSION:
        raise ReportError(f"{path}: expected version {DETAILS_VERSION} of the grader's details")
    if not isinstance(details.get("submissions"), list):
        raise ReportError(f"{path}: no list of submissions")
    return details


# ---------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------


def exercise_summary(exercise_id, entries):
    """One exercise over the submissions that had it: ``entries`` are their details for it."""
    failing = [e for e in entries if e["outcome"] in ("failed", "error")]
    named = Counter(e["mistake"] for e in failing if e.get("mistake") not in (None, "unnamed"))
    mistakes = []
    for mistake, count in named.most_common(TOP_MISTAKES):
        messages = Counter(e["message"] for e in failing if e.get("mistake") == mistake)
        mistakes.append(
            {
                "mistake": mistake,
                "count": count,
                "share_of_failing": round(count / len(failing), 3),
                "message": messages.most_common(1)[0][0],
            }
        )
    outcomes = Counter(e["outcome"] for e in entries)
    points = Counter(e["points"] for e in entries)
    return {
        "exercise": exercise_id,
        "max_points": max((e["max_points"] for e in entries), default=0),
        "submissions": len(entries),
        "pass_rate": round(outcomes["passed"] / len(entries), 3) if entries else None,
        "outcomes": dict(sorted(outcomes.items())),
        "points": {str(p): points[p] for p in sorted(points)},
        "failing": len(failing),
        "unnamed": sum(1 for e in failing if e.get("mistake") in (None, "unnamed")),
        "mistakes": mistakes,
    }


def time_summary(seconds):
    """Median, 90th percentile and maximum seconds per submission."""
    if not seconds:
        return {"count": 0}
    ordered = sorted(seconds)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    rounded = [round(s, 2) for s in ordered]
    return {
        "count": len(ordered),
        "median": round(statistics.median(ordered), 2),
        "p90": round(p90, 2),
        "max": round(ordered[-1], 2),
        "seconds": rounded,
    }


def summarise(details, names=False):
    """The report's numbers (a JSON-ready dict). ``names`` adds one row per submission."""
    subs = details["submissions"]
    by_exercise = {}
    for sub in subs:
        for exercise_id, entry in (sub.get("exercises") or {}).items():
            by_exercise.setdefault(exercise_id, []).append(entry)
    summary = {
        "submissions": len(subs),
        "lessons": dict(sorted(Counter(s.get("lesson") or "unknown" for s in subs).items())),
        "statuses": dict(sorted(Counter(s.get("status", "") for s in subs).items())),
        "flags": dict(sorted(Counter(f for s in subs for f in s.get("flags") or []).items())),
        "flagged": sum(1 for s in subs if s.get("flags")),
        "exercises": [exercise_summary(e, by_exercise[e]) for e in sorted(by_exercise)],
        "time": time_summary(
            [s["seconds"] for s in subs if isinstance(s.get("seconds"), (int, float))]
        ),
    }
    if names:
        summary["by_submission"] = [
            {
                "submission": s["submission"],
                "status": s.get("status"),
                "points": sum(e["points"] for e in (s.get("exercises") or {}).values()),
            }
            for s in subs
        ]
    return summary


# ---------------------------------------------------------------------------------------------
# Figures and HTML
# ---------------------------------------------------------------------------------------------


def _png(fig):
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def points_figure(exercise):
    """Bars: how many submissions got each number of points on one exercise."""
    from ..viz import style

    fig, ax = style.new_figure(6.0, 2.4)
    values = list(range(exercise["max_points"] + 1))
    counts = [exercise["points"].get(str(v), 0) for v in values]
    ax.bar(values, counts, color="#4c72b0")
    ax.set_xlabel("points", fontsize=style.LABEL)
    ax.set_ylabel("submissions", fontsize=style.LABEL)
    ax.set_title(f"{exercise['exercise']}: points", fontsize=style.TITLE)
    ax.yaxis.get_major_locator().set_params(integer=True)
    return _png(style.finish(fig))


def time_figure(time):
    """A histogram of seconds per submission."""
    from ..viz import style

    fig, ax = style.new_figure(6.0, 2.4)
    ax.hist(time["seconds"], bins=min(20, max(5, time["count"] // 2)), color="#55a868")
    ax.set_xlabel("seconds per submission", fontsize=style.LABEL)
    ax.set_ylabel("submissions", fontsize=style.LABEL)
    ax.set_title("Time to grade", fontsize=style.TITLE)
    return _png(style.finish(fig))


STYLE = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;
text-align:left}img{display:block;margin:.5rem 0}code{background:#f4f4f4}"""


def _table(header, rows):
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _img(png, alt):
    return f'<img src="data:image/png;base64,{png}" alt="{html.escape(alt)}">'


def exercise_html(exercise):
    rate = "—" if exercise["pass_rate"] is None else f"{100 * exercise['pass_rate']:.0f} %"
    parts = [
        f"<h2><code>{html.escape(exercise['exercise'])}</code></h2>",
        f"<p>{exercise['submissions']} submissions; pass rate {rate}; "
        f"{exercise['outcomes'].get('not_attempted', 0)} not attempted; "
        f"{exercise['failing']} failing, of which {exercise['unnamed']} with no named mistake.</p>",
        _img(points_figure(exercise), f"points on {exercise['exercise']}"),
    ]
    if exercise["mistakes"]:
        rows = [
            (m["mistake"], m["count"], f"{100 * m['share_of_failing']:.0f} %", m["message"])
            for m in exercise["mistakes"]
        ]
        parts.append("<h3>Most frequent mistakes</h3>")
        parts.append(_table(("mistake", "count", "share of failing", "what students saw"), rows))
    return "\n".join(parts)


def render_html(summary):
    """The report as one self-contained HTML page (figures as data: URLs)."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<link rel='icon' href='data:,'><title>Class report</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Class report</h1>",
        f"<p>{summary['submissions']} submissions.</p>",
        _table(("lesson", "submissions"), summary["lessons"].items()),
        "<h2>Statuses</h2>",
        _table(("status", "submissions"), summary["statuses"].items()),
    ]
    if summary["flags"]:
        parts += [
            "<h2>Flags</h2>",
            f"<p>{summary['flagged']} submissions flagged for a look (refused code already scored 0;"
            " a copied answer key kept its score).</p>",
            _table(("flag", "submissions"), summary["flags"].items()),
        ]
    parts += [exercise_html(e) for e in summary["exercises"]]
    time = summary["time"]
    if time["count"]:
        parts.append("<h2>Time per submission</h2>")
        parts.append(
            f"<p>median {time['median']} s, 90th percentile {time['p90']} s, "
            f"longest {time['max']} s.</p>"
        )
        parts.append(_img(time_figure(time), "seconds per submission"))
    if "by_submission" in summary:
        rows = [(s["submission"], s["status"], s["points"]) for s in summary["by_submission"]]
        parts += ["<h2>Submissions</h2>", _table(("submission", "status", "points"), rows)]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(gradebook, out, names=False):
    """Write ``out`` (HTML) and ``out`` with ``.json`` (the numbers); returns the summary."""
    from ..grading.gradebook import write_atomic

    summary = summarise(load_details(gradebook), names=names)
    out = Path(out)
    write_atomic(out, render_html(summary))
    write_atomic(out.with_suffix(".json"), json.dumps(summary, indent=1) + "\n")
    return summary
