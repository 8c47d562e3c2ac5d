"""Turn the benchmark results into console tables and target verdicts."""
from __future__ import annotations

from typing import Any, Optional

from bench import targets as t
from bench.open_scoring import VERDICTS as OPEN_VERDICTS
from bench.report import table
from bench.targets import Target, verdict_text

Results = dict[str, Any]


def dig(results: Optional[Results], *keys: str) -> Any:
    """results[k1][k2]... or None when any level is missing."""
    value: Any = results
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def throughput_ratio(results: Results) -> Optional[float]:
    """Career Coach messages/second divided by the stock assistant's."""
    ours = dig(results, "load", "concurrent", "msgs_per_s")
    stock = dig(results, "stock", "concurrent", "msgs_per_s")
    return round(ours / stock, 2) if ours and stock else None


def measured_targets(results: Results) -> list[tuple[Target, Any]]:
    """Each target with the figure it applies to (None when that part did not run)."""
    stored = dig(results, "load", "concurrent", "all_stored")
    return [
        (t.INTENT_MACRO_F1, dig(results, "nlu", "project", "macro_f1")),
        (t.SINGLE_MEDIAN_MS, dig(results, "load", "single", "p50_ms")),
        (t.THROUGHPUT_RATIO, throughput_ratio(results)),
        (t.CONCURRENT_P95_MS, dig(results, "load", "concurrent", "p95_ms")),
        (t.ERRORS, _total_errors(results)),
        (t.ALL_STORED, None if stored is None else int(stored)),
        (t.RASA_RSS_MB, dig(results, "load", "concurrent", "rasa_rss_mb")),
        (t.CONSOLE_INBOX_MS, dig(results, "console", "inbox_worst_median_ms")),
        (t.CONSOLE_SEARCH_MS, dig(results, "console", "search_worst_median_ms")),
        (t.CONFIDENT_WRONG_TOPICS, dig(results, "open_questions", "confident_wrong")),
    ]


def _total_errors(results: Results) -> Optional[int]:
    counts = [dig(results, "load", part, "errors") for part in ("single", "concurrent")]
    return None if all(c is None for c in counts) else sum(c or 0 for c in counts)


def nlu_tables(results: Results) -> list[str]:
    """Intent cross-validation, confused pairs and entity scores."""
    out = []
    runs = [r for r in (dig(results, "nlu", "project"), dig(results, "nlu", "diet")) if r]
    if runs and "error" not in runs[0]:
        out.append(table(
            f"NLU: intent cross-validation ({runs[0]['folds']} folds, "
            f"{runs[0]['examples']} examples)",
            ["classifier", "macro-F1", "accuracy", "weighted-F1", "CV time s", "target"],
            [[r["classifier"], r.get("macro_f1"), r.get("accuracy"), r.get("weighted_f1"),
              r.get("seconds"), verdict_text(t.INTENT_MACRO_F1, r.get("macro_f1"))
              if "error" not in r else "FAILED (see below)"] for r in runs]))
        out.append(table("NLU: most confused intent pairs (project config)",
                         ["intent", "predicted as", "count"],
                         [[p["intent"], p["predicted"], p["count"]]
                          for p in runs[0]["confused_pairs"]]))
        reports = runs[0]["entity_reports"]
        if reports:
            out.append(table("NLU: entities (Rasa cross-validation report)",
                             ["extractor", "micro-F1", "macro-F1"],
                             [[k, v["micro_f1"], v["macro_f1"]] for k, v in reports.items()]))
        out += [f"{r['classifier']} failed: {r['error']}\n" for r in runs if "error" in r]
    entities = results.get("entities")
    if isinstance(entities, dict) and "f1" in entities:
        rows = [[label, s["precision"], s["recall"], s["f1"], s["tp"], s["fp"], s["fn"]]
                for label, s in entities["per_label"].items()]
        rows.append(["ALL (micro)", entities["precision"], entities["recall"], entities["f1"],
                     entities["tp"], entities["fp"], entities["fn"]])
        out.append(table(f"NLU: entities ({entities['source']}, "
                         f"{entities['sentences']} sentences)",
                         ["entity", "precision", "recall", "F1", "tp", "fp", "fn"], rows))
        out.append(table("NLU: entity mistakes", ["sentence", "missed", "spurious"],
                         [[m["text"], _pairs(m["missed"]), _pairs(m["spurious"])]
                          for m in entities["mistakes"]]))
    return out


def _pairs(pairs: list[list[str]]) -> str:
    return ", ".join(f"{label}={value}" for label, value in pairs) or "-"


def speed_tables(results: Results) -> list[str]:
    """Single-conversation reply times, and concurrent load side by side with stock."""
    out = []
    single = dig(results, "load", "single")
    if single:
        out.append(table(
            f"Speed: one conversation at a time ({len(single['transcript'])} turns x "
            f"{single['conversations']}, Career Coach)",
            ["metric", "value", "target"],
            [["median ms", single["p50_ms"], verdict_text(t.SINGLE_MEDIAN_MS, single["p50_ms"])],
             ["p95 ms", single["p95_ms"], ""], ["max ms", single["max_ms"], ""],
             ["errors", single["errors"], ""]]))
    ours, stock = dig(results, "load", "concurrent"), dig(results, "stock", "concurrent")
    if ours or stock:
        ratio = throughput_ratio(results)
        rows: list[tuple[str, str, Optional[Target]]] = [
            ("messages per round", "messages", None), ("msgs/s (median round)", "msgs_per_s", None),
            ("msgs/s of each round", "round_msgs_per_s", None),
            ("p50 ms", "p50_ms", None), ("p95 ms", "p95_ms", t.CONCURRENT_P95_MS),
            ("max ms", "max_ms", None), ("errors (all rounds)", "errors", t.ERRORS),
            ("user events stored", "stored_user_events", None),
            ("all stored", "all_stored", t.ALL_STORED),
            ("Rasa RSS MB (with children)", "rasa_rss_mb", t.RASA_RSS_MB),
            ("Rasa server CPU ms per message", "rasa_cpu_ms_per_msg", None)]
        body = [[label, dig(ours, key), dig(stock, key),
                 verdict_text(target, _as_number(dig(ours, key))) if target else ""]
                for label, key, target in rows]
        body.append(["msgs/s ratio (ours/stock)", ratio, "", verdict_text(t.THROUGHPUT_RATIO,
                                                                          ratio)])
        body.append(["action server CPU ms per message",
                     dig(ours, "helper_cpu_ms_per_msg", "load-actions"), "-", ""])
        body.append(["server start to first answer s", dig(results, "load", "startup_seconds"),
                     dig(results, "stock", "startup_seconds"), ""])
        conversations = dig(ours, "conversations") or dig(stock, "conversations")
        rounds = dig(ours, "rounds") or dig(stock, "rounds") or 1
        out.append(table(f"Speed: {conversations} concurrent conversations x 10 messages, "
                         f"{rounds} rounds, median round shown",
                         ["metric", "Career Coach", "stock rasa init", "target (ours)"], body))
        errors = (dig(ours, "error_examples") or []) + (dig(results, "load", "single",
                                                            "error_examples") or [])
        if errors:
            out.append(table("Speed: error examples (Career Coach)", ["message: error"],
                             [[e] for e in errors[:5]]))
    return out


def _as_number(value: Any) -> Any:
    return int(value) if isinstance(value, bool) else value


def target_table(results: Results) -> str:
    """Every target with its measured value and PASS/MISS (n/a for parts that were skipped)."""
    return table("Targets", ["target", "measured", "verdict"],
                 [[f"{target.key} {target.describe()}", value, target.verdict(value)]
                  for target, value in measured_targets(results)])


def timing_table(durations: dict[str, float], results: Results) -> str:
    """How long each part took, whether it failed, and the failures in full."""
    rows = [[part, f"{seconds:.1f}", "FAILED" if dig(results, part, "error") else "ok"]
            for part, seconds in durations.items()]
    failures = [f"{part} failed: {dig(results, part, 'error')}" for part in durations
                if dig(results, part, "error")]
    return "\n".join([table("Time per part", ["part", "seconds", "status"], rows), *failures])


OPEN_KINDS = (("intent", "answered by the right intent"), ("retrieved", "retrieved from a right source"),
              ("not_covered", "correctly not covered"))
MISTAKES_SHOWN = 40


def open_question_tables(results: Results) -> list[str]:
    """The open-questions part: shares per kind, per career, the confusion matrix and the mistakes."""
    part = results.get("open_questions")
    if not isinstance(part, dict):
        return []
    if "error" in part:
        return [f"Open questions failed: {part['error']}\n"]
    kinds = [[label, dig(part, "by_kind", kind, "cases"), *(dig(part, "by_kind", kind, v) for v in OPEN_VERDICTS),
              dig(part, "by_kind", kind, "right_share")] for kind, label in OPEN_KINDS]
    kinds.append(["confident wrong topics (all cases)", part["cases"], "", "", "", part["confident_wrong"], "", "",
                  verdict_text(t.CONFIDENT_WRONG_TOPICS, part["confident_wrong"])])
    out = [table(f"Open questions: {part['cases']} single-turn questions with page context "
                 f"(bench/open_cases.py; median reply {part.get('median_reply_ms')} ms; "
                 f"career context missing in {part.get('career_context_missing')} turns)",
                 ["expected", "cases", *OPEN_VERDICTS, "share right / target"], kinds)]
    out.append(table("Open questions by career", ["career", *OPEN_VERDICTS],
                     [[career, *(counts.get(v, 0) for v in OPEN_VERDICTS)]
                      for career, counts in part["by_career"].items()]))
    confusion: dict[str, dict[str, int]] = part["confusion"]
    columns = sorted({col for cols in confusion.values() for col in cols}, key=_open_column_order)
    out.append(table("Open questions: confusion matrix (rows: expected topic; columns: last_topic the turn set)",
                     ["expected", "n", *columns],
                     [[row, sum(cols.values()), *(cols.get(c) or "." for c in columns)]
                      for row, cols in confusion.items()]))
    mistakes = part["mistakes"]
    out.append(table(f"Open questions: the first {min(len(mistakes), MISTAKES_SHOWN)} of {len(mistakes)} "
                     "replies that were not right",
                     ["career", "verdict", "expected", "got", "intent", "question"],
                     [[m["career"], m["verdict"], m["expected"], m["got"], m["intent"], m["text"][:70]]
                      for m in mistakes[:MISTAKES_SHOWN]]))
    return out


def _open_column_order(column: str) -> tuple[int, str]:
    return ({"not_covered": 0, "retrieved": 1}.get(column, 3 if column.startswith("(") else 2), column)
