"""ASGI 3.0 (and 2.0 apps): the ``http`` and ``lifespan`` scopes
(``websocket`` is websocket.py). One task per request on the process's
asyncio loop; connections are async_server.py's.

- http: the request body streams in as ``http.request`` messages (what has
  arrived, coalesced), reading from the connection pauses while more than
  BODY_HIGH_WATER bytes wait for the app; the answer streams out, send()
  waiting while the connection's write buffer is full. ``http.disconnect``
  comes when the client leaves or once the answer is complete. A single
  body message answer goes out in one write with Content-Length.
- root_path is the target's ``prefix``, taken off the front of ``path``
  (Unit's way, and the ASGI convention the Starlette in Debian follows).
- An exception in the app: traceback in the log, 500 if nothing was sent
  yet, the answer aborted otherwise; the process goes on.
- lifespan: startup before the process reports ready (``lifespan.startup.failed``
  is a failed start, with the app's message), shutdown when it stops;
  ``state`` is shared with every request's scope (a shallow copy each).
  An app that raises before it ever receives (it has no lifespan) is served
  all the same, as uvicorn's "auto" mode does.
"""
import asyncio
import traceback

from .server_base import error_body, str_headers  # noqa: F401 (websocket.py takes str_headers from here)

ASGI3 = {'version': '3.0', 'spec_version': '2.3'}
ASGI2 = {'version': '2.0', 'spec_version': '2.3'}
BODY_HIGH_WATER = 256 * 1024


def asgi_info(protocol):
    return ASGI2 if protocol == 'asgi2' else ASGI3


async def call_app(target, scope, receive, send):
    if target.protocol == 'asgi2':
        instance = target.app(scope)
        await instance(receive, send)
    else:
        await target.app(scope, receive, send)


def split_prefix(path, prefix):
    if prefix and path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == '/'):
        return prefix, path[len(prefix):]
    return '', path


def base_scope(request, target, state):
    """What http and websocket scopes share."""
    root, path = split_prefix(request.path, target.prefix)
    raw = path.encode('latin-1')
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError:
        text = raw.decode('latin-1')
    raw_path = request.raw_path()
    return {
        'asgi': asgi_info(target.protocol),
        'http_version': request.version,
        'path': text,
        'raw_path': raw_path.encode('latin-1'),
        'query_string': request.query.encode('latin-1'),
        'root_path': root,
        'headers': [(n.encode('latin-1'), v.encode('latin-1')) for n, v in request.headers],
        'client': (request.remote_addr, request.remote_port) if request.remote_addr else None,
        'server': (request.server_addr or request.server_name, request.server_port),
        'state': dict(state),
    }


class HttpCycle:
    """One http request: the app's receive() and send()."""

    def __init__(self, conn, request, target, encoder, state, log):
        self.conn = conn
        self.request = request
        self.target = target
        self.encoder = encoder
        self.log = log
        scope = base_scope(request, target, state)
        scope['type'] = 'http'
        scope['method'] = request.method
        scope['scheme'] = request.scheme
        scope['extensions'] = {}
        self.scope = scope
        self._chunks = []
        self._buffered = 0
        self.body_done = not request.has_body
        self._body_sent = False
        self.disconnected = False
        self.started = False
        self.head_sent = False
        self.complete = False
        self._status = 200
        self._headers = []
        self._waiter = None

    # --- from the connection ---
    def feed_body(self, data):
        if self.complete:
            return  # the answer is out: the rest of the body is only drained
        self._chunks.append(data)
        self._buffered += len(data)
        if self._buffered > BODY_HIGH_WATER:
            self.conn.pause_reading()
        self._wake()

    def body_end(self):
        self.body_done = True
        self._wake()

    def client_gone(self):
        self.disconnected = True
        self.body_done = True
        self._wake()

    def _wake(self):
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(None)

    # --- the app's side ---
    async def receive(self):
        while True:
            if self.disconnected or self.complete:
                return {'type': 'http.disconnect'}
            if self._chunks or (self.body_done and not self._body_sent):
                data = b''.join(self._chunks) if len(self._chunks) != 1 else self._chunks[0]
                self._chunks = []
                if self._buffered > BODY_HIGH_WATER:
                    self.conn.resume_reading()
                self._buffered = 0
                more = not self.body_done
                if not more:
                    self._body_sent = True
                return {'type': 'http.request', 'body': data, 'more_body': more}
            self._waiter = self.conn.loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    async def send(self, message):
        kind = message['type']
        if kind == 'http.response.start':
            if self.started:
                raise RuntimeError('http.response.start was sent already')
            self.started = True
            self._status = int(message['status'])
            # Bytes pairs as the app gave them (the encoder writes them as they are), copied as sent.
            self._headers = list(message.get('headers') or ())
            return
        if kind != 'http.response.body':
            raise ValueError('unknown message type for an http scope: %r' % kind)
        if not self.started:
            raise RuntimeError('http.response.body before http.response.start')
        if self.complete:
            raise RuntimeError('http.response.body after the answer was complete')
        body = message.get('body', b'')
        more = message.get('more_body', False)
        if self.disconnected:
            # Nobody to send to; the app learns it from receive().
            if not more:
                self._close_answer()
                self._finish()
            return
        conn = self.conn
        encoder = self.encoder
        if not self.head_sent:
            self.head_sent = True
            if not more:
                conn.write(encoder.whole_bytes(self._status, self._headers, bytes(body)))
            else:
                conn.write(encoder.head_bytes(self._status, self._headers) + encoder.body(bytes(body)))
        else:
            data = encoder.body(bytes(body)) if body else b''
            if not more:
                data += encoder.end()
            if data:
                conn.write(data)
        if not more:
            self._finish()
        elif conn.write_paused:
            await conn.drain()

    def _finish(self):
        self.complete = True
        self._chunks = []
        self._wake()
        self.conn.answer_complete(self)

    async def run(self):
        try:
            await call_app(self.target, self.scope, self.receive, self.send)
        except Exception as e:
            self.log.error('the app failed on %s %s:\n%s' % (
                self.request.method, self.request.target,
                ''.join(traceback.format_exception(type(e), e, e.__traceback__)).rstrip()))
            self._fail('the app failed: %s: %s' % (type(e).__name__, e))
        else:
            if not self.complete:
                if not self.disconnected:
                    self.log.error('the app returned without completing its answer to %s %s' % (self.request.method, self.request.target))
                self._fail('the app returned without completing its answer')

    def _close_answer(self):
        """After the client left: the router still waits for this answer's
        last frame before it reuses the connection (frames; HTTP is closed)."""
        if not self.conn.closed:
            tail = self.encoder.abort('the client went away')
            if tail is None:
                self.conn.close()
            else:
                self.conn.write(tail)

    def _fail(self, why):
        if self.complete:
            return
        if self.disconnected:
            self._close_answer()
            self._finish()
            return
        if not self.head_sent:
            self.head_sent = True
            self.conn.write(self.encoder.whole(500, [('Content-Type', 'text/html')], error_body(500)))
        else:
            tail = self.encoder.abort(why)
            if tail is None:
                self.conn.close()
            else:
                self.conn.write(tail)
        self._finish()


class Lifespan:
    """The lifespan scope of the app (of its first target: Unit runs one per app)."""

    def __init__(self, target, state, log, loop):
        self.target = target
        self.state = state
        self.log = log
        self.loop = loop
        self._queue = asyncio.Queue()
        self._received = False
        self._startup = loop.create_future()
        self._shutdown = loop.create_future()
        self.supported = True
        self._task = None

    async def _receive(self):
        self._received = True
        return await self._queue.get()

    async def _send(self, message):
        kind = message['type']
        if kind == 'lifespan.startup.complete':
            self._settle(self._startup, None)
        elif kind == 'lifespan.startup.failed':
            self._settle(self._startup, message.get('message') or 'lifespan.startup.failed')
        elif kind == 'lifespan.shutdown.complete':
            self._settle(self._shutdown, None)
        elif kind == 'lifespan.shutdown.failed':
            self._settle(self._shutdown, message.get('message') or 'lifespan.shutdown.failed')
        else:
            raise ValueError('unknown message type for a lifespan scope: %r' % kind)

    @staticmethod
    def _settle(future, value):
        if not future.done():
            future.set_result(value)

    async def _main(self):
        scope = {'type': 'lifespan', 'asgi': asgi_info(self.target.protocol), 'state': self.state}
        try:
            await call_app(self.target, scope, self._receive, self._send)
        except BaseException as e:
            if not self._received:
                self.supported = False
                self.log.info('the app does not take the lifespan scope (%s: %s): served without it' % (type(e).__name__, e))
                self._settle(self._startup, None)
                self._settle(self._shutdown, None)
                return
            trace = ''.join(traceback.format_exception(type(e), e, e.__traceback__)).rstrip()
            self.log.error('the app failed in its lifespan:\n%s' % trace)
            reason = '%s: %s' % (type(e).__name__, e)
            self._settle(self._startup, reason)
            self._settle(self._shutdown, reason)
            return
        # The app returned: whatever it did not finish is over.
        self._settle(self._startup, None if self._startup.done() else None)
        self._settle(self._shutdown, None)

    async def startup(self):
        """None when the app may be served, else why not."""
        self._task = self.loop.create_task(self._main())
        await self._queue.put({'type': 'lifespan.startup'})
        return await self._startup

    async def shutdown(self, timeout):
        if self._task is None or not self.supported or self._task.done():
            return None
        await self._queue.put({'type': 'lifespan.shutdown'})
        try:
            return await asyncio.wait_for(asyncio.shield(self._shutdown), timeout)
        except asyncio.TimeoutError:
            return 'no lifespan.shutdown.complete within %.1f s' % timeout
