"""Background export jobs (issue 17): signed tickets, slots bounding each owner's running jobs,
and job keys that two users never share. The jobs themselves run in tests/browser/test_exports.py."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from components import export_jobs
from config import Settings


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings.from_env({}, state_dir=tmp_path, export_jobs_per_user=2)


def test_a_ticket_changed_in_the_browser_is_refused(settings):
    ticket = export_jobs.make_ticket(settings, "pptx", "all", "user:alice", "10.0.0.1")
    assert export_jobs.checked_ticket(settings, ticket) == ticket
    for field, value in (("owner", "user:bob"), ("fmt", "png"), ("view", "forest-plot"), ("nonce", "0" * 32)):
        assert export_jobs.checked_ticket(settings, {**ticket, field: value}) is None, field
    assert export_jobs.checked_ticket(settings, {**ticket, "sig": "x"}) is None
    assert export_jobs.checked_ticket(settings, None) is None
    key = (Path(settings.state_dir) / "export-jobs" / "ticket.key")
    assert key.stat().st_mode & 0o777 == 0o600


def test_two_users_asking_for_the_same_deck_get_different_job_keys(settings):
    """Dash keys a background result by the callback's arguments: the ticket's owner and nonce
    keep two users' (and two presses') results apart."""
    manager = export_jobs.background_manager(settings)

    def job(ticket, state, store):
        return ticket

    alice = export_jobs.make_ticket(settings, "pptx", "all", "user:alice")
    bob = export_jobs.make_ticket(settings, "pptx", "all", "user:bob")
    again = export_jobs.make_ticket(settings, "pptx", "all", "user:alice")
    keys = {manager.build_cache_key(job, [t, {}, None], [], None) for t in (alice, bob, again)}
    assert len(keys) == 3


def test_slots_bound_each_owner_and_free_when_a_job_ends_or_dies(settings):
    slots = export_jobs.Slots.of(settings)
    assert slots.take("user:alice", "a1") and slots.take("user:alice", "a2")
    assert not slots.take("user:alice", "a3")  # EXPORT_JOBS_PER_USER = 2
    assert slots.take("user:bob", "b1")  # another owner's jobs do not count
    slots.release("user:alice", "a1")
    assert slots.running("user:alice") == 1 and slots.take("user:alice", "a3")
    # A cancelled job's process is killed: its slot stops counting.
    process = multiprocessing.get_context("fork").Process(target=_started, args=(settings, "user:bob", "b1"))
    process.start()
    process.join()
    assert slots.running("user:bob") == 0


def _started(settings: Settings, owner: str, nonce: str) -> None:
    export_jobs.Slots.of(settings).started(owner, nonce)  # then exits without release


def test_visitors_without_user_or_upload_are_counted_by_address():
    assert export_jobs.slot_owner({"owner": "user:alice", "client": "1.2.3.4"}) == "user:alice"
    assert export_jobs.slot_owner({"owner": "session:s1", "client": "1.2.3.4"}) == "session:s1"
    assert export_jobs.slot_owner({"owner": "session:", "client": "1.2.3.4"}) == "client:1.2.3.4"


def test_only_decks_and_every_figure_run_in_the_background():
    images = ("png", "svg", "pdf", "pptx")
    assert export_jobs.runs_in_background("pptx", "forest-plot", "all", images)
    assert export_jobs.runs_in_background("png", "all", "all", images)
    assert not export_jobs.runs_in_background("png", "forest-plot", "all", images)
    assert not export_jobs.runs_in_background("csv", "all", "all", images)
