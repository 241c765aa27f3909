"""`chainmark run --master`: the unauthenticated master listens on this machine only unless told otherwise."""

from __future__ import annotations

import pytest

from bench.cli import _cluster_options, _parser


def test_master_binds_loopback_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    args = _parser().parse_args(["run", "w.yaml", "--master", "--expect-workers", "2"])
    options = _cluster_options(args)
    assert (options.bind_host, options.bind_port) == ("127.0.0.1", 5557)
    assert capsys.readouterr().err == ""


def test_an_explicit_remote_bind_is_warned_about(capsys: pytest.CaptureFixture[str]) -> None:
    args = _parser().parse_args(
        ["run", "w.yaml", "--master", "--expect-workers", "2", "--master-bind", "0.0.0.0:6000"]
    )
    options = _cluster_options(args)
    assert (options.bind_host, options.bind_port) == ("0.0.0.0", 6000)
    assert capsys.readouterr().err == (
        "warning: --master-bind 0.0.0.0: workers anywhere that reaches port 6000 can join, unauthenticated, "
        "and receive this run's signed transactions; bind only on a trusted network\n"
    )
