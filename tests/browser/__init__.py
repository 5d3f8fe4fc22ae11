"""Browser tests: students take the survey in Debian's Chromium, through Playwright."""
