"""Backing up the whole database to one file and restoring it: ``lawexam backup`` / ``restore``."""
