"""How `cxa analyze` scales: demo exports of 3,000 to 100,000 responses, 10,000 tweets, the
CFPB complaints, and a million demo rows fitted on a sample.

Run from the repository root (heavy: hours for everything; take the lock)::

    flock /tmp/cxa-heavy.lock nice -n 5 .venv/bin/python benchmarks/scale.py
    .venv/bin/python benchmarks/scale.py --cases demo-10k tweets-10k   # some cases only
    .venv/bin/python benchmarks/scale.py --report                      # re-print only

Every run is ``cxa analyze`` in a fresh process (benchmarks/_scale_run.py) with a cold
embedding cache, so the figures include imports, model loading and the writing of the
store, the Parquet files and the report, as a user sees them. Per run:

- seconds per stage (ingest, text, embed (+ the clause-level sentiment branch, which runs
  inside the pass), themes, sentiment (the rest: other languages, per-response), assign
  (responses outside a fit sample), store, files (Parquet), report) and the wall time from
  process start;
- peak memory: the summed PSS of the process and its text workers (sampled), and the peak
  RSS of the main process;
- mentions per second of wall time;
- e2e / raw: the forward passes alone on the same (English-path) mentions, timed in the
  same process after the run (the encoder plus the sentiment branch, as
  benchmarks/scoring.py counts raw; on at most 20,000 of them, scaled), over the wall time;
  and the encoder alone over the wall time.

Then per stage the time per response at 100k over that at 10k, the million-row run
(wall, memory, agreement of its themes with a full fit on a 100,000-row subset of the same
export), and the targets of issue 29. Results accumulate in benchmarks/results/scale.json
(one entry per case, the latest run of each) and are printed to benchmarks/results/scale.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import watch_peak_pss

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "benchmarks" / "results"
STAGES = ("ingest", "text", "embed", "themes", "sentiment", "assign", "store", "files", "report")
DEMO = {"demo-3k": 3_000, "demo-10k": 10_000, "demo-30k": 30_000, "demo-100k": 100_000}
CFPB = ["--text", "Consumer complaint narrative", "--id", "Complaint ID", "--date", "Date received"]
CASES = (*DEMO, "tweets-10k", "cfpb", "demo-1m")
MILLION, SUBSET = 1_000_000, 100_000


# ------------------------------------------------------------------------- exports


def _demo(rows: int, folder: Path) -> Path:
    from analyzer import demo

    return demo.write(folder / f"demo-{rows}.csv", rows, seed=0)[0]


def _tweets(folder: Path) -> Path:
    """The 10,000 SemEval tweets of the themes benchmark (same sample), as an export."""
    from benchmarks import _theme_corpora as corpora

    path = folder / "tweets.csv"
    corpora.tweets().responses.to_csv(path, index=False, encoding="utf-8")
    return path


def _subset(export: Path, rows: int, folder: Path) -> Path:
    frame = pd.read_csv(export, dtype=str, keep_default_na=False)
    part = frame.sample(rows, random_state=0).sort_index()
    path = folder / f"subset-{rows}.csv"
    part.to_csv(path, index=False)
    return path


# ------------------------------------------------------------------------ one run


def run_once(export: Path, out: Path, options: list[str], tmp: Path) -> dict[str, Any]:
    """``cxa analyze`` in a fresh process; its figures (see _scale_run.py) plus memory."""
    result = tmp / f"{out.name}.json"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "CXA_CACHE_DIR": str(tmp / f"cache-{out.name}")}
    cmd = [sys.executable, str(ROOT / "benchmarks" / "_scale_run.py"), str(result)]
    cmd += [str(export), str(out), *options]
    with open(tmp / f"{out.name}.log", "w") as log:
        proc = psutil.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        peak = watch_peak_pss(proc)
    if proc.returncode != 0:
        tail = (tmp / f"{out.name}.log").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"cxa analyze failed on {export.name} ({proc.returncode}):\n{tail}")
    figures = json.loads(result.read_text("utf-8"))
    figures["peak_pss_mb"] = peak
    figures["options"] = options
    return figures


def _agreement(full_out: Path, sampled_out: Path) -> dict[str, float]:
    """Themes of the mentions of a subset: its own full fit against the sampled big run."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    cols = ["mention_id", "theme_id"]
    full = pd.read_parquet(full_out / "mentions.parquet", columns=cols)
    big = pd.read_parquet(sampled_out / "mentions.parquet", columns=cols)
    both = full.merge(big, on="mention_id", suffixes=("_full", "_sampled"))
    a, b = both["theme_id_full"], both["theme_id_sampled"]
    return {
        "mentions": len(both),
        "of_subset": len(full),
        "nmi": float(normalized_mutual_info_score(a, b)),
        "ari": float(adjusted_rand_score(a, b)),
        "unassigned_full": float((a == -1).mean()),
        "unassigned_sampled": float((b == -1).mean()),
    }


def _sample_vs_rest(out: Path, size: int) -> dict[str, float]:
    """Unassigned share of the mentions fitted on (the sample) and of those assigned after."""
    from analyzer.pipeline.sampling import stratified_sample

    responses = pd.read_parquet(out / "responses.parquet", columns=["response_id", "date"])
    chosen = set(responses["response_id"].iloc[stratified_sample(responses["date"], size, 0)])
    m = pd.read_parquet(out / "mentions.parquet", columns=["response_id", "theme_id"])
    fitted = m["response_id"].isin(chosen)
    return {
        "unassigned_sample": float((m.loc[fitted, "theme_id"] == -1).mean()),
        "unassigned_rest": float((m.loc[~fitted, "theme_id"] == -1).mean()),
    }


def run_case(case: str, tmp: Path) -> dict[str, Any]:
    print(f"[{time.strftime('%H:%M:%S')}] {case} ...", flush=True)
    if case in DEMO:
        figures = run_once(_demo(DEMO[case], tmp), tmp / case, [], tmp)
    elif case == "tweets-10k":
        figures = run_once(_tweets(tmp), tmp / case, ["--text", "comment"], tmp)
    elif case == "cfpb":
        figures = run_once(DATA / "cfpb_complaints" / "complaints.csv", tmp / case, CFPB, tmp)
    elif case == "demo-1m":
        export = _demo(MILLION, tmp)
        figures = run_once(export, tmp / case, [], tmp)
        subset = run_once(_subset(export, SUBSET, tmp), tmp / "subset", ["--fit-sample", "0"], tmp)
        figures["subset_full_fit"] = {k: subset[k] for k in ("wall_s", "peak_pss_mb", "stages")}
        figures["agreement"] = _agreement(tmp / "subset", tmp / case)
        figures["agreement"].update(_sample_vs_rest(tmp / case, figures["fit_sample"]["responses"]))
    else:
        raise SystemExit(f"unknown case {case!r}; choose from {', '.join(CASES)}")
    figures["finished"] = time.strftime("%Y-%m-%d %H:%M")
    print(f"    wall {figures['wall_s']:.1f} s, peak {figures['peak_pss_mb']:.0f} MB", flush=True)
    return figures


# ------------------------------------------------------------------------- report


def _ratio(raw: float, wall: float) -> str:
    return f"{raw / wall:.0%}" if wall else "-"


def _table(results: dict[str, Any]) -> list[str]:
    head = ["case", "responses", "mentions", "distinct", *STAGES, "wall s", "PSS MB"]
    head += ["RSS MB", "mentions/s", "raw s", "e2e/raw", "encoder/e2e", "load"]
    rows = [head]
    for case in CASES:
        r = results.get(case)
        if not r:
            continue
        st = r["stages"]
        rows.append(
            [case, f"{r['responses']:,}", f"{r['mentions']:,}", f"{r['distinct_mentions']:,}"]
            + [f"{st[s]:.1f}" if s in st else "-" for s in STAGES]
            + [f"{r['wall_s']:.1f}", f"{r['peak_pss_mb']:,.0f}", f"{r['peak_rss_mb']:,.0f}"]
            + [f"{r['mentions'] / r['wall_s']:.0f}", f"{r['raw_s']:.1f}"]
            + [_ratio(r["raw_s"], r["wall_s"]), _ratio(r["encoder_s"], r["wall_s"])]
            + [f"{r['load_average']:.1f}"]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    return ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows]


def _stage_ratios(results: dict[str, Any]) -> tuple[list[str], float | None]:
    small, big = results.get("demo-10k"), results.get("demo-100k")
    if not small or not big:
        return ["(needs demo-10k and demo-100k)"], None
    lines, worst = [], 0.0
    for stage in STAGES:
        a, b = small["stages"].get(stage), big["stages"].get(stage)
        if not a or b is None:
            continue
        ratio = (b / big["responses"]) / (a / small["responses"])
        worst = max(worst, ratio)
        lines.append(f"  {stage:<10} {a:8.1f} s -> {b:8.1f} s   per response x{ratio:.2f}")
    return lines, worst


def _targets(results: dict[str, Any], worst: float | None) -> list[str]:
    def line(name: str, case: str, value: Any, ok: bool | None) -> str:
        state = "n/a   " if ok is None else ("met   " if ok else "MISSED")
        return f"{state}  {name}: {value if case in results else 'not run'}"

    ten, hundred = results.get("demo-10k"), results.get("demo-100k")
    tweets = results.get("tweets-10k")
    out = [
        line(
            "10,000 demo responses in <= 60 s wall",
            "demo-10k",
            ten and f"{ten['wall_s']:.1f} s",
            ten and ten["wall_s"] <= 60,
        ),
        line(
            "100,000 demo responses in <= 600 s",
            "demo-100k",
            hundred and f"{hundred['wall_s']:.1f} s",
            hundred and hundred["wall_s"] <= 600,
        ),
        line(
            "100,000 demo responses: peak memory <= 4 GB (summed PSS)",
            "demo-100k",
            hundred and f"{hundred['peak_pss_mb'] / 1024:.2f} GB",
            hundred and hundred["peak_pss_mb"] <= 4096,
        ),
        line(
            "10,000 tweets in <= 90 s",
            "tweets-10k",
            tweets and f"{tweets['wall_s']:.1f} s",
            tweets and tweets["wall_s"] <= 90,
        ),
        line(
            "e2e / raw >= 75% at 10,000 demo responses",
            "demo-10k",
            ten and _ratio(ten["raw_s"], ten["wall_s"]),
            ten and ten["raw_s"] / ten["wall_s"] >= 0.75,
        ),
    ]
    ok = None if worst is None else worst <= 1.3
    out.append(
        line("no stage per response at 100k > 1.3x 10k", "demo-100k", worst and f"x{worst:.2f}", ok)
    )
    return out


def _million(results: dict[str, Any]) -> list[str]:
    r = results.get("demo-1m")
    if not r:
        return ["(not run: --cases demo-1m)"]
    a, sample, sub = r["agreement"], r["fit_sample"], r["subset_full_fit"]
    return [
        f"  {r['responses']:,} responses, {r['mentions']:,} mentions; themes fitted on "
        f"{sample['responses']:,} responses ({sample['mentions']:,} mentions), the rest assigned",
        f"  wall {r['wall_s']:.0f} s, peak PSS {r['peak_pss_mb']:,.0f} MB "
        f"(main process RSS {r['peak_rss_mb']:,.0f} MB)",
        f"  a full fit on a random {SUBSET:,}-row subset of the same export: wall "
        f"{sub['wall_s']:.0f} s, peak PSS {sub['peak_pss_mb']:,.0f} MB",
        f"  its {a['mentions']:,} mentions, themes of the full fit vs the sampled run: "
        f"NMI {a['nmi']:.3f}, ARI {a['ari']:.3f}",
        f"  unassigned: full fit {a['unassigned_full']:.1%}, sampled run "
        f"{a['unassigned_sampled']:.1%} (its sample {a['unassigned_sample']:.1%}, "
        f"the rest {a['unassigned_rest']:.1%})",
    ]


def render(results: dict[str, Any]) -> str:
    ratios, worst = _stage_ratios(results)
    return "\n".join(
        [
            "benchmarks/scale.py: cxa analyze in a fresh process per run, cold caches "
            f"({os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
            f"python {platform.python_version()})",
            "stages in seconds; 'embed' includes the clause-level sentiment branch (one pass);",
            "PSS: peak summed over the process and its text workers; RSS: main process peak;",
            "raw: encoder + sentiment branch forward passes alone on the same mentions, timed",
            "after the run in the same process; e2e/raw = raw / wall; load: 1-min load average",
            "at the end of the run (2 = both cores busy).",
            "",
            *_table(results),
            "",
            "per stage, time per response at 100k over 10k (demo):",
            *ratios,
            "",
            "a million demo rows (themes fitted on a sample, the rest assigned):",
            *_million(results),
            "",
            "targets (issue 29):",
            *_targets(results, worst),
            "",
            "runs: " + ", ".join(f"{c} {results[c]['finished']}" for c in CASES if c in results),
        ]
    )


def _keep(tmp: Path, case: str, keep: Path) -> None:
    import shutil

    for name in (case, "subset"):
        if (tmp / name).is_dir():
            target = keep / (case if name == case else f"{case}-subset")
            target.mkdir(parents=True, exist_ok=True)
            for table in (tmp / name).glob("*.parquet"):
                shutil.copy2(table, target / table.name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=CASES)
    parser.add_argument("--report", action="store_true", help="print the stored results only")
    parser.add_argument("--results", type=Path, default=RESULTS / "scale.json")
    parser.add_argument("--keep", type=Path, help="copy each run's tables (Parquet) here")
    args = parser.parse_args(argv)
    stored = json.loads(args.results.read_text("utf-8")) if args.results.exists() else {}
    if not args.report:
        with tempfile.TemporaryDirectory(prefix="cxa-scale-") as tmp:
            for case in args.cases:
                stored[case] = run_case(case, Path(tmp))
                if args.keep is not None:
                    _keep(Path(tmp), case, args.keep)
                args.results.parent.mkdir(parents=True, exist_ok=True)
                args.results.write_text(json.dumps(stored, indent=2) + "\n", "utf-8")
    text = render(stored)
    print(text)
    (args.results.parent / "scale.txt").write_text(text + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
