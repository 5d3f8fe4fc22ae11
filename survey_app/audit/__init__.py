"""The audit trail: who did what to whose data, and when. Append-only."""
