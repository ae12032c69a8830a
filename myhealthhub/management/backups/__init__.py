"""Backup and restore of a whole instance: `myhealthhub backup` and `myhealthhub restore`.

A backup is one tar file: the database as its engine dumps it (SQLite's online
backup, or ``pg_dump``), every stored file exactly as stored (still sealed),
and a manifest with the SHA-256 of each part, written last. The master key is
left out unless asked for; then the whole file is sealed with a passphrase.
"""
