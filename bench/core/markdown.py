"""Format a core.json document as Markdown tables (targets, kernels, Merkle roots, compile times)."""

from collections.abc import Sequence


def _row(cells: Sequence[object]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(headers: list[str], rows: Sequence[Sequence[object]]) -> str:
    lines = [_row(headers), _row(["---"] * len(headers))]
    return "\n".join(lines + [_row(r) for r in rows])


def format_targets(doc: dict) -> str:
    rows = []
    for t in doc["targets"]:
        bound = (">= " if t["higher_is_better"] else "<= ") + f"{t['limit']:g}"
        verdict = "met" if t["met"] else f"missed by {t['shortfall']:.2f}x"
        rows.append([t["name"], f"{t['measured']:.3f}", bound, verdict, t["detail"]])
    return _table(["target", "measured", "limit", "result", "how"], rows)


def format_kernels(doc: dict, message_bytes: int = 64) -> str:
    base = {(b["algorithm"], b["message_bytes"]): b for b in doc["baselines"]}
    rows = []
    for k in doc["kernels"]:
        if k["message_bytes"] != message_bytes:
            continue
        b = base.get((k["algorithm"], k["message_bytes"]))
        rows.append(
            [
                k["algorithm"],
                k["path"],
                k["threads"],
                f"{k['ns_per_message']:.1f}",
                f"{k['ns_per_block']:.1f}",
                f"{k['megabytes_per_second']:.0f}",
                f"{b['ns_per_message']:.0f} ({b['library']})" if b else "",
                f"{b['ns_per_message'] / k['ns_per_message']:.1f}x" if b else "",
            ]
        )
    headers = ["algorithm", "path", "threads", "ns/msg", "ns/block", "MB/s", "baseline ns/msg", "speed-up"]
    return _table(headers, rows)


def _ms(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds * 1e3:.1f}"  # core.json version 1 had no list timing


def format_merkle(doc: dict) -> str:
    largest = max(m["leaves"] for m in doc["merkle"])
    base = {(b["scheme"], b["leaves"]): b for b in doc["merkle_baselines"]}
    rows = []
    for m in doc["merkle"]:
        if m["leaves"] != largest:
            continue
        others = [b for (scheme, leaves), b in base.items() if scheme == m["scheme"] and leaves == largest]
        vs = ", ".join(
            f"{b['library']} {b['seconds']:.2f} s ({b['seconds'] / m['best_seconds']:.0f}x)" for b in others
        )
        rows.append(
            [m["scheme"], m["leaves"], m["threads"], f"{m['best_seconds'] * 1e3:.1f}", f"{m['ideal_seconds'] * 1e3:.1f}",
             f"{m['ratio_to_ideal']:.2f}", vs, _ms(m.get("list_seconds"))]
        )  # fmt: skip
    headers = [
        "scheme",
        "leaves",
        "threads",
        "ms",
        "ideal ms",
        "ratio",
        "baseline",
        "ms from a list of bytes",
    ]
    return _table(headers, rows)


def format_compile(doc: dict) -> str:
    rows = [
        [c["algorithm"], f"{c['cold_first_call_seconds']:.1f}", f"{c['cached_first_call_seconds']:.2f}",
         f"{c['cached_import_seconds']:.2f}"]
        for c in doc["compile"]
    ]  # fmt: skip
    return _table(["algorithm", "first call, cold cache (s)", "first call, cached (s)", "import (s)"], rows)


def format_core_markdown(doc: dict) -> str:
    """All four tables with headings."""
    parts = [
        "### Targets",
        format_targets(doc),
        "### Kernels, 64-byte messages",
        format_kernels(doc),
        "### Merkle roots",
        format_merkle(doc),
        "### numba compile and cache",
        format_compile(doc),
    ]
    return "\n\n".join(parts) + "\n"
