"""Errors meant for users: entry points turn them into one line and a non-zero exit."""


class BotError(Exception):
    """Base class; str(error) is a complete one-line message for an admin or user."""

    exit_code = 1


class ConfigError(BotError):
    exit_code = 2


class IndexMissingError(BotError):
    exit_code = 2


class IndexInvalidError(BotError):
    """The index exists but cannot be trusted: mismatched model, tampered files, wrong schema."""

    exit_code = 2


class BuildLockedError(BotError):
    exit_code = 3


class BuildError(BotError):
    """A build could not finish; the previous index is still the one being served."""


class ModelLoadError(BotError):
    exit_code = 2


class MetadataFileError(BotError):
    exit_code = 2
