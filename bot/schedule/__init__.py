"""Scheduled work: every tenant's syncs, the monthly snapshot and digest, alerts between digests.

    plan      what should be scheduled (pure: triggers, staggering, digest periods)
    clock     APScheduler over our job store, kept equal to the plan; `step` for a controlled clock
    service   the clock process: leader lock, hot standby, nudges from other processes
    jobs      the job functions APScheduler stores by name, each run recorded and locked
    journal   the digest's step-by-step journal, and finding an interrupted post in the channel
    locks     named locks that die with their process (PostgreSQL advisory / SQLite file lock)
    runtime   what jobs run with: services, settings, a Slack client per tenant
    status    next sync and next digest times for `/billrec status`, `billrec integrations`, settings

See docs/operations.md for the process model.
"""
