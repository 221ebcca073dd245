# `linli open311-key` is the name the issue gives; `open311_key` is the same command.
from .open311_key import Command  # noqa: F401
