"""Errors the digest and alert commands report as one line (exit status 2)."""


class DecisionError(Exception):
    """Bad input or a refused delivery: the message names the file, rule or server and what is wrong."""
