# `linli rotate-keys` is the name the issue gives; `rotate_keys` is the same command.
from .rotate_keys import Command  # noqa: F401
