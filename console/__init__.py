"""The provider's follow-up console: an aiohttp application with server-side templates, on
127.0.0.1 (``CONSOLE_PORT``), over the ``vigie/console`` domain. No script in its pages."""
