"""The production part's pure helpers: /proc stat parsing, per-message CPU, web chat answers, its tables."""
from __future__ import annotations

from bench.production import cores_cap, per_message_ms, process_names, production_tables
from bench.reroute import Sent, answered_ids, backend_retries, only_apology, reroute_summary
from bench.resources import stat_cpu_ticks
from bench.throughput import load_rounds
from bot.rasa.channels.guard import TROUBLE_REPLY

# A real line's shape: utime 1200, stime 300, cutime 40, cstime 10; the name holds spaces and ')'.
STAT = ("4242 (postgres: x) y) S 1 4242 4242 0 -1 4194560 900 0 0 0 1200 300 40 10 20 0 1 0 "
        "555 123456789 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0")


def test_stat_cpu_ticks_adds_own_and_waited_for_children_time_after_the_name() -> None:
    assert stat_cpu_ticks(STAT) == 1200 + 300 + 40 + 10


def test_per_message_ms_divides_each_process_cpu_by_the_messages() -> None:
    before = {"rasa-1": 10.0, "postgres": 2.0, "web": 1.0}
    after = {"rasa-1": 12.5, "postgres": 2.5}
    assert per_message_ms(before, after, 100) == {"rasa-1": 25.0, "postgres": 5.0, "web": None}
    assert per_message_ms(before, after, 0) == {"rasa-1": None, "postgres": None, "web": None}


def test_cores_cap_is_two_cores_over_the_summed_cpu_per_message() -> None:
    assert cores_cap({"rasa-1": 15.0, "actions-1": 5.0, "web": None}) == 100.0
    assert cores_cap({"web": None}) is None


def test_process_names_cover_every_server_of_the_profile() -> None:
    assert process_names(2) == ["rasa-1", "rasa-2", "actions-1", "actions-2", "postgres", "redis", "haproxy", "web"]


def test_answered_ids_counts_a_bot_message_for_the_learner_message_before_it() -> None:
    messages = [{"from": "bot", "text": "hello"},
                {"from": "user", "client_id": "a"}, {"from": "bot", "text": "one"}, {"from": "bot", "text": "two"},
                {"from": "user", "client_id": "b"},
                {"from": "user", "client_id": "c"}, {"from": "bot", "text": TROUBLE_REPLY},
                {"from": "user", "client_id": "d"}]
    assert answered_ids(messages) == {"a": True, "b": False, "c": True, "d": False}
    assert only_apology(messages, "c") is True
    assert only_apology(messages, "a") is False
    assert only_apology(messages, "b") is False


def test_reroute_summary_counts_errors_retries_and_lost_messages() -> None:
    ok = Sent("s1", "a", "hi", sent_at=1.0, attempts=1, seconds=0.2)
    retried = Sent("s1", "b", "hi", sent_at=5.0, attempts=2, problems=["ServerDisconnectedError"], seconds=0.4)
    lost = Sent("s2", "c", "hi", sent_at=6.0, attempts=6, problems=["HTTP 503"] * 6)
    summary = reroute_summary([ok, retried, lost], {"s1": {"a": True, "b": True}, "s2": {"c": False}}, killed_at=4.0)
    assert summary["messages"] == 3
    assert (summary["with_error"], summary["retried"], summary["unanswered_after_retries"], summary["lost"]) == (
        2, 2, 1, 1)
    assert summary["problems"] == ["HTTP 503", "ServerDisconnectedError"]
    assert summary["max_ms_after_kill"] == 400.0


def test_load_rounds_reports_the_median_round_and_every_sender(monkeypatch) -> None:
    rates = iter([30.0, 10.0, 20.0])

    def fake_load(url, messages, conversations, prefix, apologies):
        return ({"conversations": conversations, "messages": 4, "msgs_per_s": next(rates), "errors": 1,
                 "error_examples": [f"{prefix}: HTTP 502"]}, [f"{prefix}-x"])

    monkeypatch.setattr("bench.throughput.concurrent_load", fake_load)
    summary, senders = load_rounds("http://x", ["a", "b"], "p", conversations=2, rounds=3)
    assert summary["msgs_per_s"] == 20.0
    assert summary["round_msgs_per_s"] == [30.0, 10.0, 20.0]
    assert (summary["errors"], summary["total_messages"]) == (3, 12)
    assert senders == ["p-0-x", "p-1-x", "p-2-x"]
    assert summary["error_examples"] == ["p-0: HTTP 502", "p-1: HTTP 502", "p-2: HTTP 502"]


def _level(rate: float, servers: int) -> dict:
    cpu = {name: 5.0 for name in process_names(servers)} | {"bench client": 2.0}
    return {"rounds": 1, "msgs_per_s": rate, "round_msgs_per_s": [rate], "p50_ms": 100.0, "p95_ms": 200.0,
            "max_ms": 300.0, "errors": 0, "cpu_ms_per_msg": cpu}


def test_production_tables_render_every_setup_the_note_and_the_reroute() -> None:
    part = {"embedded": {"servers": 1, "levels": {"20": _level(30.0, 1)}, "rss_mb": {"rasa-1": 800.0}},
            "profile_1": {"servers": 1, "levels": {"20": _level(25.0, 1), "100": _level(26.0, 1)},
                          "rss_mb": {"rasa-1": 840.0}},
            "profile_2": {"servers": 2, "levels": {"20": _level(30.0, 2), "100": _level(31.2, 2)},
                          "rss_mb": {"rasa-1": 830.0, "rasa-2": 850.0},
                          "reroute": {"killed": "rasa-1", "conversations": 5, "down_s": 1.5, "lost": 0,
                                      "problems": []}}}
    text = "\n".join(production_tables({"production": part}))
    assert "embedded default" in text and "profile, 2 Rasa servers" in text
    assert "1.20x at 100" in text
    assert "HAProxy marks it DOWN after s" in text
    assert "840.0" in text
    assert production_tables({"production": {"error": "boom"}}) == ["Production profile failed: boom\n"]
    assert production_tables({}) == []


STATS_CSV = ("# pxname,svname,qcur,wretr,wredis,status\n"
             "rasa_servers,rasa-1,0,2,1,UP\n"
             "rasa_servers,BACKEND,0,3,2,UP\n"
             "action_servers,BACKEND,0,9,9,UP\n")


def test_backend_retries_reads_the_backend_line_of_haproxy_statistics() -> None:
    assert backend_retries(STATS_CSV) == {"retries": 3, "redispatches": 2}
    assert backend_retries(STATS_CSV, "missing") == {"retries": 0, "redispatches": 0}
