"""Tip Inbox: a newsroom's reader tips, from a mailbox to a triage board."""
