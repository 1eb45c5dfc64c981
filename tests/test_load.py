"""A short version of bench/load.py in CI: concurrent sessions, zero failures, bounded memory, still serving."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_concurrent_sessions_are_all_served() -> None:
    from bench import load

    # cold: the clients arrive while the app computes its defaults (the harder case, and no wait in CI)
    report = load.run(sessions=6, seconds=20, abandoners=1, cold=True)  # one also leaves a max-size training call
    assert report["failed"] == 0, report
    visited = set(report["endpoints"]) - {"abandoned"}
    assert visited <= {"markov", "forward", "generate", "particles", "schedules", "cached"} and len(visited) >= 4
    assert all(e["completed"] >= 1 for e in report["endpoints"].values()), report
    assert report["endpoints"]["abandoned"]["completed"] >= 1  # its call was accepted (and then cancelled)
    assert report["served_after"]
    assert report["rss_mb"]["peak"] < 4000, report  # the model, Gradio and 6 sessions: well under 4 GB
