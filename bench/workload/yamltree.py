"""Composes YAML text into a node tree (safe: no object is constructed), with bounded nesting, or one error line.

Every input chainmark reads as YAML (workloads, suite manifests, YAML traces) goes through here: aliases
stay shared nodes (never expanded), nesting deeper than `MAX_DEPTH` is refused before Python's
recursion limit is near, and any YAML problem becomes one `WorkloadError` naming file and line.
"""

from __future__ import annotations

import yaml
from yaml.composer import ComposerError

from bench.errors import WorkloadError

MAX_DEPTH = 64  # the deepest workload field is 7 levels down


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, whose (recursive) composer refuses nesting deeper than `MAX_DEPTH`."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
            return super().compose_node(parent, index)  # type: ignore[arg-type]
        finally:
            self.depth -= 1


def compose_yaml(text: str, path: str) -> yaml.Node | None:
    """The root node of YAML `text` (None when it is empty), named `path` in errors."""
    loader = None
    try:
        loader = _BoundedLoader(text)  # checks every character first
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(exc.problem or exc.context).split())
        raise WorkloadError(f"invalid YAML: {problem}", path=path, line=mark.line + 1 if mark else 0) from exc
    except yaml.reader.ReaderError as exc:  # a control character (NUL, ESC, ...) or a lone surrogate
        line = text.count("\n", 0, exc.position) + 1
        raise WorkloadError(
            f"invalid YAML: character #x{exc.character:04x} is not allowed"
            if isinstance(exc.character, int)
            else "invalid YAML: unreadable bytes",
            path=path,
            line=line,
        ) from exc
    except yaml.YAMLError as exc:
        raise WorkloadError(f"invalid YAML: {' '.join(str(exc).split())}", path=path) from exc
    finally:
        if loader is not None:
            loader.dispose()
