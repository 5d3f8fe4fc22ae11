"""The coordinator's pages about students: opt-outs, codes, slips, deletions."""
