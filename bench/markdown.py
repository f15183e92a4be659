"""The Markdown reader against the regex reader it replaced: speed, exactness, hostile input (issue 15).

Two readers, one run: ``tokens`` is ``qa.formats.markdown`` (block structure from
markdown-it-py's tokens), ``regex`` is the reader at ``--baseline`` (a git
revision; by default the last one with the line-by-line regex reader), loaded
from ``git show`` so both are measured in the same process on the same texts.
A third, ``regex+``, is the baseline's line scanner with today's inline pass
(code spans literal, escapes, wrapped links, ``<pre>``, HTML cells): what the
token parser itself buys, apart from the inline fixes made with it.

* Speed: files/s and MB/s (UTF-8 bytes of the decoded text), best of
  ``--repeat`` passes, on Node's API Markdown (``/usr/share/doc/nodejs/api/*.md.gz``,
  read with gzip), on the other Markdown files of this machine (READMEs and
  docs under ``/usr/share/doc`` and ``/usr/lib/node_modules``), and on a
  generated corpus (``--gen-files`` files of ``--gen-kb`` KB: headings, lists,
  tables, fences, quotes, links, emphasis, HTML). Also the block stage alone
  (the regex scanner against markdown-it's parse and the token walk).
* Exactness: every block either reader produces, compared by (start, end):
  the same span with the same shown text and section, the same span with
  different text or section, or a span only one reader has; examples printed.
  And each against CommonMark itself, markdown-it-py's full HTML rendering
  (outside code blocks and headings, which are not prose): its words against
  the words each reader keeps (hidden markup dropped), missing and extra; and
  its blocks (paragraphs, list items, cells...) against each reader's blocks,
  as word sequences: how many of the reader's blocks are CommonMark's.
* Hostile input: each case timed for both readers and, for reference, for
  markdown-it-py's full parse (inline rules included), with a ``--timeout``.

Prints tables, then one JSON line.

Usage::

    python bench/markdown.py [--repeat 3] [--gen-files 300] [--gen-kb 24] [--timeout 60] [--baseline REV]
"""

from __future__ import annotations

import argparse
import collections
import glob
import gzip
import importlib.util
import json
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

#: The last commit whose qa/formats/markdown.py is the line-by-line regex reader.
BASELINE = "4be5bf2"
NODE_API = "/usr/share/doc/nodejs/api/*.md.gz"
OTHER_MD = ("/usr/share/doc/**/*.md", "/usr/share/doc/**/*.md.gz", "/usr/lib/node_modules/**/*.md")
WORD = re.compile(r"\w+")
Reader = Callable[[str], Any]


def load_baseline(rev: str) -> ModuleType:
    """The Markdown reader as it was at git revision ``rev``, as a module of its own."""
    source = subprocess.run(["git", "show", f"{rev}:qa/formats/markdown.py"], cwd=HERE.parent, check=True,
                            capture_output=True, text=True).stdout
    spec = importlib.util.spec_from_loader("qa.formats._markdown_baseline", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    exec(compile(source, f"{rev}:qa/formats/markdown.py", "exec"), module.__dict__)
    return module


def read_text(path: str) -> str:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
        return str(handle.read())


# --- a generated corpus ------------------------------------------------------------------------------------

WORDS = ("heron lighthouse keeper harbour current tide estuary gull channel beacon mooring navigation weather "
         "pressure salinity sediment shoreline erosion ferry anchor rudder sail marsh reed buffer stream socket "
         "module option callback promise").split()


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    for i in range(len(words)):
        r = rng.random()
        if r < 0.05:
            words[i] = f"`{words[i]}.{rng.choice(WORDS)}()`"
        elif r < 0.08:
            words[i] = f"**{words[i]}**"
        elif r < 0.10:
            words[i] = f"_{words[i]}_"
        elif r < 0.13:
            words[i] = f"[{words[i]} {rng.choice(WORDS)}](https://example.org/{rng.choice(WORDS)}.html)"
        elif r < 0.14:
            words[i] = f"[`{words[i]}`][]"
        elif r < 0.145:
            words[i] = "&mdash;"
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random, width: int = 78) -> str:
    text = " ".join(_sentence(rng) for _ in range(rng.randint(2, 5)))
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*lines, line])


def _block(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.45:
        return _paragraph(rng)
    if kind < 0.60:
        items = [f"* `{rng.choice(WORDS)}` {{string}} {_sentence(rng)}" for _ in range(rng.randint(2, 6))]
        if rng.random() < 0.4:
            items.insert(1, f"  * {_sentence(rng)}\n  * {_sentence(rng)}")
        return "\n".join(items)
    if kind < 0.68:
        return "\n".join(f"{i}. {_sentence(rng)}" for i in range(1, rng.randint(3, 6)))
    if kind < 0.78:
        lines = [f"const {rng.choice(WORDS)} = require('node:{rng.choice(WORDS)}');" for _ in range(rng.randint(3, 9))]
        return "```js\n" + "\n".join(lines) + "\n```"
    if kind < 0.84:
        rows = [f"| `{rng.choice(WORDS)}` | {_sentence(rng)} |" for _ in range(rng.randint(2, 6))]
        return "| Name | Description |\n| ---- | ----------- |\n" + "\n".join(rows)
    if kind < 0.89:
        return "> " + _paragraph(rng, 70).replace("\n", "\n> ")
    if kind < 0.93:
        return f"<!-- YAML\nadded: v{rng.randint(1, 22)}.0.0\n-->"
    if kind < 0.96:
        return "    " + "\n    ".join(f"{rng.choice(WORDS)}({rng.choice(WORDS)})" for _ in range(3))
    cell = " ".join(rng.choice(WORDS) for _ in range(12)).capitalize()  # raw HTML: no Markdown inside
    return (f"<table>\n  <tr>\n    <td><code>{rng.choice(WORDS)}</code></td>\n    <td>{cell} &amp; more.</td>\n"
            "  </tr>\n</table>")


def generated(rng: random.Random, kb: int) -> str:
    parts = [f"# {rng.choice(WORDS).capitalize()} {rng.choice(WORDS)}"]
    size, section = 0, 0
    while size < kb * 1000:
        if rng.random() < 0.15:
            section += 1
            level = rng.choice(("##", "##", "###", "####"))
            parts.append(f"{level} `{rng.choice(WORDS)}.{rng.choice(WORDS)}({rng.choice(WORDS)})` part {section}")
        parts.append(_block(rng))
        size += len(parts[-1]) + 2
    parts.append("\n".join(f"[`{w}`]: #{w}" for w in WORDS[:6]))
    return "\n\n".join(parts) + "\n"


def regex_plus(old: ModuleType) -> Reader:
    """The baseline's line scanner for blocks, today's inline pass and HTML block cuts."""
    from qa.formats import Extracted, blank_line_cuts, blocks_between, markdown, prose_blocks

    def read(text: str) -> Extracted:
        scan = old._Scanner(text)
        scan.run()
        mask = markdown._Mask(scan.mask.text(), scan.mask.hidden)
        before = mask.text()
        code = markdown._Code(markdown.code_spans(before))
        cuts = [c for m in markdown._HTML_BREAK.finditer(before) if not code.covers(m.start()) for c in m.span()]
        markdown._blank_inline(mask)
        masked = mask.text()
        blocks = blocks_between(masked, scan.cuts + cuts + blank_line_cuts(text), scan.heads, blank_lines=False)
        blocks = prose_blocks(blocks, masked, sorted(mask.links))
        return Extracted(masked, blocks, scan.front_title or scan.title, bytes(mask.hidden))

    return read


# --- speed -------------------------------------------------------------------------------------------------

def speed(readers: dict[str, Reader], texts: list[str], repeat: int) -> dict[str, dict[str, float]]:
    """Each reader's best pass over ``texts``; the readers take turns in each round, so that the load of a
    shared machine falls on all of them alike."""
    size = sum(len(t.encode("utf-8")) for t in texts)
    best = dict.fromkeys(readers, float("inf"))
    for _ in range(repeat):
        for name, read in readers.items():
            start = time.perf_counter()
            for text in texts:
                read(text)
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: {"s": round(s, 3), "files_per_s": round(len(texts) / s, 1), "mb_per_s": round(size / s / 1e6, 3)}
            for name, s in best.items()}


# --- exactness ---------------------------------------------------------------------------------------------

def shown(doc: Any) -> dict[tuple[int, int], tuple[str, str | None]]:
    """Each block's (start, end) -> (text as shown, section)."""
    from qa.encode import shown_texts

    blocks = doc.blocks
    texts = shown_texts(doc.text, doc.hidden, [b.start for b in blocks], [b.end for b in blocks])
    return {(b.start, b.end): (t, b.section) for b, t in zip(blocks, texts, strict=True)}


def compare_blocks(old: Reader, new: Reader, docs: list[tuple[str, str]], examples: int,
                   rng: random.Random) -> dict[str, Any]:
    counts: collections.Counter[str] = collections.Counter()
    found: dict[str, list[str]] = collections.defaultdict(list)
    for name, text in docs:
        a, b = shown(old(text)), shown(new(text))
        for span in a.keys() | b.keys():
            line = text.count("\n", 0, span[0]) + 1
            if span in a and span in b:
                kind = "same" if a[span] == b[span] else (
                    "text differs" if a[span][0] != b[span][0] else "section differs")
                counts[kind] += 1
                if kind != "same":
                    found[kind].append(f"{name}:{line}: regex {a[span]!r}\n{' ' * (len(name) + len(str(line)) + 3)}"
                                       f"tokens {b[span]!r}")
            else:
                kind = "only regex" if span in a else "only tokens"
                counts[kind] += 1
                found[kind].append(f"{name}:{line}: {(a.get(span) or b.get(span))!r}")
    picked = {k: rng.sample(v, min(examples, len(v))) for k, v in sorted(found.items())}
    return {"counts": dict(counts), "examples": picked}


class _Rendered(HTMLParser):
    """The text of rendered HTML outside code blocks and headings, and its blocks as word sequences."""

    SKIP = frozenset({"pre", "h1", "h2", "h3", "h4", "h5", "h6", "script", "style", "textarea"})
    BREAK = SKIP | frozenset("p li td th blockquote ul ol table thead tbody tr div hr dl dt dd".split())

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.out: list[str] = []
        self.blocks: collections.Counter[tuple[str, ...]] = collections.Counter()
        self.start = 0

    def flush(self) -> None:
        words = tuple(WORD.findall("".join(self.out[self.start :])))
        if words:
            self.blocks[words] += 1
        self.start = len(self.out)

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.BREAK:
            self.flush()
        self.depth += tag in self.SKIP

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BREAK:
            self.flush()
        if tag in self.SKIP and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.out.append(data)


def commonmark(text: str) -> tuple[collections.Counter[str], collections.Counter[tuple[str, ...]]]:
    """The words and the blocks of CommonMark's rendering (markdown-it-py, with GFM tables)."""
    from markdown_it import MarkdownIt

    parser = _Rendered()
    parser.feed(MarkdownIt("commonmark").enable("table").render(text))
    parser.close()
    parser.flush()
    return collections.Counter(WORD.findall("".join(parser.out))), parser.blocks


def kept_words(doc: Any) -> collections.Counter[str]:
    hidden = doc.hidden or bytes(len(doc.text))
    return collections.Counter(WORD.findall("".join(c for c, h in zip(doc.text, hidden, strict=True) if not h)))


def against_commonmark(readers: dict[str, Reader], docs: list[tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = collections.Counter()
    worst: dict[str, list[tuple[int, str, list[str], list[str]]]] = collections.defaultdict(list)
    for name, text in docs:
        truth, blocks = commonmark(text)
        out["rendered_words"] += truth.total()
        out["rendered_blocks"] += blocks.total()
        for reader, read in readers.items():
            doc = read(text)
            got = kept_words(doc)
            missing, extra = truth - got, got - truth
            out[f"{reader}_missing"] += missing.total()
            out[f"{reader}_extra"] += extra.total()
            mine = collections.Counter(tuple(WORD.findall(t)) for t, _ in shown(doc).values())
            out[f"{reader}_blocks"] += mine.total()
            out[f"{reader}_blocks_commonmark"] += (mine & blocks).total()
            worst[reader].append((missing.total() + extra.total(), name, [w for w, _ in missing.most_common(6)],
                                  [w for w, _ in extra.most_common(6)]))
    result: dict[str, Any] = dict(out)
    result["worst"] = {r: [f"{n}: missing {m} extra {e}" for s, n, m, e in sorted(v, reverse=True)[:3] if s]
                       for r, v in worst.items()}
    return result


# --- hostile input -----------------------------------------------------------------------------------------

HOSTILE: dict[str, str] = {
    "[ x200k": "[" * 200_000,
    "![ x100k": "![" * 100_000,
    "[^ x100k": "[^" * 100_000,
    "[x]( x50k": "[x](" * 50_000,
    "[x](< x50k": "[x](<" * 50_000,
    "* x200k": "*" * 200_000,
    "_ x200k": "_" * 200_000,
    "` x200k": "`" * 200_000,
    "`a ``b x50k": "`a ``b " * 50_000,
    "< x200k": "<" * 200_000,
    "<!--x> x50k": "<!--x>" * 50_000,
    "<script x50k": "<script" * 50_000 + "</script>",
    "<http: x50k": "<http:" * 50_000,
    "*a **a x50k": "*a **a " * 50_000,
    "nested lists 10k deep": "- " * 10_000 + "x\n",
    "nested ordered 10k deep": "1. " * 10_000 + "x\n",
    "nested quotes 10k deep": ">" * 10_000 + " x\n",
    "quotes 1..1000 deep": "".join(">" * i + " a\n" for i in range(1, 1001)),
    "1 MB line": "word " * 200_000,
    "1 MB heading": "# " + "a " * 500_000,
    "table 1 MB row": "| a | b |\n|---|---|\n" + "| x " * 250_000 + "\n",
    "table 50k columns": "|" + "a|" * 50_000 + "\n|" + "-|" * 50_000 + "\n",
    "table 100k rows": "| a | b |\n|---|---|\n" + "| x | y |\n" * 100_000,
    "list 100k items": "- a\n" * 100_000,
    "lazy quote 100k lines": "> a\n" + "b\n" * 100_000,
    "setext 100k lines": "a\n" * 100_000 + "---\n",
    "fences 100k": "```\n" * 100_000,
    "<div> lines 100k": "<div>\n" * 100_000,
    "unclosed <!-- lines 50k": "<!--\n\n" * 50_000,
    "unclosed <? lines 50k": "<?\n\n" * 50_000,
    "ref defs 50k": "[a]: <" * 50_000,
    "indented code 100k": "    a\n" * 100_000,
}


def timed(read: Reader, text: str, timeout: int) -> float | None:
    """Seconds ``read(text)`` took, None past ``timeout`` (or on a crash: printed)."""
    def stop(*_: object) -> None:
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(timeout)
    start = time.perf_counter()
    try:
        read(text)
        return time.perf_counter() - start
    except TimeoutError:
        return None
    except RecursionError:
        print("  RecursionError", file=sys.stderr)
        return None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--gen-files", type=int, default=300)
    parser.add_argument("--gen-kb", type=int, default=24)
    parser.add_argument("--timeout", type=int, default=60)
    parser.add_argument("--examples", type=int, default=4)
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the regex reader")
    parser.add_argument("--skip-hostile", action="store_true")
    args = parser.parse_args()

    from markdown_it import MarkdownIt

    from qa.formats import markdown

    old = load_baseline(args.baseline)
    readers: dict[str, Reader] = {"regex": old.extract_markdown, "regex+": regex_plus(old),
                                  "tokens": markdown.extract_markdown}
    rng = random.Random(15)
    corpora: dict[str, list[tuple[str, str]]] = {}
    node = sorted(glob.glob(NODE_API))
    if node:
        corpora["node api"] = [(Path(p).name, read_text(p)) for p in node]
    other = sorted({p for pattern in OTHER_MD for p in glob.glob(pattern, recursive=True)} - set(node))
    if other:
        corpora["other md"] = [(p, read_text(p)) for p in other]
    corpora["generated"] = [(f"gen{i:04}.md", generated(rng, args.gen_kb)) for i in range(args.gen_files)]

    def old_blocks(text: str) -> None:
        old._Scanner(text).run()

    def new_blocks(text: str) -> None:
        markdown._Reader(text).run()

    markdown._parser()  # built once per process, as in a worker
    result: dict[str, Any] = {"baseline": args.baseline, "corpora": {}}
    print(f"speed: best of {args.repeat}; MB = 10^6 bytes of UTF-8 text")
    print(f"{'corpus':<10} {'files':>6} {'MB':>6}   {'reader':<8} {'files/s':>8} {'MB/s':>6}   "
          f"{'block stage MB/s':>16}")
    for name, docs in corpora.items():
        texts = [t for _, t in docs]
        size = sum(len(t.encode("utf-8")) for t in texts) / 1e6
        timing = speed(readers, texts, args.repeat)
        blocks = speed({"regex": old_blocks, "regex+": old_blocks, "tokens": new_blocks}, texts, args.repeat)
        result["corpora"][name] = {"files": len(texts), "mb": round(size, 2), "speed": timing, "block_stage": blocks}
        for reader in readers:
            print(f"{name:<10} {len(texts):>6} {size:>6.2f}   {reader:<8} {timing[reader]['files_per_s']:>8.1f} "
                  f"{timing[reader]['mb_per_s']:>6.2f}   {blocks[reader]['mb_per_s']:>16.2f}")

    print("\nexactness: blocks by (start, end), regex reader against token reader")
    for name, docs in corpora.items():
        cmp = compare_blocks(old.extract_markdown, markdown.extract_markdown, docs, args.examples, rng)
        cm = against_commonmark(readers, docs)
        result["corpora"][name]["blocks"] = cmp["counts"]
        result["corpora"][name]["commonmark"] = {k: v for k, v in cm.items() if k != "worst"}
        print(f"{name}: {cmp['counts']}")
        print(f"  words of the CommonMark rendering: {cm['rendered_words']}; "
              + "; ".join(f"{r}: missing {cm[f'{r}_missing']}, extra {cm[f'{r}_extra']}" for r in readers))
        print(f"  blocks of the CommonMark rendering: {cm['rendered_blocks']}; "
              + "; ".join(f"{r}: {cm[f'{r}_blocks_commonmark']} of its {cm[f'{r}_blocks']} are CommonMark's"
                          for r in readers))
        for reader, lines in cm["worst"].items():
            for line in lines:
                print(f"  worst for {reader}: {line}")
        for kind, examples in cmp["examples"].items():
            for example in examples:
                print(f"  [{kind}] {example[:400]}")

    if not args.skip_hostile:
        full = MarkdownIt("commonmark").enable("table")
        timers: dict[str, Reader] = {"regex": readers["regex"], "tokens": readers["tokens"], "mdit full": full.parse}
        print(f"\nhostile input: seconds (None: over {args.timeout} s); 'mdit full' is markdown-it-py's parse with"
              " its inline rules, which the token reader does not run")
        print(f"{'case':<26} {'MB':>5} " + " ".join(f"{n:>10}" for n in timers))
        hostile: dict[str, dict[str, float | None]] = {}
        for case, body in HOSTILE.items():
            text = "The keeper lit the lamp.\n\n" + body + "\n\nThe yak slept."
            row = {n: timed(read, text, args.timeout) for n, read in timers.items()}
            hostile[case] = {n: None if s is None else round(s, 3) for n, s in row.items()}
            print(f"{case:<26} {len(text) / 1e6:>5.2f} "
                  + " ".join(f"{'> ' + str(args.timeout) if s is None else f'{s:.3f}':>10}" for s in row.values()),
                  flush=True)
        result["hostile"] = hostile
    print(json.dumps(result))


if __name__ == "__main__":
    main()
