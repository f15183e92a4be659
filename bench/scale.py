"""Scale benchmark: index build, refresh, warm and one-shot query at 10k..10M sentences.

Unpacks the shared data's gutenberg library (466 public-domain books, found by
walking up from this checkout, or ``--books``) to a temporary folder, takes
subsets of about 10k, 100k and 1M sentences (the first files in sorted order),
the whole library, and ``10m``: the whole library six times over in six
folders, each copy's files ending with a line that names the copy (so no two
documents are the same; about 9.6M sentences, 1 GB), and measures with the
real ``qa`` command and library:

- full index from scratch (wall time, peak RSS and peak anonymous memory of the
  process tree: RssAnon, so pages of memory-mapped index files do not count),
- the index's size on disk,
- refresh (``qa index``, the whole process) after one book changes (the median
  of three, a different book each time), after 100 books change, after one is
  deleted,
- warm query latency (library calls on a loaded index, in a process of its own; p50/p95),
- one-shot ``qa ask`` as a whole process on an existing index (median, max RSS),
- on the seeds: one-shot ``qa ask`` against ``python -c "import rich.console"``.

``--qa-root DIR`` measures the qa source tree in DIR instead of this checkout
(e.g. an older commit unpacked with ``git archive``), with the same questions.

Processes are timed from a small launcher that starts them and reads their
peak memory from ``wait4``: the figures are the child's own, not this
(large) benchmark process's. Before timing, qa's modules are compiled to
``.pyc`` as ``pip install`` does (an editable install under
``PYTHONDONTWRITEBYTECODE`` would otherwise recompile them on every run).

Prints a table, then one JSON line. Usage::

    python bench/scale.py                 # everything but 10m (~5 minutes on 2 cores)
    python bench/scale.py --sizes 1m,10m --no-full
    python bench/scale.py --sizes 1m --no-full --qa-root /tmp/old-qa
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _unpack_script() -> Path:
    """``shared/data/gutenberg/unpack.sh`` in the nearest folder above this checkout that has it.

    A checkout may sit at any depth (a git worktree is not next to ``shared/``).
    """
    for folder in HERE.parents:
        found = folder / "shared" / "data" / "gutenberg" / "unpack.sh"
        if found.exists():
            return found
    raise SystemExit("cannot find shared/data/gutenberg/unpack.sh above this checkout: pass --books")


#: The qa source tree measured (``--qa-root``); None: this checkout.
QA_ROOT: Path = HERE.parent
#: Refreshes after one book changes, timed each with another book: their median is reported.
REFRESH_RUNS = 3
#: Gutenberg text has about one sentence per 97 bytes (1M sentences ~ 97 MB).
BYTES_PER_SENTENCE = 97
SEEDS_QUESTION = "Who led the Chinese delegation that went to North Korea?"


def qa_cmd() -> list[str]:
    """The qa of :data:`QA_ROOT` (``PYTHONPATH`` is set to it in :func:`qa_env`, and processes start in
    it: ``python -m`` looks in the folder it starts in first)."""
    return [sys.executable, "-m", "qa"]


def qa_env(cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["QA_CACHE_DIR"] = str(cache)
    env["PYTHONPATH"] = str(QA_ROOT)
    return env


def _tree_kb(pid: int) -> tuple[int, int]:
    """Resident and anonymous resident memory (RssAnon) of a process and all its descendants, in KB."""
    rss, anon, stack = 0, 0, [pid]
    while stack:
        p = stack.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1])
                elif line.startswith("RssAnon:"):
                    anon += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return rss, anon


def run_measured(cmd: list[str], env: dict[str, str]) -> dict[str, float]:
    """Run a command; return wall seconds and the peak RSS and RssAnon of its process tree (MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=QA_ROOT)
    peak = peak_anon = 0
    while proc.poll() is None:
        rss, anon = _tree_kb(proc.pid)
        peak, peak_anon = max(peak, rss), max(peak_anon, anon)
        time.sleep(0.02)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err}")
    return {"wall": wall, "peak_mb": peak / 1024, "anon_mb": peak_anon / 1024}


#: Runs commands in turn (interleaved, so load on a shared machine hits them
#: alike) and prints, per command, each run's wall seconds and peak RSS in KB.
#: It is a separate small process because a child's ``ru_maxrss`` also counts
#: the memory of the process that started it, up to its ``exec``.
_LAUNCHER = r"""
import json, os, sys, time
cmds, runs = json.loads(sys.argv[1]), int(sys.argv[2])
out = [{"walls": [], "rss_kb": []} for _ in cmds]
null = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)]
for _ in range(runs):
    for cmd, res in zip(cmds, out):
        start = time.perf_counter()
        pid = os.posix_spawnp(cmd[0], cmd, os.environ, file_actions=null)
        _, status, usage = os.wait4(pid, 0)
        res["walls"].append(time.perf_counter() - start)
        res["rss_kb"].append(usage.ru_maxrss)
        if os.waitstatus_to_exitcode(status) not in (0, 1):
            sys.exit(f"exit {os.waitstatus_to_exitcode(status)}: {cmd}")
print(json.dumps(out))
"""


def time_processes(cmds: list[list[str]], env: dict[str, str], runs: int) -> list[dict[str, float]]:
    """For each command: median wall time of ``runs`` runs and its largest own max-RSS (MB)."""
    out = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, json.dumps(cmds), str(runs)],
        env=env, capture_output=True, text=True, cwd=QA_ROOT,
    )
    if out.returncode != 0:
        raise SystemExit(f"timing failed: {out.stderr.strip()}")
    return [
        {"median": statistics.median(r["walls"]), "min": min(r["walls"]), "rss_mb": max(r["rss_kb"]) / 1024}
        for r in json.loads(out.stdout)
    ]


def time_process(cmd: list[str], env: dict[str, str], runs: int) -> dict[str, float]:
    """Median wall time of ``runs`` runs and the largest max-RSS of the process itself."""
    return time_processes([cmd], env, runs)[0]


def compile_qa(env: dict[str, str], cwd: Path) -> Path:
    """Byte-compile the qa package the command imports, as ``pip install`` does; return its folder.

    Asked from ``cwd`` (not this checkout), where ``python -c`` finds the same qa as the ``qa`` script.
    """
    where = subprocess.run(
        [sys.executable, "-c", "import os, qa; print(os.path.dirname(qa.__file__))"],
        env=env, check=True, capture_output=True, text=True, cwd=cwd,
    ).stdout.strip()
    subprocess.run([sys.executable, "-m", "compileall", "-q", where], env=env, check=True, capture_output=True)
    return Path(where)


def make_subset(books: Path, dest: Path, target_bytes: int) -> int:
    """Hard-link (or copy) the first books in sorted order until ``target_bytes``."""
    total = 0
    for path in sorted(p for p in books.rglob("*") if p.is_file()):
        if total >= target_bytes:
            break
        out = dest / path.relative_to(books)
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, out)
        except OSError:
            shutil.copy2(path, out)
        total += path.stat().st_size
    return total


def make_copies(books: Path, dest: Path, copies: int) -> int:
    """The library ``copies`` times over in folders copy1..copyN; each file ends with a line naming its copy."""
    total = 0
    for k in range(1, copies + 1):
        for path in sorted(p for p in books.rglob("*") if p.is_file()):
            out = dest / f"copy{k}" / path.relative_to(books)
            out.parent.mkdir(parents=True, exist_ok=True)
            data = path.read_bytes() + f"\r\nThis is copy {k} of the library, kept in folder copy{k}.\r\n".encode()
            out.write_bytes(data)
            total += len(data)
    return total


_WARM = r"""
import json, random, statistics, sys, time
try:  # the tree measured (before qa 11: qa.engine; a test of "refresh" first would find an editable install's)
    from qa.engine import open_index
except ImportError:
    from qa.refresh import open_index
from qa.search import search
from qa.tokens import words
docs, n = sys.argv[1], int(sys.argv[2])
index, _ = open_index([docs])
rng = random.Random(7)
templates = ["Who {} the {}?", "What did {} say about {}?", "Where was the {} {}?", "Why {} {}?"]
qs = []
while len(qs) < n:
    found = [w for w in words(index.text(rng.randrange(index.n_chunks))) if len(w) > 3]
    if len(found) < 3:
        continue
    picked = rng.sample(found, 3)
    qs.append(rng.choice(templates).format(picked[0], " ".join(picked[1:])))
for q in qs[:10]:
    search(index, q)
times = []
for q in qs:
    start = time.perf_counter()
    search(index, q, k=3, context=1)
    times.append((time.perf_counter() - start) * 1000)
times.sort()
print(json.dumps({"p50_ms": statistics.median(times), "p95_ms": times[int(0.95 * (len(times) - 1))],
                  "sentences": index.n_chunks}))
"""


def warm_queries(docs: Path, env: dict[str, str], n: int) -> dict[str, float]:
    """p50/p95 latency of library calls on the cached index (loaded once, in a process of its own)."""
    out = subprocess.run([sys.executable, "-c", _WARM, str(docs), str(n)], env=env, check=True, capture_output=True,
                         cwd=QA_ROOT,
                         text=True)
    data: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return data


def change_books(docs: Path, count: int, salt: str, first: int = 0) -> int:
    """Change ``count`` books spread over the corpus (append a sentence) so a refresh has real work to do;
    ``first``: the first changed is that many books after the middle one. Returns the bytes changed books hold."""
    books = sorted(p for p in docs.rglob("*.txt"))
    step = max(len(books) // count, 1)
    total = 0
    for victim in [books[(len(books) // 2 + first + i * step) % len(books)] for i in range(count)]:
        data = victim.read_bytes()
        victim.unlink()  # break a hard link before writing
        victim.write_bytes(data + f"\r\nThe benchmark added this sentence about a violet heron ({salt}).\r\n".encode())
        total += len(data)
    return total


def delete_book(docs: Path) -> None:
    books = sorted(p for p in docs.rglob("*.txt"))
    books[len(books) // 3].unlink()


def index_bytes(folder: Path) -> int:
    """Bytes of the index folder's files (each file once, however many names it has)."""
    seen: set[int] = set()
    total = 0
    for path in folder.rglob("*"):
        st = path.lstat()
        if path.is_file() and st.st_ino not in seen:
            seen.add(st.st_ino)
            total += st.st_size
    return total


def measure(name: str, docs: Path, work: Path, n_questions: int) -> dict[str, Any]:
    env = qa_env(work / f"cache-{name}")
    size_mb = sum(p.stat().st_size for p in docs.rglob("*") if p.is_file()) / 1e6
    build = run_measured([*qa_cmd(), "index", "--docs", str(docs)], env)
    print(f"  {name}: built in {build['wall']:.1f} s", file=sys.stderr)
    disk = index_bytes(work / f"cache-{name}")
    warm = warm_queries(docs, env, n_questions)
    one_shot = time_process([*qa_cmd(), "ask", "--docs", str(docs), "Who was the captain of the ship?"], env, 11)
    refreshes, changed_kb = [], []
    for j in range(REFRESH_RUNS):  # one book changed, a different one each time: the median
        changed_kb.append(round(change_books(docs, 1, f"one {j}", first=j) / 1000))
        refreshes.append(run_measured([*qa_cmd(), "index", "--docs", str(docs)], env)["wall"])
    change_books(docs, 100, "hundred")
    refresh_100 = run_measured([*qa_cmd(), "index", "--docs", str(docs)], env)
    delete_book(docs)
    refresh_del = run_measured([*qa_cmd(), "index", "--docs", str(docs)], env)
    return {
        "name": name,
        "mb": round(size_mb, 1),
        "sentences": warm["sentences"],
        "build_s": round(build["wall"], 2),
        "build_peak_mb": round(build["peak_mb"]),
        "build_anon_mb": round(build["anon_mb"]),
        "index_mb": round(disk / 1e6, 1),
        "index_ratio": round(disk / 1e6 / size_mb, 2),
        "refresh_s": round(statistics.median(refreshes), 2),
        "refresh_runs_s": [round(x, 2) for x in refreshes],
        "refresh_runs_kb": changed_kb,
        "refresh_100_s": round(refresh_100["wall"], 2),
        "refresh_delete_s": round(refresh_del["wall"], 2),
        "warm_p50_ms": round(warm["p50_ms"], 2),
        "warm_p95_ms": round(warm["p95_ms"], 2),
        "oneshot_s": round(one_shot["median"], 3),
        "oneshot_min_s": round(one_shot["min"], 3),
        "query_rss_mb": round(one_shot["rss_mb"]),
    }


def seeds_ratio(work: Path, runs: int = 11) -> dict[str, float]:
    env = qa_env(work / "cache-seeds")
    env.pop("QA_DOCS", None)
    subprocess.run([*qa_cmd(), "index"], env=env, check=True, capture_output=True, cwd=QA_ROOT)
    rich, qa = time_processes([[sys.executable, "-c", "import rich.console"], [*qa_cmd(), "ask", SEEDS_QUESTION]],
                              env, runs)
    return {"rich_s": rich["median"], "qa_s": qa["median"], "ratio": qa["median"] / rich["median"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--books", type=Path, help="an unpacked books/ folder (default: unpack to a temp folder)")
    parser.add_argument("--sizes", default="10k,100k,1m", help="subset sizes in sentences")
    parser.add_argument("--no-full", action="store_true", help="skip the whole library")
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--qa-root", type=Path, help="the qa source tree to measure (default: this checkout)")
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary one, removed at the end)")
    args = parser.parse_args()
    global QA_ROOT
    if args.qa_root is not None:
        QA_ROOT = args.qa_root.resolve()
    with tempfile.TemporaryDirectory(prefix="qa-scale-", dir=args.work) as tmp:
        work = Path(tmp)
        compiled = compile_qa(qa_env(work / "cache-none"), work)
        print(f"compiled {compiled} to .pyc (as pip install does) before timing", file=sys.stderr)
        books = args.books
        if books is None:
            unpack = _unpack_script()
            out = subprocess.run(["sh", str(unpack), str(work / "lib")], check=True, capture_output=True, text=True)
            books = Path(out.stdout.strip().splitlines()[-1])
        rows = []
        for label in [s for s in args.sizes.split(",") if s]:
            sub = work / f"subset-{label}"
            if label.lower() == "10m":
                make_copies(books, sub, 6)
            else:
                n = int(float(label.lower().rstrip("km")) * (1000 if label.lower().endswith("k") else 1_000_000))
                make_subset(books, sub, n * BYTES_PER_SENTENCE)
            rows.append(measure(label, sub, work, args.questions))
            shutil.rmtree(work / f"cache-{label}", ignore_errors=True)
            print(f"  measured {label}", file=sys.stderr)
        if not args.no_full:
            full = work / "full"
            make_subset(books, full, 1 << 62)
            rows.append(measure("full", full, work, args.questions))
        seeds = seeds_ratio(work)
    head = ("set", "MB", "sentences", "build s", "peak MB", "peak anon MB", "index MB", "x text", "refresh 1 s",
            "refresh 100 s", "refresh delete s", "warm p50 ms", "p95 ms", "one-shot s", "RSS MB")
    keys = ("name", "mb", "sentences", "build_s", "build_peak_mb", "build_anon_mb", "index_mb", "index_ratio",
            "refresh_s", "refresh_100_s", "refresh_delete_s", "warm_p50_ms", "warm_p95_ms", "oneshot_s",
            "query_rss_mb")
    print(" | ".join(head))
    for r in rows:
        print(" | ".join(f"{r[k]:,}" if isinstance(r[k], int) else str(r[k]) for k in keys))
    print(f"one-shot: median of 11 runs after compiling {compiled} to .pyc; RSS MB: the qa process's own peak")
    print(f"seeds one-shot {seeds['qa_s']:.3f} s vs import rich.console {seeds['rich_s']:.3f} s: "
          f"{seeds['ratio']:.2f}x")
    print(json.dumps({"qa_root": str(QA_ROOT), "compiled": str(compiled), "rows": rows,
                      "seeds": {k: round(v, 4) for k, v in seeds.items()}}))


if __name__ == "__main__":
    main()
