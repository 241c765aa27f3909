"""The Markdown tables written from a core.json document."""

from bench.core.markdown import format_core_markdown

DOC = {
    "targets": [
        {"name": "SHA-256", "measured": 0.3, "limit": 0.4, "higher_is_better": False, "met": True, "shortfall": 1.0,
         "detail": "79 ns vs 248 ns"},
        {"name": "scaling", "measured": 1.5, "limit": 1.7, "higher_is_better": True, "met": False,
         "shortfall": 1.1333, "detail": "x"},
    ],
    "kernels": [
        {"algorithm": "sha256", "path": "sha-ni", "threads": 1, "message_bytes": 64, "ns_per_message": 80.0,
         "ns_per_block": 40.0, "megabytes_per_second": 800.0},
        {"algorithm": "sha256", "path": "sha-ni", "threads": 1, "message_bytes": 1024, "ns_per_message": 900.0,
         "ns_per_block": 50.0, "megabytes_per_second": 1100.0},
    ],
    "baselines": [{"algorithm": "sha256", "message_bytes": 64, "library": "hashlib", "ns_per_message": 400.0}],
    "merkle": [
        {"scheme": "bitcoin", "leaves": 16, "threads": 2, "best_seconds": 0.001, "ideal_seconds": 0.001,
         "ratio_to_ideal": 1.0},
        {"scheme": "bitcoin", "leaves": 1024, "threads": 2, "best_seconds": 0.01, "ideal_seconds": 0.008,
         "ratio_to_ideal": 1.25, "list_seconds": 0.03},
    ],
    "merkle_baselines": [{"scheme": "bitcoin", "leaves": 1024, "library": "hashlib loop", "seconds": 0.2}],
    "compile": [{"algorithm": "sha256", "cold_first_call_seconds": 9.8, "cached_first_call_seconds": 0.22,
                 "cached_import_seconds": 0.45}],
}  # fmt: skip


def test_tables() -> None:
    text = format_core_markdown(DOC)
    assert "| SHA-256 | 0.300 | <= 0.4 | met | 79 ns vs 248 ns |" in text
    assert "| scaling | 1.500 | >= 1.7 | missed by 1.13x | x |" in text
    assert "| sha256 | sha-ni | 1 | 80.0 | 40.0 | 800 | 400 (hashlib) | 5.0x |" in text
    assert "1024 B" not in text and "| 900.0 |" not in text
    assert "| bitcoin | 1024 | 2 | 10.0 | 8.0 | 1.25 | hashlib loop 0.20 s (20x) | 30.0 |" in text
    assert "| sha256 | 9.8 | 0.22 | 0.45 |" in text
