"""`python -m bench`: run the benchmark parts, print tables, write var/bench/results.json."""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from importlib.metadata import version
from typing import Any, Optional

from bench import abuse, console, entities, handoff, load, nlu, open_questions, policy, production, stock
from bench.paths import RESULTS_PATH
from bench.summary import (
    dig,
    measured_targets,
    nlu_tables,
    open_question_tables,
    speed_tables,
    target_table,
    timing_table,
)

PARTS = ("nlu", "policy", "load", "stock", "console", "abuse", "open_questions", "handoff", "production")


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """The command-line flags."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--skip-nlu", action="store_true", help="skip NLU cross-validation")
    parser.add_argument("--skip-policy", action="store_true",
                        help="skip RulePolicy CPU per prediction with and without the rule-matching patch")
    parser.add_argument("--skip-load", action="store_true", help="skip Career Coach speed")
    parser.add_argument("--skip-stock", action="store_true", help="skip the stock reference")
    parser.add_argument("--skip-console", action="store_true",
                        help="skip the adviser console benchmark (100,000 generated conversations)")
    parser.add_argument("--skip-abuse", action="store_true",
                        help="skip other learners' reply times with and without an abusive client")
    parser.add_argument("--skip-open-questions", action="store_true",
                        help="skip the open-questions development set (right intent, right source, not covered)")
    parser.add_argument("--skip-handoff", action="store_true",
                        help="skip how soon a request for an adviser shows in the console and reaches a webhook")
    parser.add_argument("--skip-production", action="store_true",
                        help="skip the production profile (1 and 2 Rasa servers behind HAProxy) against the "
                             "embedded default, and kill-to-reroute")
    parser.add_argument("--handoff-repeats", type=int, default=handoff.REPEATS, metavar="N",
                        help=f"requests for an adviser the handoff part times (default {handoff.REPEATS})")
    parser.add_argument("--only", choices=PARTS, help="run just this part")
    parser.add_argument("--compare-diet", action="store_true",
                        help="also cross-validate a DIETClassifier config (slow)")
    args = parser.parse_args(argv)
    if args.only:
        for part in PARTS:
            setattr(args, f"skip_{part}", part != args.only)
    return args


def run_part(name: str, job: Callable[[], Any], results: dict[str, Any],
             durations: dict[str, float]) -> None:
    """Run one part, timing it; a failure is recorded in the results, not raised."""
    print(f"[bench] {name} ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    try:
        results[name] = job()
    except Exception as exc:  # noqa: BLE001 - report the failure and carry on with other parts
        results[name] = {"error": f"{type(exc).__name__}: {exc}"}
    durations[name] = round(time.monotonic() - started, 1)
    print(f"[bench] {name} done in {durations[name]:.0f}s", file=sys.stderr, flush=True)


def write_results(results: dict[str, Any]) -> None:
    """Write the figures as JSON to var/bench/results.json."""
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(results, indent=2, default=str) + "\n")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the selected parts; exit 1 if any part failed (targets never fail the run)."""
    args = parse_args(argv)
    results: dict[str, Any] = {"meta": {
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "rasa": version("rasa"), "python": platform.python_version(),
        "flags": vars(args)}}
    durations: dict[str, float] = {}
    if not args.skip_nlu:
        run_part("nlu", lambda: nlu.run(args.compare_diet), results, durations)
        if not dig(results, "nlu", "project", "entity_reports"):
            run_part("entities", entities.run, results, durations)
        print("\n".join(nlu_tables(results)))
    if not args.skip_policy:
        run_part("policy", policy.run, results, durations)
        print("\n".join(policy.policy_table(results.get("policy", {}))))
    if not args.skip_load:
        run_part("load", load.run, results, durations)
    if not args.skip_stock:
        run_part("stock", stock.run, results, durations)
    if not args.skip_console:
        run_part("console", console.run, results, durations)
    if not args.skip_abuse:
        run_part("abuse", abuse.run, results, durations)
    if not args.skip_open_questions:
        run_part("open_questions", open_questions.run, results, durations)
        print("\n".join(open_question_tables(results)))
    if not args.skip_handoff:
        run_part("handoff", lambda: handoff.run(args.handoff_repeats), results, durations)
    if not args.skip_production:
        run_part("production", production.run, results, durations)
    print("\n".join(speed_tables(results) + console.console_tables(results) + abuse.abuse_tables(results)
                    + handoff.handoff_tables(results) + production.production_tables(results)))
    print(target_table(results))
    print(timing_table(durations, results))
    results["targets"] = [target.as_dict(value) for target, value in measured_targets(results)]
    results["durations_seconds"] = durations
    write_results(results)
    print(f"Results written to {RESULTS_PATH}")
    failed = any("error" in results[part] for part in durations)
    return 1 if failed or dig(results, "nlu", "diet", "error") else 0


if __name__ == "__main__":
    sys.exit(main())
