"""The clock: APScheduler running every tenant's syncs, the monthly digest and alerts between digests.

    clock     APScheduler over our job store, kept equal to the plan; `step` for a controlled clock
    service   the clock process: leader lock, hot standby, nudges from other processes
    jobs      the job functions APScheduler stores by name, each run recorded and locked
    lookup    finding an interrupted digest post in the channel
    runtime   what jobs run with: services, settings, a Slack WebClient per tenant, locks

What to schedule, the records of runs, locks, the digest journal and the alert rules are
`reconcile.schedule`'s; this package drives them and talks to Slack. See docs/operations.md.
"""
