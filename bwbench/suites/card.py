"""Dataset cards: a README for a suite directory, in the Hugging Face dataset-card style, made from its manifest.

Everything on the card that can be counted comes from ``manifest.json`` (which
``bwbench generate`` wrote beside the files, with their sha256), so the card is
regenerated, never edited by hand: ``bwbench card data/<suite>``.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..planning.planner import SEARCH_BLOCKS
from ..errors import BwbenchError
from ..fileio import atomic_write

FIELDS = [
    ("id", "string", "unique id: `<suite>-<split>-L<level>-<index>`"),
    ("suite", "string", "the suite's name"),
    ("split", "string", "`train` or `test`"),
    ("level", "int", "k: the optimal plan has 2k steps (the true level, computed by search)"),
    ("n_blocks", "int", "number of blocks"),
    ("init", "list of lists of strings", "initial towers, each listed bottom to top (`[\"red\", \"white\"]`: white on red); tower order carries no meaning"),
    ("goal", "list of lists of strings", "goal towers, the same way; a full goal configuration"),
    ("plan", "list of strings", "one optimal plan, in the seed's step language (`pick-up X`, `stack X on-top-of Y` or `... on-top-of table`)"),
    ("optimal_len", "int", "length of an optimal plan, in steps (2 × level)"),
    ("n_optimal_plans", "int", "how many optimal plans there are"),
    ("instruction", "string", "the seed's instruction text (Alpaca-style field)"),
    ("input", "string", "the problem in the seed's words: rules, `Init state:` and `Goal state:` towers written top first (`<white on red>`)"),
    ("output", "string", "the gold plan in the seed's words: `Plan:` then `step N: ...` lines"),
]


CAPPED_COUNT = ("int or null", "how many optimal plans there are; null: three or more (beyond 7 blocks, or 8 for "
                "partial goals, plans are counted up to three)")

IMPORTED_FIELDS = {
    "goal": ("list of strings or of lists", "the goal: the problem file's facts, `\"(on b c)\"` (PDDL, bwbench's predicate names); "
             "a plan must make every one of them true"),
    "level": ("int", "k: the optimal plan has 2k steps (2k - 1 when it ends on a pick), computed by search"),
    "optimal_len": ("int", "length of an optimal plan, in steps, computed by bwbench's planner"),
    "input": ("string", "the problem in the seed's words: rules, `Init state:` towers written top first, then the goal facts"),
    "source": ("string", "the PDDL problem file it was imported from"),
    "source_sha256": ("string", "sha256 of that file"),
    "vocabulary": ("object", "the domain's names for the 4 actions and 5 predicates, and the words for each object"),
    "source_plan": ("list of strings", "the source's own plan (PDDL actions, bwbench's names), checked by simulation; "
                    "what a one-shot PlanBench prompt shows"),
}


def render(suite: Path) -> str:
    """The card for a suite directory (``BwbenchError`` if it has no readable manifest)."""
    try:
        m = json.loads((suite / "manifest.json").read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise BwbenchError(f"no readable manifest.json ({type(exc).__name__})", str(suite)) from None
    splits = [s for s in ("train", "test") if f"{s}.jsonl" in m["files"]]
    first = json.loads((suite / f"{splits[0]}.jsonl").open().readline())
    return render_manifest(m, first)


def render_manifest(m: dict, first: dict) -> str:
    """The card for a suite from its manifest and its first record (which shows the fields)."""
    name, files = m["suite"], m["files"]
    splits = [s for s in ("train", "test") if f"{s}.jsonl" in files]
    imported = m.get("imported")
    fields = [(f, *IMPORTED_FIELDS.get(f, (t, d))) if imported else (f, t, d) for f, t, d in FIELDS]
    if any(int(b) > SEARCH_BLOCKS for b in _blocks(m)):
        fields = [(f, *CAPPED_COUNT) if f == "n_optimal_plans" else (f, t, d) for f, t, d in fields]
    if imported:
        fields += [(f, t, d) for f, (t, d) in IMPORTED_FIELDS.items() if f not in {x[0] for x in FIELDS}]
    out = ["---", f"pretty_name: bwbench {name}", "license: mit", "language:", "- en", "task_categories:",
           "- text-generation", "tags:", "- planning", "- blocksworld", "- pddl", "configs:", "- config_name: default",
           "  data_files:"]
    out += [f"  - split: {s}\n    path: {s}.jsonl" for s in splits]
    out += ["---", "", f"# bwbench `{name}`", "",
            f"Blocksworld planning problems for language models, from [bwbench](../../README.md) {m['bwbench_version']}. "
            "Each line is one problem with an optimal plan found by search, in the seed's natural-language format "
            "(Alpaca-style `instruction`/`input`/`output`) and as structured " + ("facts." if imported else "towers."), "",
            "## Splits and counts", "", "| split | level | " + " | ".join(f"{b} blocks" for b in _blocks(m)) + " | total |",
            "|---|---|" + "---|" * (len(_blocks(m)) + 1)]
    for s in splits:
        for level, by_blocks in sorted(m["counts"].get(s, {}).items(), key=lambda kv: int(kv[0][1:])):
            cells = [str(by_blocks.get(b, 0)) for b in _blocks(m)]
            out.append(f"| {s} | {level} | " + " | ".join(cells) + f" | {sum(by_blocks.values())} |")
    out += ["", "## Fields", "", "| field | type | meaning |", "|---|---|---|"]
    out += [f"| `{f}` | {t} | {d} |" for f, t, d in fields if f in first]
    out += ["", "## Semantics", "", f"{m['semantics']}.", "",
            "A state is a set of towers: listing them in another order is the same state. A plan is judged by "
            "simulating it (`bwbench score`, `bwbench eval`), not by matching its text; `output` is one optimal "
            "plan among `n_optimal_plans`.", "",
            "## Where it comes from" if imported else "## How it was generated", ""]
    out += _imported(m) if imported else _generated(m)
    out += ["", "## Files", "", "| file | lines | sha256 |", "|---|---|---|"]
    out += [f"| `{f}` | {info['lines']} | `{info['sha256']}` |" for f, info in sorted(files.items())]
    out += ["", "## Loading", "", "```python", "from datasets import load_dataset", "",
            f"ds = load_dataset(\"json\", data_files={{{', '.join(repr(s) + ': ' + repr(f'data/{name}/{s}.jsonl') for s in splits)}}})",
            "```", "", "## Licence", "", "MIT, as bwbench." + (" The problems come from PlanBench (MIT)." if imported else ""),
            "", "## Citation", ""]
    out += PLANBENCH_CITATION if imported else SEED_CITATION
    return "\n".join(out)


SEED_CITATION = [
    "```bibtex", "@inproceedings{men2024unlocking,", "  title = {Unlocking the Future: Exploring Look-Ahead Planning Mechanistic "
    "Interpretability in Large Language Models},", "  author = {Men, Tianyi and Cao, Pengfei and Jin, Zhuoran and "
    "Chen, Yubo and Liu, Kang and Zhao, Jun},", "  booktitle = {Proceedings of EMNLP},", "  year = {2024}", "}", "```", ""]
PLANBENCH_CITATION = [
    "```bibtex", "@inproceedings{valmeekam2023planbench,", "  title = {PlanBench: An Extensible Benchmark for Evaluating "
    "Large Language Models on Planning and Reasoning about Change},", "  author = {Valmeekam, Karthik and Marquez, Matthew "
    "and Olmo, Alberto and Sreedharan, Sarath and Kambhampati, Subbarao},",
    "  booktitle = {Advances in Neural Information Processing Systems (Datasets and Benchmarks)},", "  year = {2023}", "}",
    "```", ""]


def _generated(m: dict) -> list[str]:
    cells = ", ".join(f"{c['split']} L{c['level']} with {c['n_blocks']} blocks: {c['count']}" for c in m["cells"])
    how = f"`bwbench generate --preset {m['preset']}`" if m.get("preset") else f"`bwbench generate` for these cells ({cells})"
    walk = [c for c in m["cells"] if c.get("sampler") == "walk"]
    if not walk:
        drawn = "- Problems are drawn uniformly over states, the true level is the optimal plan length found by search, "
    else:
        drawn = ("- " + ("Problems are" if len(walk) == len(m["cells"]) else "Problems of the cells marked `walk` in the "
                 "manifest are") + " drawn by walks: a goal drawn uniformly over states, then k moves away from it, "
                 "each uniform among the moves that take the state one move further from the goal (for unique-optimal "
                 "cells, only to states whose one optimal move is the way back). Every problem of the level can be "
                 "drawn, but not with equal probability. The true level is the optimal plan length found by search, ")
    return [f"- {how}, seed {m['seed']}, planner `{m['planner']}`, block names: {', '.join(m['colors'])}"
            + (f", at most {m['max_towers']} towers" if m.get("max_towers") else "")
            + ("; no test problem is a renaming of a train problem" if m.get("disjoint_renaming") else "") + ".",
            drawn + "and duplicates (up to tower order) are removed within and across splits."]


def _imported(m: dict) -> list[str]:
    imp = m["imported"]
    dom = imp["domain"]
    names = f", words from `{imp['names']['file']}` (sha256 `{imp['names']['sha256'][:12]}…`)" if imp.get("names") else ""
    out = [f"- Imported with `{imp['command']}`" + names + ".",
           f"- Domain `{dom['file']}` (sha256 `{dom['sha256'][:12]}…`), recognised as the 4-operator Blocksworld by its "
           "action schemas: " + ", ".join(f"{a} = {op}" for op, a in dom["actions"].items()) + ".",
           f"- {imp['problems']} problems; {imp['unique_optimal']} have exactly one optimal plan; "
           f"{imp['repeated_problems']} repeat an earlier problem of the suite (kept, as in the source).",
           "- Gold plans, optimal lengths and plan counts were computed by bwbench's planner, not taken from the source."]
    plans = imp.get("plans")
    if plans:
        out.append(f"- The source's own plans (`{plans['file']}`, sha256 `{plans['sha256'][:12]}…`) are kept as "
                   f"`source_plan`, each checked by simulation; {plans['longer_than_optimal']} are longer than optimal.")
    return out


def write(suite: Path) -> Path:
    target = suite / "README.md"
    atomic_write(target, render(suite).encode("utf-8"))
    return target


def _blocks(m: dict) -> list[str]:
    return sorted({b for split in m["counts"].values() for lv in split.values() for b in lv}, key=int)
