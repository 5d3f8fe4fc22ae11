"""One-time access codes printed on students' slips."""
