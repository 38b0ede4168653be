"""The one exception type that means "the user's input or environment is wrong"."""


class BrushworkError(Exception):
    """A problem the user can fix: reported by the CLI as one line and exit code 2, never a traceback."""

    exit_code = 2
