"""Chain families behind one seam (bench.chains.base): each subpackage holds what only that family knows.

The engine, the load path, the observer, the results and the report import only `base` (the protocols
and the facts records) and `registry` (the families by `target.chain` name); tests/test_layering.py
checks it.
"""
