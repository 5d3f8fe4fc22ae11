"""Staff screens: school progress, sittings and the room view, all schools, audit.

Nothing here shows an answer, a score or a safeguarding alert: completion
figures are the only thing derived from responses.
"""
