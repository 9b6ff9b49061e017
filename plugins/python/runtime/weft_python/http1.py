"""Plain HTTP/1.1 on a connection, for what today's router sends (routed
mode: a stream socket it writes the request it parsed to, with the client in
an ``x-weft-client`` header) and for direct mode (the process accepts on the
listener's own socket). The router's frames (frames.py) are the fast way;
this is the compatible one, with the same sink interface as FrameParser:
head(Request), body(bytes), end(), and raw(bytes) after a 101.

Parsing is Unit's leniency: bare LF line ends are accepted; obs-fold, a
Content-Length together with Transfer-Encoding, several different
Content-Lengths, a bad chunk are refused (400), a head over 32 KiB is 431,
a declared body over max_body_size is 413.
"""
import time
from urllib.parse import unquote_to_bytes

from .request import Request
from .server_base import str_headers

MAX_HEAD = 32 * 1024
CLIENT_HEADER = 'x-weft-client'

_TOKEN = frozenset(b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_REASONS = {
    100: 'Continue', 101: 'Switching Protocols', 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content',
    206: 'Partial Content', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified',
    307: 'Temporary Redirect', 308: 'Permanent Redirect', 400: 'Bad Request', 401: 'Unauthorized',
    403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 408: 'Request Timeout', 409: 'Conflict',
    411: 'Length Required', 413: 'Payload Too Large', 414: 'URI Too Long', 415: 'Unsupported Media Type',
    426: 'Upgrade Required', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large',
    500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
    504: 'Gateway Timeout',
}


CONTINUE = b'HTTP/1.1 100 Continue\r\n\r\n'


def reason_phrase(status):
    return _REASONS.get(status, 'Unknown')


class HttpError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def error_response(status):
    """Unit's error page, with the connection closed after it."""
    title = '%d %s' % (status, reason_phrase(status))
    body = ('<!DOCTYPE html><title>Error %d</title><p>Error %d.\r\n' % (status, status)).encode('ascii')
    head = 'HTTP/1.1 %s\r\nContent-Type: text/html\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' % (title, len(body))
    return head.encode('latin-1') + body


class Http1Parser:
    """``routed``: the peer is Weft's router (trust its x-weft-client header).
    ``local``: (address, port) of the accepting socket in direct mode."""

    def __init__(self, sink, routed, local=None, max_body_size=None):
        self.sink = sink
        self.routed = routed
        self.local = local
        self.max_body_size = max_body_size
        self.raw = False
        self.paused = False
        self._buf = bytearray()
        self._state = 'head'
        self._remaining = 0
        self._chunked = False

    def feed(self, data):
        if self.raw:
            self.sink.raw(data)
            return
        if not self._buf and not self.paused and self._state in ('body', 'chunk-data'):
            # The common case of a body: pass slices of what was read on, no copy kept here.
            n = min(self._remaining, len(data))
            piece = data if n == len(data) else data[:n]
            self._remaining -= n
            if self._state == 'chunk-data':
                if self._remaining == 0:
                    self._state = 'chunk-end'
                self.sink.body(piece)
            else:
                if self._remaining == 0:
                    self._state = 'head'
                    self.paused = True
                self.sink.body(piece)
                if self._remaining == 0:
                    self.sink.end()
            data = data[n:]
            if not data:
                return
        self._buf += data
        if not self.paused:
            self._run()

    def partial(self):
        """Part of a request head is here, the rest is not."""
        return self._state == 'head' and bool(self._buf) and not self.paused

    def resume(self):
        """The answer to the request before is complete: go on to the next one."""
        self.paused = False
        if self._buf and not self.raw:
            self._run()

    def _run(self):
        buf = self._buf
        while buf and not self.paused and not self.raw:
            state = self._state
            if state == 'head':
                end = buf.find(b'\r\n\r\n')
                skip = 4
                if end < 0:
                    end = buf.find(b'\n\n')
                    skip = 2
                    if end < 0:
                        if len(buf) > MAX_HEAD:
                            raise HttpError(431, 'the request head is over %d bytes' % MAX_HEAD)
                        return
                if end > MAX_HEAD:
                    raise HttpError(431, 'the request head is over %d bytes' % MAX_HEAD)
                head = bytes(buf[:end])
                del buf[:end + skip]
                if not head.strip():
                    continue  # empty lines between requests are tolerated (RFC 9112, 2.2)
                request = self._parse_head(head)
                if request.has_body:
                    self._state = 'chunk-size' if self._chunked else 'body'
                self.sink.head(request)
                if not request.has_body:
                    self.paused = True
                    self.sink.end()
            elif state == 'body':
                n = min(self._remaining, len(buf))
                piece = bytes(buf[:n])
                del buf[:n]
                self._remaining -= n
                self.sink.body(piece)
                if self._remaining == 0:
                    self._state = 'head'
                    self.paused = True
                    self.sink.end()
            elif state == 'chunk-size':
                nl = buf.find(b'\n')
                if nl < 0:
                    if len(buf) > 4096:
                        raise HttpError(400, 'a chunk size line is too long')
                    return
                line = bytes(buf[:nl]).rstrip(b'\r').split(b';', 1)[0].strip()
                del buf[:nl + 1]
                try:
                    size = int(line, 16)
                except ValueError:
                    raise HttpError(400, 'a bad chunk size') from None
                if size < 0:
                    raise HttpError(400, 'a bad chunk size')
                if size == 0:
                    self._state = 'trailers'
                else:
                    self._count(size)
                    self._remaining = size
                    self._state = 'chunk-data'
            elif state == 'chunk-data':
                n = min(self._remaining, len(buf))
                piece = bytes(buf[:n])
                del buf[:n]
                self._remaining -= n
                self.sink.body(piece)
                if self._remaining == 0:
                    self._state = 'chunk-end'
            elif state == 'chunk-end':
                if len(buf) < 2 and buf[:1] != b'\n':
                    return
                if buf[:2] == b'\r\n':
                    del buf[:2]
                elif buf[:1] == b'\n':
                    del buf[:1]
                else:
                    raise HttpError(400, 'a chunk does not end with CRLF')
                self._state = 'chunk-size'
            elif state == 'trailers':
                nl = buf.find(b'\n')
                if nl < 0:
                    return
                line = bytes(buf[:nl]).rstrip(b'\r')
                del buf[:nl + 1]
                if not line:
                    # Trailers stay on this hop, as the router keeps them.
                    self._state = 'head'
                    self.paused = True
                    self.sink.end()

    def _count(self, size):
        self._received = getattr(self, '_received', 0) + size
        if self.max_body_size is not None and self._received > self.max_body_size:
            raise HttpError(413, 'the body is over max_body_size')

    def _parse_head(self, head):
        lines = head.decode('latin-1').split('\n')
        line = lines[0].rstrip('\r')
        parts = line.split(' ')
        if len(parts) != 3 or not parts[0] or not parts[2].startswith('HTTP/1.'):
            # Unit takes an unencoded space in the target.
            if len(parts) > 3 and parts[-1].startswith('HTTP/1.'):
                parts = [parts[0], ' '.join(parts[1:-1]), parts[-1]]
            else:
                raise HttpError(400, 'a bad request line')
        method, target, version = parts
        if not _TOKEN.issuperset(method.encode('latin-1')):
            raise HttpError(400, 'a bad method')
        if version not in ('HTTP/1.1', 'HTTP/1.0'):
            raise HttpError(400, 'an unsupported HTTP version')
        r = Request()
        r.method = method
        r.target = target
        r.version = version[5:]
        headers = []
        content_length = None
        chunked = False
        connection = ''
        client = None
        for raw in lines[1:]:
            raw = raw.rstrip('\r')
            if not raw:
                continue
            if raw[0] in ' \t':
                raise HttpError(400, 'obs-fold in a header')
            colon = raw.find(':')
            if colon <= 0:
                raise HttpError(400, 'a header without a name')
            name = raw[:colon]
            if not _TOKEN.issuperset(name.encode('latin-1')):
                raise HttpError(400, 'a bad header name')
            name = name.lower()
            value = raw[colon + 1:].strip(' \t')
            if name == CLIENT_HEADER:
                # Only the router may name the client; from anyone else it is dropped.
                if self.routed:
                    client = value
                continue
            if name == 'content-length':
                if not value.isdigit() or (content_length is not None and int(value) != content_length):
                    raise HttpError(400, 'a bad Content-Length')
                content_length = int(value)
            elif name == 'transfer-encoding':
                chunked = value.lower().rsplit(',', 1)[-1].strip() == 'chunked'
                if not chunked:
                    raise HttpError(501, 'an unsupported Transfer-Encoding')
            elif name == 'connection':
                connection = value.lower()
            headers.append((name, value))
        if chunked and content_length is not None:
            raise HttpError(400, 'both Content-Length and Transfer-Encoding')
        r.headers = headers
        self._chunked = chunked
        self._received = 0
        if chunked:
            r.has_body = True
        elif content_length:
            if self.max_body_size is not None and content_length > self.max_body_size:
                raise HttpError(413, 'the body is over max_body_size')
            r.has_body = True
            r.content_length = content_length
            self._remaining = content_length
        elif content_length == 0:
            r.content_length = 0
        if r.version == '1.1':
            r.keep_alive = 'close' not in connection
            if r.has_body and not self.routed:
                for name, value in headers:
                    if name == 'expect' and value.lower() == '100-continue':
                        r.expect_continue = True
        else:
            r.keep_alive = 'keep-alive' in connection
        q = target.find('?')
        path = target if q < 0 else target[:q]
        r.query = '' if q < 0 else target[q + 1:]
        if path.startswith('http://') or path.startswith('https://'):
            slash = path.find('/', path.find('//') + 2)
            path = '/' if slash < 0 else path[slash:]
        r.path = unquote_to_bytes(path).decode('latin-1') if '%' in path else path
        upgrade = None
        host = None
        for name, value in headers:
            if name == 'upgrade':
                upgrade = value
            elif name == 'host' and host is None:
                host = value
        r.upgrade = upgrade is not None and 'upgrade' in connection
        if client is not None:
            fields = client.split(' ')
            r.remote_addr = fields[0]
            r.remote_port = int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else 0
            r.scheme = fields[2] if len(fields) > 2 else 'http'
        elif self.local is not None:
            r.remote_addr, r.remote_port = self.local[2], self.local[3]
        if self.local is not None:
            r.server_addr, r.server_port = self.local[0], self.local[1]
        if host:
            if host.startswith('['):
                end = host.find(']')
                r.server_name = host[:end + 1]
                port = host[end + 2:] if host[end + 1:end + 2] == ':' else ''
            else:
                name, _, port = host.partition(':')
                r.server_name = name
            if not r.server_port and port.isdigit():
                r.server_port = int(port)
        else:
            r.server_name = r.server_addr
        if not r.server_port:
            r.server_port = 443 if r.scheme == 'https' else 80
        return r


class DateCache:
    """The Date header's value, made once a second."""

    def __init__(self):
        self._second = -1
        self._value = ''

    def get(self):
        now = int(time.time())
        if now != self._second:
            self._second = now
            self._value = time.strftime('%a, %d %b %Y %H:%M:%S GMT', time.gmtime(now))
        return self._value


DATE = DateCache()
_HOP = frozenset(('connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection'))


class Http1Response:
    """How one answer is framed on an HTTP/1.1 connection (the interface
    frames.FrameResponse has too): Content-Length when the app gave it, else
    chunked (HTTP/1.1) or until the close (1.0). ``server_header``: direct
    mode names the server, and dates the answer, as the router would."""

    __slots__ = ('request', 'head_only', 'chunked', 'keep_alive', 'server_header', '_ended')

    def __init__(self, request, server_header=None):
        self.request = request
        self.head_only = request.method == 'HEAD'
        self.chunked = False
        self.keep_alive = request.keep_alive
        self.server_header = server_header
        self._ended = False

    def head(self, status, headers, last=False):
        """``headers``: (str, str) pairs. ``last``: no body follows."""
        out = ['HTTP/1.1 %d %s\r\n' % (status, reason_phrase(status))]
        length = None
        named = False
        upgrade = status == 101
        for name, value in headers:
            lower = name.lower()
            if lower in _HOP and not upgrade:
                if lower == 'connection' and 'close' in value.lower():
                    self.keep_alive = False
                continue
            if lower == 'content-length':
                length = value
            elif lower == 'server':
                named = True
            if '\n' in value or '\r' in value or '\n' in name or '\r' in name:
                raise ValueError('a response header holds a CR or LF character')
            out.append('%s: %s\r\n' % (name, value))
        if self.server_header and not named:
            out.append('Server: %s\r\n' % self.server_header)
        if self.server_header:
            out.append('Date: %s\r\n' % DATE.get())
        bodiless = status < 200 or status in (204, 304)
        if bodiless:
            self.head_only = True  # whatever the app writes, this answer has no body
        if upgrade:
            self.keep_alive = False
            self._ended = True
        elif last:
            self._ended = True
            if length is None and not bodiless and not self.head_only:
                out.append('Content-Length: 0\r\n')
        elif length is None and not bodiless:
            if self.request.version == '1.1':
                self.chunked = True
                out.append('Transfer-Encoding: chunked\r\n')
            else:
                self.keep_alive = False
        if not upgrade and not self.keep_alive:
            out.append('Connection: close\r\n')
        elif not upgrade and self.request.version == '1.0':
            out.append('Connection: keep-alive\r\n')
        out.append('\r\n')
        return ''.join(out).encode('latin-1')

    def head_bytes(self, status, headers, last=False):
        """head() with ASGI's (bytes, bytes) pairs."""
        return self.head(status, str_headers(headers), last)

    def body(self, data):
        if self.head_only or not data:
            return b''
        if self.chunked:
            return b'%x\r\n%s\r\n' % (len(data), data)
        return data

    def body_prefix(self, size):
        return b'%x\r\n' % size if self.chunked and not self.head_only else b''

    def body_suffix(self):
        return b'\r\n' if self.chunked and not self.head_only else b''

    def end(self):
        if self._ended:
            return b''
        self._ended = True
        return b'0\r\n\r\n' if self.chunked and not self.head_only else b''

    def whole(self, status, headers, body):
        """A complete answer in one buffer, with Content-Length when the app gave none."""
        if status >= 200 and status not in (204, 304):
            for name, _ in headers:
                if len(name) == 14 and name.lower() == 'content-length':
                    break
            else:
                headers = headers + [('Content-Length', str(len(body)))]
        head = self.head(status, headers, True)
        return head if self.head_only else head + body

    def whole_bytes(self, status, headers, body):
        """whole() with ASGI's (bytes, bytes) pairs."""
        return self.whole(status, str_headers(headers), body)

    def abort(self, message):
        # HTTP cannot say that an answer broke, except by closing the connection.
        self.keep_alive = False
        self._ended = True
        return None
