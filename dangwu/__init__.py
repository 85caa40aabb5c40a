"""电子党务平台 — the e-party-affairs platform."""
