"""Intent quality by Rasa's own cross-validation (`rasa test nlu --cross-validation`)."""
from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from bench.commands import CommandError, run_rasa
from bench.paths import CONFIG_PATH, NLU_DATA

FOLDS = 5
CV_SEED = 42  # folds are the same on every run (see bench/seeded_rasa.py)
CV_TIMEOUT_SECONDS = 30 * 60
DIET_CV_TIMEOUT_SECONDS = 90 * 60
# Reports Rasa writes that are not about entities.
_NON_ENTITY_REPORTS = {"intent_report.json", "response_selection_report.json"}
DIET_CLASSIFIER: dict[str, Any] = {
    "name": "DIETClassifier", "epochs": 40, "entity_recognition": False,
    "constrain_similarities": True, "random_seed": 42}


def read_intent_report(out_dir: Path) -> dict[str, float]:
    """Macro/weighted F1, precision, recall and accuracy from intent_report.json."""
    report = json.loads((out_dir / "intent_report.json").read_text())
    macro, weighted = report["macro avg"], report["weighted avg"]
    return {"macro_f1": macro["f1-score"], "macro_precision": macro["precision"],
            "macro_recall": macro["recall"], "weighted_f1": weighted["f1-score"],
            "accuracy": report.get("accuracy", report.get("micro avg", {}).get("f1-score")),
            "examples": macro["support"]}


def read_confusions(out_dir: Path, top: int = 5) -> list[dict[str, Any]]:
    """The most frequent (true intent, predicted intent) pairs in intent_errors.json."""
    errors_file = out_dir / "intent_errors.json"
    if not errors_file.exists():
        return []
    errors = json.loads(errors_file.read_text())
    pairs = Counter((e["intent"], (e.get("intent_prediction") or {}).get("name") or "None")
                    for e in errors)
    return [{"intent": true, "predicted": predicted, "count": count}
            for (true, predicted), count in pairs.most_common(top)]


def read_entity_reports(out_dir: Path) -> dict[str, dict[str, float]]:
    """Micro/macro entity F1 per extractor from `<Extractor>_report.json`, if Rasa wrote any."""
    found = {}
    for path in sorted(out_dir.glob("*_report.json")):
        if path.name in _NON_ENTITY_REPORTS:
            continue
        report = json.loads(path.read_text())
        found[path.name.removesuffix("_report.json")] = {
            "micro_f1": report.get("micro avg", {}).get("f1-score"),
            "macro_f1": report.get("macro avg", {}).get("f1-score")}
    return found


def cross_validate(config: Path, label: str, folds: int = FOLDS,
                   timeout: float = CV_TIMEOUT_SECONDS) -> dict[str, Any]:
    """Run k-fold intent cross-validation of `config` on the NLU data and read Rasa's reports."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"bench-cv-{label}-") as tmp:
        out_dir = Path(tmp) / "out"
        run_rasa(["test", "nlu", "--nlu", str(NLU_DATA), "--config", str(config),
                  "--cross-validation", "--folds", str(folds), "--out", str(out_dir)],
                 log_name=f"nlu-cv-{label}", timeout=timeout, seed=CV_SEED)
        result: dict[str, Any] = {"classifier": f"{label}: {classifier_label(config)}",
                                  "folds": folds, "fold_seed": CV_SEED,
                                  **read_intent_report(out_dir),
                                  "confused_pairs": read_confusions(out_dir),
                                  "entity_reports": read_entity_reports(out_dir)}
    result["seconds"] = round(time.monotonic() - started, 1)
    return result


def intent_classifiers(pipeline: list[dict[str, Any]]) -> list[int]:
    """Positions of the intent classifiers in a pipeline (every *Classifier but the fallback)."""
    return [i for i, step in enumerate(pipeline)
            if str(step.get("name", "")).rsplit(".", 1)[-1].endswith("Classifier")
            and step.get("name") != "FallbackClassifier"]


def classifier_label(config: Path) -> str:
    """Short name of a config's intent classifier(s), for the tables."""
    pipeline = yaml.safe_load(config.read_text())["pipeline"]
    return "+".join(str(pipeline[i]["name"]).rsplit(".", 1)[-1]
                    for i in intent_classifiers(pipeline)) or "none"


def write_diet_config(source: Path, target: Path) -> Path:
    """Copy config.yml with its intent classifier (LogisticRegression or other) set to DIET."""
    config = yaml.safe_load(source.read_text())
    positions = intent_classifiers(config["pipeline"])
    if not positions:
        raise ValueError(f"{source} has no intent classifier to replace")
    config["pipeline"][positions[0]] = dict(DIET_CLASSIFIER)
    for extra in reversed(positions[1:]):
        del config["pipeline"][extra]
    target.write_text(yaml.safe_dump(config, sort_keys=False))
    return target


def run(compare_diet: bool = False) -> dict[str, Any]:
    """Cross-validate the project's config and, if asked, the DIET variant.

    A failed DIET run is recorded as an error without losing the project's figures.
    """
    results: dict[str, Any] = {"project": cross_validate(CONFIG_PATH, "project")}
    if compare_diet:
        with tempfile.TemporaryDirectory(prefix="bench-diet-") as tmp:
            diet = write_diet_config(CONFIG_PATH, Path(tmp) / "config.yml")
            try:
                results["diet"] = cross_validate(diet, "diet", timeout=DIET_CV_TIMEOUT_SECONDS)
            except CommandError as exc:
                results["diet"] = {"classifier": "diet: DIETClassifier", "error": str(exc)}
    return results
