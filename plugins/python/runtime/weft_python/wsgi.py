"""WSGI (PEP 3333): one request of a synchronous connection
(sync_server.py) through the app.

- environ: the CGI variables (REQUEST_METHOD, SCRIPT_NAME/PATH_INFO split at
  the target's ``prefix``, QUERY_STRING, CONTENT_TYPE/CONTENT_LENGTH,
  SERVER_NAME/SERVER_PORT/SERVER_PROTOCOL, REMOTE_ADDR/REMOTE_PORT,
  REQUEST_URI, HTTP_* with repeated fields joined by ", " ("; " for Cookie))
  and the wsgi.* members. Header names holding "_" are left out, as Unit's
  discard_unsafe_fields does: HTTP_X_A would not say whether the client sent
  X-A or X_A.
- wsgi.input streams: read(n), readline, readlines and iteration take from
  the connection what they need, so a body is never held whole unless the
  app reads it whole.
- start_response with exc_info, the write() callable, close() always called,
  each block sent as the app yields it. A list answer goes out in one write
  with Content-Length; a wsgi.file_wrapper over a regular file with
  sendfile(2).
- An exception in the app: its traceback in the log, 500 to the client (or,
  once the head went out, the answer aborted), and the process goes on.
"""
import os
import stat
import sys
import traceback

from .server_base import error_body

SERVER_SOFTWARE = 'Weft'
MAX_FRAME_BODY = 1 << 20


class ClientDisconnected(OSError):
    """The client went away while the app was reading its body."""


class FileWrapper:
    """wsgi.file_wrapper: blocks of a file-like object; the server sends a
    real file with sendfile(2) instead of iterating."""

    def __init__(self, filelike, blksize=8192):
        self.filelike = filelike
        self.blksize = blksize
        close = getattr(filelike, 'close', None)
        if close is not None:
            self.close = close

    def __iter__(self):
        return self

    def __next__(self):
        data = self.filelike.read(self.blksize)
        if data:
            return data
        raise StopIteration


class WsgiInput:
    """wsgi.input: the request body, pulled from the connection as the app reads."""

    __slots__ = ('_conn', '_buf', '_done', '_disconnected')

    def __init__(self, conn, has_body):
        self._conn = conn
        self._buf = bytearray()
        self._done = not has_body
        self._disconnected = False

    def _more(self):
        kind, data = self._conn.next_event()
        if kind == 'body':
            self._buf += data
        else:
            # 'end', or 'abort' (the client went away) or 'eof' (the connection closed).
            self._ended(kind)

    def read(self, size=-1):
        if size is None or size < 0:
            while not self._done:
                self._more()
            data = bytes(self._buf)
            self._buf.clear()
            return data
        if size == 0:
            return b''
        if not self._buf and not self._done:
            # What the connection read is handed on as it is when it fits.
            kind, data = self._conn.next_event()
            if kind == 'body':
                if len(data) <= size:
                    return data
                self._buf += data
            else:
                self._ended(kind)
                return b''
        while len(self._buf) < size and not self._done:
            self._more()
        data = bytes(self._buf[:size])
        del self._buf[:size]
        return data

    def _ended(self, kind):
        self._done = True
        if kind != 'end':
            self._disconnected = True
            raise ClientDisconnected('the client disconnected before its request body was complete')

    def read1(self, size=-1):
        if not self._buf and not self._done:
            self._more()
        if size is None or size < 0:
            size = len(self._buf)
        data = bytes(self._buf[:size])
        del self._buf[:size]
        return data

    def readline(self, size=-1):
        start = 0
        while True:
            nl = self._buf.find(b'\n', start)
            if nl >= 0:
                end = nl + 1
                break
            if size is not None and 0 <= size <= len(self._buf) or self._done:
                end = len(self._buf)
                break
            start = len(self._buf)
            self._more()
        if size is not None and 0 <= size < end:
            end = size
        data = bytes(self._buf[:end])
        del self._buf[:end]
        return data

    def readlines(self, hint=-1):
        lines = []
        total = 0
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                return lines

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def drain(self):
        """Whatever the app left unread, up to the end of the request."""
        self._buf.clear()
        while not self._done:
            kind, _ = self._conn.next_event()
            if kind != 'body':
                self._done = True
                # An ABORT ends the request as LAST does: the connection goes on. 'eof' is its end.
                self._disconnected = kind == 'eof'
        return not self._disconnected


def _header_key(name):
    if name == 'content-type':
        return 'CONTENT_TYPE'
    if name == 'content-length':
        return 'CONTENT_LENGTH'
    if '_' in name:
        return None
    return 'HTTP_' + name.upper().replace('-', '_')


class _Keys(dict):
    def __missing__(self, name):
        key = _header_key(name)
        if len(self) < 1024:
            self[name] = key
        return key


_KEYS = _Keys()


class WsgiResponse:
    """start_response and write() of one request."""

    __slots__ = ('conn', 'encoder', 'status', 'headers', 'head_sent')

    def __init__(self, conn, encoder):
        self.conn = conn
        self.encoder = encoder
        self.status = None
        self.headers = None
        self.head_sent = False

    def start_response(self, status, headers, exc_info=None):
        if exc_info:
            try:
                if self.head_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise AssertionError('start_response() was called already (without exc_info)')
        if type(status) is not str:
            raise TypeError('the status must be a str, not %s' % type(status).__name__)
        if len(status) < 3 or not status[:3].isdigit() or status[3:4] not in ('', ' '):
            raise ValueError('the status must be "NNN Reason", not %r' % status)
        if type(headers) is not list:
            raise TypeError('the headers must be a list, not %s' % type(headers).__name__)
        for header in headers:
            if type(header) is not tuple or len(header) != 2 or type(header[0]) is not str or type(header[1]) is not str:
                raise TypeError('each header must be a (str, str) tuple, not %r' % (header,))
        self.status = int(status[:3])
        self.headers = headers
        return self.write

    def write(self, data):
        if self.status is None:
            raise AssertionError('write() before start_response()')
        if type(data) is not bytes:
            if not isinstance(data, (bytes, bytearray, memoryview)):
                raise TypeError('write() takes bytes, not %s' % type(data).__name__)
            data = bytes(data)
        if not self.head_sent:
            out = self.encoder.head(self.status, self.headers) + self.encoder.body(data)
            self.head_sent = True
            self.conn.sendall(out)
        elif data:
            self.conn.sendall(self.encoder.body(data))


def _bytes(chunk):
    if type(chunk) is bytes:
        return chunk
    if isinstance(chunk, (bytearray, memoryview)):
        return bytes(chunk)
    raise TypeError('the app yielded %s, not bytes' % type(chunk).__name__)


class WsgiApp:
    """The app side of a WSGI process: environ, call, answer."""

    def __init__(self, targets, log, errors, multithread, multiprocess):
        self.targets = targets
        self.log = log
        self.base = {
            'wsgi.version': (1, 0),
            'wsgi.errors': errors,
            'wsgi.multithread': multithread,
            'wsgi.multiprocess': multiprocess,
            'wsgi.run_once': False,
            'wsgi.file_wrapper': FileWrapper,
            'wsgi.input_terminated': True,
            'SERVER_SOFTWARE': SERVER_SOFTWARE,
        }

    def environ(self, request, target, body):
        env = self.base.copy()
        path = request.path
        prefix = target.prefix
        if prefix and path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == '/'):
            env['SCRIPT_NAME'] = prefix
            env['PATH_INFO'] = path[len(prefix):]
        else:
            env['SCRIPT_NAME'] = ''
            env['PATH_INFO'] = path
        env['REQUEST_METHOD'] = request.method
        env['QUERY_STRING'] = request.query
        env['REQUEST_URI'] = request.target
        env['SERVER_NAME'] = request.server_name or request.server_addr or 'localhost'
        env['SERVER_PORT'] = str(request.server_port)
        env['SERVER_PROTOCOL'] = 'HTTP/' + request.version
        env['REMOTE_ADDR'] = request.remote_addr
        env['REMOTE_PORT'] = str(request.remote_port)
        env['wsgi.url_scheme'] = request.scheme
        env['wsgi.input'] = body
        keys = _KEYS
        for name, value in request.headers:
            key = keys[name]
            if key is None:
                continue
            if key in env:
                env[key] += ('; ' if key == 'HTTP_COOKIE' else ', ') + value
            else:
                env[key] = value
        return env

    def handle(self, conn, request, encoder):
        """Runs one request. False: the connection cannot carry another one."""
        target = self.targets.get(request.app_target)
        body = WsgiInput(conn, request.has_body)
        if target is None:
            conn.sendall(encoder.whole(404, [('Content-Type', 'text/html')], error_body(404)))
            return body.drain() and encoder.keep_alive
        response = WsgiResponse(conn, encoder)
        env = self.environ(request, target, body)
        result = None
        try:
            result = target.app(env, response.start_response)
            try:
                self._answer(conn, encoder, response, result)
            finally:
                close = getattr(result, 'close', None)
                if close is not None:
                    close()
        except (ClientDisconnected, BrokenPipeError, ConnectionResetError) as e:
            self.log.info('the client went away during %s %s: %s' % (request.method, request.target, e))
            return False
        except Exception as e:
            self.log.error('the app failed on %s %s:\n%s' % (request.method, request.target, ''.join(traceback.format_exception(type(e), e, e.__traceback__)).rstrip()))
            try:
                if not response.head_sent:
                    response.head_sent = True
                    conn.sendall(encoder.whole(500, [('Content-Type', 'text/html')], error_body(500)))
                else:
                    tail = encoder.abort('the app failed: %s: %s' % (type(e).__name__, e))
                    if tail is None:
                        return False
                    conn.sendall(tail)
            except OSError:
                return False
        try:
            return body.drain() and encoder.keep_alive
        except OSError:
            return False

    def _answer(self, conn, encoder, response, result):
        if type(result) in (list, tuple) and not response.head_sent:
            data = b''.join([_bytes(c) for c in result]) if len(result) != 1 else _bytes(result[0])
            if response.status is None:
                raise AssertionError('the app returned without calling start_response()')
            out = encoder.whole(response.status, response.headers, data)
            response.head_sent = True
            conn.sendall(out)
            return
        if type(result) is FileWrapper and not response.head_sent and self._sendfile(conn, encoder, response, result):
            return
        for chunk in result:
            chunk = _bytes(chunk)
            if not chunk:
                continue
            if not response.head_sent:
                if response.status is None:
                    raise AssertionError('the app yielded a body before calling start_response()')
                out = encoder.head(response.status, response.headers) + encoder.body(chunk)
                response.head_sent = True
                conn.sendall(out)
            else:
                conn.sendall(encoder.body(chunk))
        if not response.head_sent:
            if response.status is None:
                raise AssertionError('the app returned without calling start_response()')
            out = encoder.head(response.status, response.headers, True)
            response.head_sent = True
            conn.sendall(out)
        else:
            tail = encoder.end()
            if tail:
                conn.sendall(tail)

    def _sendfile(self, conn, encoder, response, wrapper):
        """A regular file goes out with sendfile(2): no copy through Python."""
        f = wrapper.filelike
        try:
            fd = f.fileno()
            st = os.fstat(fd)
            offset = f.tell() if hasattr(f, 'tell') else 0
        except (AttributeError, OSError, ValueError):
            return False
        if not stat.S_ISREG(st.st_mode) or response.status is None or 'b' not in getattr(f, 'mode', 'b'):
            return False
        count = max(0, st.st_size - offset)
        headers = response.headers
        for name, value in headers:
            if name.lower() == 'content-length' and value.isdigit():
                count = min(count, int(value))
                break
        else:
            headers = headers + [('Content-Length', str(count))]
        if count == 0 or encoder.head_only:
            out = encoder.head(response.status, headers, True)
            response.head_sent = True
            conn.sendall(out)
            return True
        out = encoder.head(response.status, headers)
        response.head_sent = True
        conn.sendall(out)
        while count > 0:
            n = min(count, MAX_FRAME_BODY)
            prefix = encoder.body_prefix(n)
            if prefix:
                conn.sendall(prefix)
            sent = conn.sendfile(f, offset, n)
            if sent < n:
                raise ConnectionResetError('the file got shorter while it was sent')
            suffix = encoder.body_suffix()
            if suffix:
                conn.sendall(suffix)
            offset += n
            count -= n
        tail = encoder.end()
        if tail:
            conn.sendall(tail)
        return True
