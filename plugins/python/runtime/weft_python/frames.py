"""Weft's request/response frames between the router and a Python process
(plugins/python/PROTOCOL.md has the whole format; the Node side is
src/transport/frames/).

Every frame: an 8-byte header ``u8 type, u8 flags, u16 reserved, u32 LE
payload length``, then the payload. Router -> app: HEAD (the request head,
flag LAST when no body follows, UPGRADE when the client asked to switch
protocols), BODY pieces (the last one flagged LAST, maybe empty), ABORT (the
client went away). App -> router: HEAD (status and headers; LAST when the
answer has no body), BODY (LAST on the final one), ABORT (the answer broke
after its head went out; a message says why). After a HEAD with status 101,
the connection carries raw bytes both ways (WebSocket) and is never reused.

The request head is one latin-1 string of NUL-separated fields, so that
Python takes it apart with one decode and one split, both in C:

    count NUL version NUL method NUL scheme NUL target NUL query NUL
    remote_addr NUL remote_port NUL server_addr NUL server_port NUL
    server_name NUL app_target NUL (name NUL value NUL) * count  path

``count`` is the number of header pairs (decimal); names are lower-case;
``path`` (percent-decoded, so it may hold any byte, NUL too) is last and
runs to the end of the payload.
"""
import struct

from .request import Request

HEADER = struct.Struct('<BBHI')
HEADER_SIZE = HEADER.size

HEAD = 1
BODY = 2
ABORT = 3

LAST = 1
UPGRADE = 2

FIXED_FIELDS = 12
# A head larger than this is a protocol error (the router's limit is 32 KiB of headers).
MAX_HEAD = 1 << 20
# Body frames are what the router read from the client: a few 64 KiB at most.
MAX_BODY_FRAME = 16 << 20

EMPTY_END = HEADER.pack(BODY, LAST, 0, 0)


class ProtocolError(Exception):
    pass


def parse_head(payload, flags):
    text = payload.decode('latin-1')
    cut = text.index('\0')
    count = int(text[:cut])
    parts = text.split('\0', FIXED_FIELDS + 2 * count)
    if len(parts) != FIXED_FIELDS + 2 * count + 1:
        raise ProtocolError('a request head with %d fields where %d were announced' % (len(parts), FIXED_FIELDS + 2 * count + 1))
    r = Request()
    (_, r.version, r.method, r.scheme, r.target, r.query, r.remote_addr, remote_port,
     r.server_addr, server_port, r.server_name, r.app_target) = parts[:FIXED_FIELDS]
    r.remote_port = int(remote_port or 0)
    r.server_port = int(server_port or 0)
    r.path = parts[-1]
    names = parts[FIXED_FIELDS:-1:2]
    values = parts[FIXED_FIELDS + 1:-1:2]
    r.headers = list(zip(names, values))
    r.has_body = not flags & LAST
    r.upgrade = bool(flags & UPGRADE)
    if r.has_body:
        for name, value in r.headers:
            if name == 'content-length':
                r.content_length = int(value)
                break
    return r


class FrameParser:
    """Push parser of the router's side. ``sink`` gets head(Request),
    body(bytes), end(), abort(), and raw(bytes) once switched to raw.

    Body frames are passed on as their bytes arrive (never held whole), as
    slices of what was read: only a split frame header or head waits here.
    """

    def __init__(self, sink):
        self.sink = sink
        self._buf = b''
        self._body_left = 0
        self._body_last = False
        self.raw = False

    def resume(self):
        """The router sends a request only once the answer before is complete:
        nothing waits here between requests (http1.Http1Parser needs this)."""

    def partial(self):
        return bool(self._buf)

    def feed(self, data):
        if self.raw:
            self.sink.raw(data)
            return
        if self._buf:
            data = self._buf + data
            self._buf = b''
        pos = 0
        size = len(data)
        sink = self.sink
        while pos < size:
            if self._body_left:
                n = min(self._body_left, size - pos)
                piece = data if n == size else data[pos:pos + n]
                pos += n
                self._body_left -= n
                sink.body(piece)
                if not self._body_left and self._body_last:
                    sink.end()
                continue
            if size - pos < HEADER_SIZE:
                break
            type_, flags, _, n = HEADER.unpack_from(data, pos)
            if type_ == BODY:
                if n > MAX_BODY_FRAME:
                    raise ProtocolError('a body frame of %d bytes' % n)
                pos += HEADER_SIZE
                if n:
                    self._body_left = n
                    self._body_last = bool(flags & LAST)
                elif flags & LAST:
                    sink.end()
                continue
            if n > MAX_HEAD:
                raise ProtocolError('a frame of %d bytes' % n)
            end = pos + HEADER_SIZE + n
            if end > size:
                break
            payload = data[pos + HEADER_SIZE:end]
            pos = end
            if type_ == HEAD:
                request = parse_head(payload, flags)
                sink.head(request)
                if flags & LAST:
                    sink.end()
            elif type_ == ABORT:
                sink.abort()
            else:
                raise ProtocolError('an unknown frame type %d' % type_)
            if self.raw:
                # The sink switched to raw bytes (a 101 went out): the rest is not frames.
                if pos < size:
                    sink.raw(data[pos:])
                return
        if pos < size:
            self._buf = data[pos:]


def _check(payload, pairs):
    if b'\r' in payload or b'\n' in payload or payload.count(b'\0') != 2 * pairs:
        raise ValueError('a response header holds a CR, LF or NUL character')


def encode_head(status, headers, last=False):
    """``headers``: (str, str) pairs (WSGI's native strings)."""
    fields = [str(status)]
    for name, value in headers:
        fields.append(name)
        fields.append(value)
    payload = '\0'.join(fields).encode('latin-1')
    _check(payload, len(headers))
    return HEADER.pack(HEAD, LAST if last else 0, 0, len(payload)) + payload


def encode_head_bytes(status, headers, last=False):
    """``headers``: (bytes, bytes) pairs (ASGI's)."""
    fields = [b'%d' % status]
    for name, value in headers:
        fields.append(name)
        fields.append(value)
    payload = b'\0'.join(fields)
    _check(payload, len(headers))
    return HEADER.pack(HEAD, LAST if last else 0, 0, len(payload)) + payload


def body_header(size, last=False):
    return HEADER.pack(BODY, LAST if last else 0, 0, size)


def encode_abort(message):
    payload = message.encode('utf-8', 'replace')[:4096]
    return HEADER.pack(ABORT, 0, 0, len(payload)) + payload


class FrameResponse:
    """How one answer is framed on a frames connection (the interface
    http1.Http1Response has too): head(), body(), end(), whole()."""

    __slots__ = ('head_only', 'keep_alive', '_ended')

    def __init__(self, request):
        self.head_only = request.method == 'HEAD'
        self.keep_alive = True
        self._ended = False

    def head(self, status, headers, last=False):
        if status < 200 or status == 204 or status == 304:
            self.head_only = True  # an answer that never has a body
        if last or status == 101:
            self._ended = True
        return encode_head(status, headers, last and status != 101)

    def head_bytes(self, status, headers, last=False):
        """head() with ASGI's (bytes, bytes) pairs, written as they are (no round trip through str)."""
        if status < 200 or status == 204 or status == 304:
            self.head_only = True
        if last or status == 101:
            self._ended = True
        return encode_head_bytes(status, headers, last and status != 101)

    def body(self, data):
        if self.head_only or not data:
            return b''
        return HEADER.pack(BODY, 0, 0, len(data)) + data

    def body_prefix(self, size):
        return b'' if self.head_only else HEADER.pack(BODY, 0, 0, size)

    def body_suffix(self):
        return b''

    def end(self):
        if self._ended:
            return b''
        self._ended = True
        return EMPTY_END

    def whole(self, status, headers, body):
        """A complete answer in one buffer, with Content-Length when the app gave none."""
        if status >= 200 and status not in (204, 304):
            for name, _ in headers:
                if len(name) == 14 and name.lower() == 'content-length':
                    break
            else:
                headers = headers + [('Content-Length', str(len(body)))]
        self._ended = True
        if self.head_only or not body or status < 200 or status == 204 or status == 304:
            return encode_head(status, headers, True)
        return encode_head(status, headers) + HEADER.pack(BODY, LAST, 0, len(body)) + body

    def whole_bytes(self, status, headers, body):
        """whole() with ASGI's (bytes, bytes) pairs."""
        if status >= 200 and status != 204 and status != 304:
            for name, _ in headers:
                if len(name) == 14 and name.lower() == b'content-length':
                    break
            else:
                headers = list(headers)
                headers.append((b'Content-Length', b'%d' % len(body)))
        self._ended = True
        if self.head_only or not body or status < 200 or status == 204 or status == 304:
            return encode_head_bytes(status, headers, True)
        return encode_head_bytes(status, headers) + HEADER.pack(BODY, LAST, 0, len(body)) + body

    def abort(self, message):
        self._ended = True
        return encode_abort(message)
