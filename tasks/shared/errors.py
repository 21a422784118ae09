"""Named errors. The class name is the error name Step Functions sees, so
workflows Retry and Catch on these names; keep them stable."""


class TickvaultError(Exception):
    """Base of every error a task raises on purpose."""


class InvalidInputError(TickvaultError):
    """The event a task received breaks its input schema. Not retried."""


class InvalidOutputError(TickvaultError):
    """A task built a result that breaks its output schema: a bug. Not retried."""


class TransientError(TickvaultError):
    """A dependency throttled, timed out or failed on its side; worth retrying."""


class IntegrityError(TickvaultError):
    """A stored file does not decrypt, or does not match its digest. Not retried."""


class ConfigurationError(TickvaultError):
    """An environment variable the task needs is missing or malformed."""
