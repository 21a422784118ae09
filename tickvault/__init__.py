"""tickvault: sealed time files on a schedule, served over HTTP behind a per-IP limit."""
