"""The student's side: code, assent, questions, end page."""
