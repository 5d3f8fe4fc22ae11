"""Instruments and questionnaires, loaded from data files and checked on load."""
