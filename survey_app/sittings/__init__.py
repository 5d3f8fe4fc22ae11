"""Sittings: one supervised lesson in a computer room, for some form groups."""
