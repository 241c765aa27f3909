"""Compiles the benchmark contracts' Solidity sources into the committed artifacts, with the pinned solcjs.

Every `bench/contracts/<Name>.sol` holds one contract `<Name>`; its artifact is
`bench/contracts/artifacts/<Name>.json`: `contractName`, `sourceName`, `abi`, `bytecode` and
`deployedBytecode` (0x-hex) and `compiler` (version and the settings below). solcjs (npm `solc`, installed
into `.tools/` by `make setup`) carries the compiler as wasm, so a build needs node but no network.
The optimizer runs and the EVM version are fixed, so the same sources give the same bytes.

    python -m bench.contracts.build            rebuild the artifacts
    python -m bench.contracts.build --check    rebuild into a temporary folder; exit 1 if any differs
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.errors import ChainmarkError

SOLC_VERSION = "0.8.37"
CONTRACTS_DIR = Path(__file__).resolve().parent
ARTIFACTS_DIR = CONTRACTS_DIR / "artifacts"
PROJECT_ROOT = CONTRACTS_DIR.parents[1]
# "paris": no PUSH0 or later opcodes, so the bytecode runs on consortium chains that lag mainnet forks.
SETTINGS: dict[str, Any] = {"optimizer": {"enabled": True, "runs": 200}, "evmVersion": "paris"}
_OUTPUTS = ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]

# Reads standard-JSON input on stdin, answers {"version", "output"} on stdout.
_COMPILE_JS = """
const solc = require(process.argv[1]);
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  process.stdout.write(JSON.stringify({ version: solc.version(), output: JSON.parse(solc.compile(input)) }));
});
"""


def find_solc(project_root: Path = PROJECT_ROOT) -> tuple[str, Path]:
    """Return (node executable, solcjs package folder); raise ChainmarkError naming the fix if missing."""
    node = shutil.which("node")
    if node is None:
        raise ChainmarkError("node not found on PATH: install Node.js to compile the contracts")
    package = project_root / ".tools" / "node_modules" / "solc"
    if not (package / "index.js").is_file():
        raise ChainmarkError(
            f"solcjs not found at {package}: run `make setup` (installs solc@{SOLC_VERSION})"
        )
    return node, package


def standard_input(sources: dict[str, str]) -> dict[str, Any]:
    """The solc standard-JSON input compiling `sources` (file name -> text) with the pinned settings."""
    return {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sorted(sources.items())},
        "settings": {**SETTINGS, "outputSelection": {"*": {"*": _OUTPUTS}}},
    }


def run_solc(sources: dict[str, str], project_root: Path = PROJECT_ROOT) -> tuple[str, dict[str, Any]]:
    """Compile `sources` with the pinned solcjs; return (compiler version, standard-JSON output)."""
    node, package = find_solc(project_root)
    result = subprocess.run(
        [node, "-e", _COMPILE_JS, str(package)],
        input=json.dumps(standard_input(sources)),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ChainmarkError(f"solcjs failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
    answer = json.loads(result.stdout)
    version = str(answer["version"])
    if not version.startswith(SOLC_VERSION + "+"):
        raise ChainmarkError(f"solcjs at {package} is {version}, expected {SOLC_VERSION}: run `make setup`")
    problems = [e.get("formattedMessage", e.get("message", "")) for e in answer["output"].get("errors", [])]
    if problems:  # warnings too: the sources are kept warning-free
        raise ChainmarkError("solc reported:\n" + "\n".join(problems))
    return version, answer["output"]


def compile_artifacts(contracts_dir: Path = CONTRACTS_DIR) -> dict[str, dict[str, Any]]:
    """Compile every `<Name>.sol` in `contracts_dir`; return the artifact of each contract by name."""
    sources = {path.name: path.read_text() for path in sorted(contracts_dir.glob("*.sol"))}
    if not sources:
        raise ChainmarkError(f"no Solidity sources in {contracts_dir}")
    version, output = run_solc(sources)
    artifacts = {}
    for source_name in sources:
        name = source_name.removesuffix(".sol")
        contract = output["contracts"].get(source_name, {}).get(name)
        if contract is None:
            raise ChainmarkError(f"{source_name} must define a contract named {name}")
        artifacts[name] = {
            "contractName": name,
            "sourceName": source_name,
            "abi": contract["abi"],
            "bytecode": "0x" + contract["evm"]["bytecode"]["object"],
            "deployedBytecode": "0x" + contract["evm"]["deployedBytecode"]["object"],
            "compiler": {"name": "solc", "version": version, "settings": SETTINGS},
        }
    return artifacts


def write_artifacts(artifacts: dict[str, dict[str, Any]], out_dir: Path) -> list[Path]:
    """Write one `<Name>.json` per artifact into `out_dir` (created if needed); return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, artifact in sorted(artifacts.items()):
        path = out_dir / f"{name}.json"
        path.write_text(json.dumps(artifact, indent=2) + "\n")
        paths.append(path)
    return paths


def differences(built_dir: Path, committed_dir: Path) -> list[str]:
    """The artifact file names that differ between two folders (missing on either side included)."""
    built = {p.name: p.read_bytes() for p in built_dir.glob("*.json")}
    committed = {p.name: p.read_bytes() for p in committed_dir.glob("*.json")}
    return sorted(name for name in built.keys() | committed.keys() if built.get(name) != committed.get(name))


def check(contracts_dir: Path = CONTRACTS_DIR, artifacts_dir: Path = ARTIFACTS_DIR) -> list[str]:
    """Rebuild into a temporary folder; return the artifact names that differ from `artifacts_dir`."""
    with tempfile.TemporaryDirectory(prefix="chainmark-contracts-") as tmp:
        write_artifacts(compile_artifacts(contracts_dir), Path(tmp))
        return differences(Path(tmp), artifacts_dir)


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.contracts.build [--check]`: rebuild, or check, the committed artifacts."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.contracts.build", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed artifacts differ")
    args = parser.parse_args(argv)
    try:
        if args.check:
            stale = check()
            for name in stale:
                print(f"differs: {ARTIFACTS_DIR / name}", file=sys.stderr)
            if stale:
                print("error: artifacts are stale: run `make contracts`", file=sys.stderr)
            return 1 if stale else 0
        for path in write_artifacts(compile_artifacts(), ARTIFACTS_DIR):
            print(path.relative_to(PROJECT_ROOT))
    except ChainmarkError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
