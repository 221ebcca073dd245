# `linli import-grids FILE` is the name the issue gives; `import_grids` is the same command.
from .import_grids import Command  # noqa: F401
