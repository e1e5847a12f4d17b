"""Scheduled work's rules and records; the clock that runs it is `bot.schedule`.

    plan       what should be scheduled (pure: triggers, staggering, digest periods and slots)
    timetable  the jobs the database asks for, the job store, next sync and next digest times
    job_runs   each job run recorded and locked; runs a dead process left behind
    locks      named locks that die with their process (PostgreSQL advisory / SQLite file lock)
    leader     which clock process leads, and the nudges other processes leave it
    journal    the digest's step-by-step journal (exactly once across crashes)
    digest     the digest's syncs, snapshot and comparisons
    alerts     which under-billing is news between digests, and what was announced

See docs/operations.md for the process model.
"""

from reconcile.audit import Actor

ACTOR = Actor("scheduler", "scheduler")  # who scheduled work is, in the audit log
