"""``nbprod rerun``: replay notebooks in a fresh kernel and report what does not reproduce.

Separate from the static check path: nothing here runs during ``nbprod check``, and the
kernel is always a new one (never a user's). See docs/rerun.md.
"""
