"""Administration: the ``vigie`` command line."""
