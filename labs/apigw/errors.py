"""The one exception the API Gateway domain raises for bad designs and bad documents."""


class DesignError(ValueError):
    """A design (or a file meant to become one) is malformed; the message says where and why."""
