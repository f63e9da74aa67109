"""`bwbench export lm-eval`: the task directory, its judge hooks, and a real lm-evaluation-harness run.

lm-evaluation-harness is installed beside Axolotl (``.ci/run`` puts both in
``.venv-axolotl``); the end-to-end test finds its command through
``BWBENCH_LM_EVAL`` and, with ``BWBENCH_REQUIRE_LM_EVAL=1``, fails instead of
skipping when it is missing.
"""

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bwbench.suites.view import load_suite
from bwbench.tasks.plan import default_max_new_tokens

from ..conftest import DATA, ROOT, run_cli

LM_EVAL = os.environ.get("BWBENCH_LM_EVAL") or shutil.which("lm_eval")
needs_lm_eval = pytest.mark.skipif(
    not LM_EVAL and not os.environ.get("BWBENCH_REQUIRE_LM_EVAL"),
    reason="lm-evaluation-harness is not installed here (set BWBENCH_LM_EVAL=<venv>/bin/lm_eval)")


class TaskLoader(yaml.SafeLoader):
    """Reads lm_eval's task files: ``!function module.name`` becomes the string ``module.name``."""


TaskLoader.add_constructor("!function", lambda loader, node: loader.construct_scalar(node))


def _utils(task_dir: Path):
    spec = importlib.util.spec_from_file_location("exported_utils", task_dir / "utils.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _docs(task_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (task_dir / "docs.jsonl").read_text().splitlines()]


def _plan(steps: list[str]) -> str:
    return "Plan:\n" + "\n".join(f"step {i}: {s}" for i, s in enumerate(steps, 1))


def test_export_writes_a_task_per_level(tmp_path):
    out = tmp_path / "tasks"
    r = run_cli("export", "lm-eval", "--suite", DATA / "paper", "--out", out)
    assert r.returncode == 0, r.stderr
    records = [json.loads(line) for line in (DATA / "paper" / "test.jsonl").read_text().splitlines()]
    docs = _docs(out)
    assert [d["id"] for d in docs] == [r["id"] for r in sorted(records, key=lambda r: r["level"])]
    for doc, rec in zip(docs, sorted(records, key=lambda r: r["level"])):
        # The prompt is the seed's Llama-2 form of the record's own words, as bwbench eval sends it.
        assert doc["prompt"] == f"[INST] {rec['instruction']}\n\n{rec['input']} [/INST]"
        assert doc["output"] == rec["output"] and doc["optimal_len"] == 2 * rec["level"]
    view = load_suite(DATA / "paper")
    utils_src = (out / "utils.py").read_text()
    levels = sorted({r["level"] for r in records})
    for level in levels:
        cfg = yaml.load((out / f"bwbench_l{level}.yaml").read_text(), Loader=TaskLoader)
        assert cfg["task"] == f"bwbench_l{level}" and cfg["output_type"] == "generate_until"
        assert cfg["dataset_kwargs"] == {"level": level}
        assert cfg["generation_kwargs"]["until"] == ["\n\n", "[INST]"]
        assert cfg["generation_kwargs"]["max_gen_toks"] == default_max_new_tokens([t for t in view.items if t.level == level])
        assert [m["metric"] for m in cfg["metric_list"]] == ["valid", "optimal", "exact"]
        for key in ("custom_dataset", "doc_to_text", "doc_to_target", "process_results"):
            module, name = cfg[key].split(".")
            assert module == "utils" and f"def {name}(" in utils_src
    group = yaml.load((out / "_bwbench.yaml").read_text(), Loader=TaskLoader)
    assert group["group"] == "bwbench" and group["task"] == [f"bwbench_l{k}" for k in levels]
    meta = json.loads((out / "bwbench_task.json").read_text())
    assert meta["suite"]["sha256"] == hashlib.sha256((DATA / "paper" / "manifest.json").read_bytes()).hexdigest()
    assert {t: i["n"] for t, i in meta["tasks"].items()} == {
        f"bwbench_l{k}": sum(r["level"] == k for r in records) for k in levels}


def test_process_results_judges_by_simulation(tmp_path):
    out = tmp_path / "tasks"
    assert run_cli("export", "lm-eval", "--suite", DATA / "standard", "--out", out, "--level", "L3").returncode == 0
    utils = _utils(out)
    doc = _docs(out)[0]
    gold = [line.split(": ", 1)[1] for line in doc["output"].splitlines()[1:]]
    # As a model writes it: a leading space, then more text after a blank line (cut there, as bwbench eval cuts).
    assert utils.process_results(doc, [" " + doc["output"] + "\n\n[INST] and now?"]) == {
        "valid": 1.0, "optimal": 1.0, "exact": 1.0}
    # Lift a top block and put it back where it was, then the gold plan: valid, two steps too long.
    tower = max(doc["init"], key=len)
    detour = [f"pick-up {tower[-1]}", f"stack {tower[-1]} on-top-of {tower[-2] if len(tower) > 1 else 'table'}"]
    assert utils.process_results(doc, [_plan(detour + gold)]) == {"valid": 1.0, "optimal": 0.0, "exact": 0.0}
    assert utils.process_results(doc, [_plan(gold[:-1])]) == {"valid": 0.0, "optimal": 0.0, "exact": 0.0}
    assert utils.process_results(doc, ["I cannot help with that."]) == {"valid": 0.0, "optimal": 0.0, "exact": 0.0}
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["README.md", "_bwbench.yaml", "bwbench_l3.yaml", "bwbench_task.json", "docs.jsonl", "utils.py"])
    assert {d["level"] for d in _docs(out)} == {3}


def test_export_replaces_only_its_own_directory(tmp_path):
    out = tmp_path / "tasks"
    assert run_cli("export", "lm-eval", "--suite", DATA / "paper", "--out", out).returncode == 0
    assert (out / "bwbench_l1.yaml").is_file()
    # Exporting again over an earlier export replaces all of it: no task of the old one is left behind.
    r = run_cli("export", "lm-eval", "--suite", DATA / "paper", "--out", out, "--levels", "L2", "--name", "bw_paper")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.glob("*.yaml")) == ["_bw_paper.yaml", "bw_paper_l2.yaml"]
    assert not list(tmp_path.glob(".tasks*"))  # no temporary directory left beside it
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    r = run_cli("export", "lm-eval", "--suite", DATA / "paper", "--out", other)
    assert r.returncode == 2 and "is not a bwbench lm-eval export" in r.stderr and str(other) in r.stderr
    assert [p.name for p in other.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("args, where, what", [
    (["--levels", "L4"], "--levels", "no L4 problems in the test split (it has L1, L2, L3)"),
    (["--levels", "4"], "--levels", "not a level: '4'"),
    (["--name", "Bad-Name"], "--name", "task name 'Bad-Name'"),
    (["--template", "alpaca"], "--template", "unknown template 'alpaca'"),
    (["--split", "dev"], "--split", "has no dev split"),
])
def test_export_bad_input_is_one_line_and_writes_nothing(tmp_path, args, where, what):
    r = run_cli("export", "lm-eval", "--suite", DATA / "paper", "--out", tmp_path / "t", *args)
    assert r.returncode == 2 and where in r.stderr and what in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_export_of_the_seed_file_uses_true_levels(seed_data, tmp_path):
    out = tmp_path / "seed"
    r = run_cli("export", "lm-eval", "--suite", seed_data / "blocksworld_L3_test.jsonl", "--out", out, "--name", "seed")
    assert r.returncode == 0, r.stderr
    docs = _docs(out)
    assert len(docs) == sum(1 for line in (seed_data / "blocksworld_L3_test.jsonl").open() if line.strip())
    view = load_suite(seed_data / "blocksworld_L3_test.jsonl")
    assert [d["optimal_len"] for d in docs] == sorted(t.optimal_len for t in view.items)
    assert {p.name for p in out.glob("seed_l*.yaml")} == {f"seed_l{k}.yaml" for k in {d["level"] for d in docs}}


def _lm_eval(include: Path, tasks: str, limit: int, out: Path, *extra: str) -> tuple[dict, dict]:
    """Run lm_eval offline on bwbench-tiny; its aggregated results and its logged samples by task."""
    assert LM_EVAL, "BWBENCH_REQUIRE_LM_EVAL is set but lm_eval is not found (set BWBENCH_LM_EVAL)"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    r = subprocess.run([LM_EVAL, "--include_path", include, "--tasks", tasks, "--model", "hf",
                        "--model_args", f"pretrained={ROOT / 'models' / 'bwbench-tiny'},dtype=float32", "--device", "cpu",
                        "--batch_size", "8", "--limit", str(limit), "--output_path", out, "--log_samples", *extra],
                       capture_output=True, text=True, env=env, cwd=out.parent)
    assert r.returncode == 0, r.stderr[-4000:]
    results = json.loads(next(out.rglob("results_*.json")).read_text())["results"]
    samples = {}
    for f in out.rglob("samples_*.jsonl"):
        task = f.name.removeprefix("samples_").rsplit("_", 1)[0]
        samples[task] = [json.loads(line) for line in f.read_text().splitlines()]
    return results, samples


@pytest.mark.slow
@needs_lm_eval
def test_lm_eval_measures_what_bwbench_eval_measures(tmp_path):
    """lm_eval on the exported tasks with bwbench-tiny: the same prompts, completions and verdicts as bwbench eval."""
    # Two exports under one directory, as lm_eval takes one --include_path; their names keep the tasks apart.
    ood, paper = tmp_path / "tasks" / "ood", tmp_path / "tasks" / "paper"
    assert run_cli("export", "lm-eval", "--suite", DATA / "ood-L3-7b", "--out", ood, "--name", "bw_ood").returncode == 0
    assert run_cli("export", "lm-eval", "--suite", DATA / "paper", "--out", paper).returncode == 0
    n = 32
    results, samples = _lm_eval(tmp_path / "tasks", "bw_ood_l3,bwbench", n, tmp_path / "lm")
    assert set(samples) == {"bw_ood_l3", "bwbench_l1", "bwbench_l2", "bwbench_l3"}

    r = run_cli("eval", "--model", "bwbench-tiny", "--suite", DATA / "ood-L3-7b", "--level", "L3",
                "--limit", n, "--out", tmp_path / "ev", "--no-single-step")
    assert r.returncode == 0, r.stderr
    ours = {p["id"]: p for p in map(json.loads, (tmp_path / "ev" / "predictions.jsonl").read_text().splitlines())}
    theirs = samples["bw_ood_l3"]
    assert sorted(s["doc"]["id"] for s in theirs) == sorted(ours) and len(ours) == n
    for s in theirs:
        p = ours[s["doc"]["id"]]
        prompt = s["arguments"]["gen_args_0"]["arg_0"]
        assert hashlib.sha256(prompt.encode()).hexdigest()[:16] == p["prompt_hash"]
        assert s["filtered_resps"][0].strip() == p["completion"]
        assert (s["valid"], s["optimal"], s["exact"]) == (p["verdict"]["status"] == "valid", p["verdict"]["optimal"],
                                                          p["verdict"]["exact"])
    verdicts = [s["valid"] for s in theirs]
    assert 0 < sum(verdicts) < n, "the check needs both valid and invalid plans among these problems"
    ev = json.loads((tmp_path / "ev" / "results.json").read_text())
    assert results["bw_ood_l3"]["valid,none"] == pytest.approx(ev["metrics"]["overall"]["valid"])
    # The group averages its levels over problems.
    group = [s["valid"] for t in ("bwbench_l1", "bwbench_l2", "bwbench_l3") for s in samples[t]]
    assert len(group) == 3 * n and results["bwbench"]["valid,none"] == pytest.approx(sum(group) / len(group))


@pytest.mark.slow
@needs_lm_eval
def test_lm_eval_chat_export_matches_bwbench_chat_template(tmp_path):
    """--template chat exports bare user messages; lm_eval's --apply_chat_template wraps them as bwbench eval does."""
    from transformers import AutoTokenizer

    from bwbench.tasks import get_task
    from bwbench.tasks.prompts import PromptConfig

    tasks = tmp_path / "tasks"
    assert run_cli("export", "lm-eval", "--suite", DATA / "paper", "--out", tasks, "--levels", "L2",
                   "--template", "chat").returncode == 0
    n = 8
    _, samples = _lm_eval(tasks, "bwbench_l2", n, tmp_path / "lm", "--apply_chat_template")
    r = run_cli("eval", "--model", "bwbench-tiny", "--suite", DATA / "paper", "--level", "L2", "--limit", n,
                "--template", "chat", "--out", tmp_path / "ev", "--no-single-step")
    assert r.returncode == 0, r.stderr
    ours = {p["id"]: p for p in map(json.loads, (tmp_path / "ev" / "predictions.jsonl").read_text().splitlines())}
    tok = AutoTokenizer.from_pretrained(ROOT / "models" / "bwbench-tiny")
    by_id = {t.id: t for t in load_suite(DATA / "paper", levels=2, limit=n).items}
    assert sorted(s["doc"]["id"] for s in samples["bwbench_l2"]) == sorted(ours) == sorted(by_id)
    for s in samples["bwbench_l2"]:
        q = get_task("plan").prompt(by_id[s["doc"]["id"]], PromptConfig("chat"), [])
        rendered = tok.apply_chat_template(list(q.messages), tokenize=False, add_generation_prompt=True)
        assert s["arguments"]["gen_args_0"]["arg_0"] == rendered
        assert s["filtered_resps"][0].strip() == ours[s["doc"]["id"]]["completion"]
        assert s["valid"] == (ours[s["doc"]["id"]]["verdict"]["status"] == "valid")
