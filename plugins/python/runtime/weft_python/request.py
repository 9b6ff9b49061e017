"""One request as the servers see it, whichever way it came (Weft's frames
or plain HTTP/1.1): what the router parsed, ready for WSGI and ASGI.

Strings are latin-1 decodings of the bytes on the wire (PEP 3333's "native
strings"); ``path`` is the percent-decoded path, also as latin-1 of its
bytes, which is what WSGI's PATH_INFO wants and ASGI re-decodes as UTF-8.
``headers`` is a list of (lower-case name, value) pairs in arrival order.
"""


class Request:
    __slots__ = (
        'method', 'target', 'path', 'query', 'version', 'scheme',
        'remote_addr', 'remote_port', 'server_addr', 'server_port', 'server_name',
        'app_target', 'headers', 'has_body', 'upgrade', 'content_length', 'keep_alive', 'expect_continue',
    )

    def __init__(self):
        self.method = 'GET'
        self.target = '/'
        self.path = '/'
        self.query = ''
        self.version = '1.1'
        self.scheme = 'http'
        self.remote_addr = ''
        self.remote_port = 0
        self.server_addr = ''
        self.server_port = 0
        self.server_name = ''
        self.app_target = ''
        self.headers = []
        self.has_body = False
        self.upgrade = False
        self.content_length = None
        self.keep_alive = True
        # Direct mode: the client waits for "100 Continue" before it sends its body.
        self.expect_continue = False

    def header(self, name):
        """The first value of a header (lower-case name), or None."""
        for k, v in self.headers:
            if k == name:
                return v
        return None

    def raw_path(self):
        """The request target's path as sent (still percent-encoded)."""
        target = self.target
        q = target.find('?')
        return target if q < 0 else target[:q]
