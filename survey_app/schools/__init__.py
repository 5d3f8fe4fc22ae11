"""Schools and their students: the identity store, kept apart from answers."""
