"""Render a `chainmark core` run (its core.json document) as one self-contained Plotly HTML page."""

import html
from collections.abc import Iterable

import plotly.graph_objects as go

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th { background: #f3f3f3; } td.text { text-align: left; }
.met { color: #17803d; font-weight: bold; } .missed { color: #b42318; font-weight: bold; }
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _table(headers: list[str], rows: Iterable[list[object]], text_columns: int = 1) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            css = ' class="text"' if i < text_columns else ""
            cells.append(f"<td{css}>{cell if isinstance(cell, _Html) else _e(_fmt(cell))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


class _Html(str):
    """Markup built here from escaped parts (not escaped again)."""


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
    return "" if value is None else str(value)


def _targets(doc: dict) -> str:
    rows = []
    for t in doc["targets"]:
        if t["met"]:
            verdict = _Html('<span class="met">met</span>')
        else:
            shortfall = _e(f"{t['shortfall']:.2f}")
            verdict = _Html(f'<span class="missed">missed by {shortfall}x</span>')
        bound = (">= " if t["higher_is_better"] else "<= ") + f"{t['limit']:g}"
        rows.append([t["name"], f"{t['measured']:.3f}", bound, verdict, t["detail"]])
    return _table(["target", "measured", "limit", "result", "how"], rows, text_columns=1)


def _kernel_table(doc: dict) -> str:
    base = {(b["algorithm"], b["message_bytes"]): b for b in doc["baselines"]}
    rows = []
    for k in doc["kernels"]:
        b = base.get((k["algorithm"], k["message_bytes"]))
        speedup = b["ns_per_message"] / k["ns_per_message"] if b else None
        rows.append(
            [
                k["algorithm"],
                k["path"],
                k["message_bytes"],
                k["threads"],
                k["ns_per_message"],
                k["ns_per_block"],
                k["megabytes_per_second"],
                b["ns_per_message"] if b else None,
                b["library"] if b else "",
                speedup,
            ]
        )
    headers = ["algorithm", "path", "bytes", "threads", "ns/msg", "ns/block", "MB/s", "baseline ns/msg"]
    return _table([*headers, "baseline", "speed-up"], rows, text_columns=2)


def _merkle_table(doc: dict) -> str:
    rows = [
        [
            m["scheme"],
            m["leaves"],
            m["threads"],
            m["best_seconds"] * 1e3,
            m["ideal_seconds"] * 1e3,
            m["ratio_to_ideal"],
            None if m.get("list_seconds") is None else m["list_seconds"] * 1e3,
        ]
        for m in doc["merkle"]
    ]
    rows += [
        [b["scheme"] + " / " + b["library"], b["leaves"], 1, b["seconds"] * 1e3, None, None, None]
        for b in doc["merkle_baselines"]
    ]
    headers = ["scheme", "leaves", "threads", "ms", "ideal ms", "ratio to ideal", "ms from a list of bytes"]
    return _table(headers, rows)


def _openssl_table(doc: dict) -> str:
    rows = [
        [o["evp"], o["message_bytes"], o["processes"], o["bytes_per_second"] / 1e6, o["ns_per_call"]]
        for o in doc["openssl"]
    ]
    return _table(["openssl -evp", "bytes", "processes", "MB/s", "ns/call (per process)"], rows)


def _compile_table(doc: dict) -> str:
    rows = [
        [
            c["algorithm"],
            c["cold_import_seconds"],
            c["cold_first_call_seconds"],
            c["cached_import_seconds"],
            c["cached_first_call_seconds"],
        ]
        for c in doc["compile"]
    ]
    return _table(
        ["algorithm", "cold import s", "cold first call s", "cached import s", "cached first call s"], rows
    )


def _throughput_figure(doc: dict) -> go.Figure:
    """MB/s at 64-byte messages: every kernel variant, its baseline and OpenSSL."""
    fig = go.Figure()
    for t in doc["threads"]:
        ks = [k for k in doc["kernels"] if k["message_bytes"] == 64 and k["threads"] == t]
        fig.add_bar(
            name=f"numba, {t} thread(s)",
            x=[f"{k['algorithm']} ({k['path']})" for k in ks],
            y=[k["megabytes_per_second"] for k in ks],
        )
    bs = [b for b in doc["baselines"] if b["message_bytes"] == 64]
    fig.add_bar(
        name="hashlib / pycryptodome",
        x=[f"{b['algorithm']} ({p})" for b in bs for p in _paths(doc, b["algorithm"])],
        y=[64e3 / b["ns_per_message"] for b in bs for _ in _paths(doc, b["algorithm"])],
    )
    evp = {"sha256": "sha256", "keccak256": "sha3-256", "sm3": "sm3"}
    os_ = {o["evp"]: o for o in doc["openssl"] if o["message_bytes"] == 64 and o["processes"] == 1}
    xs, ys = [], []
    for algorithm, name in evp.items():
        if name in os_:
            for p in _paths(doc, algorithm):
                xs.append(f"{algorithm} ({p})")
                ys.append(os_[name]["bytes_per_second"] / 1e6)
    fig.add_bar(name="OpenSSL (1 process)", x=xs, y=ys)
    fig.update_layout(
        title="Throughput at 64-byte messages (MB/s, higher is better)", barmode="group", yaxis_type="log"
    )
    return fig


def _paths(doc: dict, algorithm: str) -> list[str]:
    return list(dict.fromkeys(k["path"] for k in doc["kernels"] if k["algorithm"] == algorithm))


def _size_figure(doc: dict) -> go.Figure:
    fig = go.Figure()
    top = doc["threads"][-1]
    for key in dict.fromkeys((k["algorithm"], k["path"]) for k in doc["kernels"]):
        ks = sorted(
            (k for k in doc["kernels"] if (k["algorithm"], k["path"]) == key and k["threads"] == top),
            key=lambda k: k["message_bytes"],
        )
        fig.add_scatter(
            name=f"{key[0]} ({key[1]})",
            x=[k["message_bytes"] for k in ks],
            y=[k["megabytes_per_second"] for k in ks],
            mode="lines+markers",
        )
    os_ = sorted(
        (o for o in doc["openssl"] if o["evp"] == "sha256" and o["processes"] == 1),
        key=lambda o: o["message_bytes"],
    )
    fig.add_scatter(
        name="OpenSSL sha256",
        x=[o["message_bytes"] for o in os_],
        y=[o["bytes_per_second"] / 1e6 for o in os_],
        mode="lines+markers",
        line_dash="dash",
    )
    fig.update_layout(
        title=f"Throughput by message size, {top} thread(s) (MB/s)",
        xaxis_type="log",
        yaxis_type="log",
        xaxis_title="message bytes",
    )
    return fig


def _limit_figure(doc: dict) -> go.Figure:
    """Each target as measured / limit, normalised so that <= 1 means met."""
    ts = doc["targets"]
    ratio = [t["limit"] / t["measured"] if t["higher_is_better"] else t["measured"] / t["limit"] for t in ts]
    fig = go.Figure(
        go.Bar(
            x=ratio,
            y=[t["name"] for t in ts],
            orientation="h",
            marker_color=["#17803d" if t["met"] else "#b42318" for t in ts],
        )
    )
    fig.add_vline(x=1.0, line_dash="dash")
    fig.update_layout(
        title="Ratio to the limit (<= 1 meets the target)", height=120 + 40 * len(ts), margin={"l": 520}
    )
    return fig


def _scaling_figure(doc: dict) -> go.Figure:
    fig = go.Figure()
    for key in dict.fromkeys((k["algorithm"], k["path"]) for k in doc["kernels"] if k["message_bytes"] == 64):
        ks = sorted(
            (k for k in doc["kernels"] if (k["algorithm"], k["path"]) == key and k["message_bytes"] == 64),
            key=lambda k: k["threads"],
        )
        if ks:
            fig.add_scatter(
                name=f"{key[0]} ({key[1]})",
                x=[k["threads"] for k in ks],
                y=[ks[0]["ns_per_message"] / k["ns_per_message"] for k in ks],
                mode="lines+markers",
            )
    fig.update_layout(
        title="Scaling with threads at 64-byte messages (speed-up over 1 thread)",
        xaxis_title="threads",
        yaxis_title="speed-up",
    )
    return fig


def _merkle_figure(doc: dict) -> go.Figure:
    fig = go.Figure()
    for key in dict.fromkeys((m["scheme"], m["threads"]) for m in doc["merkle"]):
        ms = sorted(
            (m for m in doc["merkle"] if (m["scheme"], m["threads"]) == key), key=lambda m: m["leaves"]
        )
        fig.add_scatter(
            name=f"{key[0]}, {key[1]} thread(s)",
            x=[m["leaves"] for m in ms],
            y=[m["best_seconds"] for m in ms],
            mode="lines+markers",
        )
        if key[1] == doc["threads"][-1]:
            fig.add_scatter(
                name=f"{key[0]} ideal",
                x=[m["leaves"] for m in ms],
                y=[m["ideal_seconds"] for m in ms],
                mode="lines",
                line_dash="dot",
            )
    for key in dict.fromkeys((b["scheme"], b["library"]) for b in doc["merkle_baselines"]):
        bs = sorted(
            (b for b in doc["merkle_baselines"] if (b["scheme"], b["library"]) == key),
            key=lambda b: b["leaves"],
        )
        fig.add_scatter(
            name=f"{key[0]} {key[1]}",
            x=[b["leaves"] for b in bs],
            y=[b["seconds"] for b in bs],
            mode="lines+markers",
            line_dash="dash",
        )
    fig.update_layout(
        title="Merkle root time by leaf count (s)", xaxis_type="log", yaxis_type="log", xaxis_title="leaves"
    )
    return fig


def _compile_figure(doc: dict) -> go.Figure:
    cs = doc["compile"]
    fig = go.Figure()
    fig.add_bar(
        name="cold cache", x=[c["algorithm"] for c in cs], y=[c["cold_first_call_seconds"] for c in cs]
    )
    fig.add_bar(name="cached", x=[c["algorithm"] for c in cs], y=[c["cached_first_call_seconds"] for c in cs])
    fig.update_layout(title="First call in a fresh process (s): numba compile vs cache load", barmode="group")
    return fig


def render_core_report(doc: dict) -> str:
    """The whole page: run facts and tables first, then the charts; plotly.js is inlined (works offline)."""
    figures = [
        _limit_figure(doc),
        _throughput_figure(doc),
        _size_figure(doc),
        _scaling_figure(doc),
        _merkle_figure(doc),
    ]
    if doc["compile"]:
        figures.append(_compile_figure(doc))
    charts = [fig.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, fig in enumerate(figures)]
    machine = _table(["machine", "value"], [[k, v] for k, v in doc["machine"].items()], text_columns=2)
    title = f"chainmark core — {doc['started_utc']}" + (" (quick)" if doc["quick"] else "")
    sections = [
        f"<h1>{_e(title)}</h1>",
        f"<p>threads measured: {_e(', '.join(map(str, doc['threads'])))}</p>",
        machine,
        "<h2>Targets</h2>",
        _targets(doc),
        "<h2>Kernels</h2>",
        _kernel_table(doc),
        "<h2>Merkle roots</h2>",
        _merkle_table(doc),
        "<h2>OpenSSL</h2>",
        _openssl_table(doc),
        "<h2>Compile times</h2>",
        _compile_table(doc),
        "<h2>Charts</h2>",
        *charts,
    ]
    head = f'<meta charset="utf-8"><title>{_e(title)}</title><style>{_STYLE}</style>'
    return f"<!DOCTYPE html><html><head>{head}</head><body>{''.join(sections)}</body></html>\n"
