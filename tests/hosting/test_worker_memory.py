"""A gunicorn worker's memory does not keep growing with varied use (issue 12: after 2,000 varied
figure-callback requests RSS within 1.2x of after 100; bench/memory.py measures that full run).

Bounded here: 100 vs 600 requests, on one real gunicorn worker (the project's config), the same
varied view states the bench sends (facets, endpoints, grade bands, highlights, pages), RSS read
from /proc/<worker pid>/status.
"""

from __future__ import annotations

from bench import memory


def test_worker_rss_after_600_varied_requests_within_1_2x_of_after_100(gunicorn):
    server = gunicorn(workers=1, threads=4)

    def worker() -> int:
        pids = server.worker_pids()
        assert len(pids) == 1, f"expected one gunicorn worker, found {sorted(pids)}"
        return next(iter(pids))

    out = memory.drive(server.port, worker, checkpoints=(100, 600), budget_s=240)

    assert out["complete"], f"only {out['requests']} requests in {out['seconds']:.0f} s"
    assert out["errors"] == 0
    assert out["same_worker"], "the worker was replaced during the run"
    assert out["states"] >= 30  # varied: one figure request per view (about 18) per state
    rss = out["rss_kib"]
    assert rss[600] / rss[100] <= memory.TARGET, f"RSS grew from {rss[100]} KiB to {rss[600]} KiB"
