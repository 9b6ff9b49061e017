"""Weft's Python runtime: what an application process of a ``python`` app runs.

Standard library only. The process gets its channel to Weft on fd 3 (the
kernel's port framing, ``channel.py``/``port.py``), connections to serve
(``frames.py``: Weft's binary request/response frames; ``http1.py``: plain
HTTP/1.1 for today's router and direct mode), and serves the user's WSGI
(``wsgi.py``) or ASGI (``asgi.py``) callable. ``control.py`` is the one place
that knows Weft's method names and what to do with them.
"""
