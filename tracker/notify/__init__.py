"""Reminders on a clock: plan them into the outbox, send them as Web Push, keep them in the inbox.

Only this package talks to push services; the web side writes to the outbox and reads the inbox.
"""
