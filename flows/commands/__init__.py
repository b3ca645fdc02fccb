"""The ``valpub`` commands: one module per command or group, mounted by :mod:`.app`."""
