"""Benchmark: validate and generate a spec of 1,000 entities, in-process, as the CLI does.

    python -m bench.spec1000            # prints the seconds; --profile prints the top of cProfile

The spec is synthetic: a handful of wide sources, each carrying many business keys. Every key is a
hub, consecutive keys of a source form links, and each hub has satellites over payload columns of
the same source, so every reference resolves and validation has the full work to do.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from pathlib import Path

SOURCES = 8
KEYS_PER_SOURCE = 40  # 320 hubs
LINKS_PER_SOURCE = 25  # 200 links
SATS_PER_SOURCE = 60  # 480 satellites: 1,000 entities in all
PAYLOAD_PER_SAT = 2


def write_spec(spec_dir: Path) -> int:
    """Write the synthetic spec into ``spec_dir``; return the number of entities."""
    spec_dir.mkdir(parents=True, exist_ok=True)
    sources, hubs, links, sats = [], [], [], []
    for s in range(SOURCES):
        keys = [f"k{s}_{i}" for i in range(KEYS_PER_SOURCE)]
        payload = [f"p{s}_{j}" for j in range(SATS_PER_SOURCE * PAYLOAD_PER_SAT)]
        columns = "\n".join(f"      {name}: text" for name in keys + payload)
        sources.append(f"  - name: src{s}\n    file: src{s}.csv\n    columns:\n{columns}\n")
        for key in keys:
            hubs.append(f"  - name: h{key}\n    business_key: {key}\n    sources:\n      - source: src{s}\n")
        for i in range(LINKS_PER_SOURCE):
            pair = f"[h{keys[i]}, h{keys[i + 1]}]"
            links.append(f"  - name: l{s}_{i}\n    hubs: {pair}\n    sources:\n      - source: src{s}\n")
        for j in range(SATS_PER_SOURCE):
            cols = ", ".join(payload[j * PAYLOAD_PER_SAT:(j + 1) * PAYLOAD_PER_SAT])
            sats.append(f"  - name: s{s}_{j}\n    parent: h{keys[j % KEYS_PER_SOURCE]}\n"
                        f"    source: src{s}\n    payload: [{cols}]\n")
    for name, section, items in (("sources", "sources", sources), ("hubs", "hubs", hubs),
                                 ("links", "links", links), ("satellites", "satellites", sats)):
        (spec_dir / f"{name}.yml").write_text(f"{section}:\n" + "".join(items), encoding="utf-8")
    return len(hubs) + len(links) + len(sats)


def validate_and_generate(project: Path) -> int:
    """What `dvkit validate` then `dvkit generate` do; return the number of files written."""
    from generator.render.plan import plan
    from generator.render.writer import write
    from generator.spec.validate import load_spec

    result = load_spec(project / "vault_spec", project)
    if not result.ok:
        raise SystemExit("\n".join(str(p) for p in result.problems[:10]))
    result = load_spec(project / "vault_spec", project)  # generate validates again, as the CLI does
    assert result.spec is not None
    report = write(plan(result.spec), project, check=False)
    return len(report.written)


def measure(profile: bool = False) -> tuple[float, int, int]:
    """Seconds to validate and generate the synthetic spec, its entities and the files written."""
    import generator.render.plan  # noqa: F401  (imports are not what is measured)
    import generator.render.writer  # noqa: F401
    import generator.spec.validate  # noqa: F401

    with tempfile.TemporaryDirectory(prefix="dvkit-spec1000-") as folder:
        project = Path(folder)
        entities = write_spec(project / "vault_spec")
        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        files = validate_and_generate(project)
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    return seconds, entities, files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile run")
    args = parser.parse_args()
    seconds, entities, files = measure(args.profile)
    print(f"validate + generate of {entities} entities ({files} files): {seconds:.2f}s")


if __name__ == "__main__":
    main()
