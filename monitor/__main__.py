"""``python -m monitor`` is the ``policywatch`` command."""

from monitor.cli import main

main()
