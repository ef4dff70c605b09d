"""Prometheus metrics of the process (served on ``/metrics`` by :mod:`bot.web`).

One registry per process (``REGISTRY``), not the library's global one, so that importing this module in
tests never collides with another collector.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES = Counter("teamdesk_updates", "Updates handled, by type and outcome (handled, unhandled, error)",
                  ["type", "outcome"], registry=REGISTRY)
HANDLER_SECONDS = Histogram("teamdesk_handler_seconds", "Time to handle one update", registry=REGISTRY,
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
MESSAGES = Counter("teamdesk_messages_sent", "Proactive messages by outcome (ok, 429, 403, other)",
                   ["outcome"], registry=REGISTRY)
DELIVERIES_PENDING = Gauge("teamdesk_deliveries_pending", "Scheduled deliveries claimed and not sent yet",
                           registry=REGISTRY)
INBOX_PENDING = Gauge("teamdesk_inbox_pending", "Updates stored and not handled yet", registry=REGISTRY)
JOBS = Counter("teamdesk_scheduler_jobs", "Scheduler job runs by job and outcome (ok, failed)",
               ["job", "outcome"], registry=REGISTRY)
LEADER = Gauge("teamdesk_leader", "1 while this replica holds the scheduler lease", registry=REGISTRY)


def render() -> bytes:
    """The metrics in Prometheus text format."""
    return generate_latest(REGISTRY)
