"""The operator's command line, ``survey-app``."""
