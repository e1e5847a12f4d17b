"""The core: storage, sync, links, checks, snapshots and CSV. Knows nothing of Slack."""
