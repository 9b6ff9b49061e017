"""The server of an ASGI process: connections as asyncio protocols on the
process's loop, one request at a time per connection (the router sends the
next one once the answer before is complete; HTTP/1.1 pipelining waits in
the parser), each request a task (asgi.HttpCycle or websocket.WebSocketCycle).

Reads go into one buffer the process's connections share (a
BufferedProtocol): asyncio's own reads allocate 256 KiB per recv(), which
glibc serves from mmap (over its 128 KiB threshold), shrinks with mremap
and frees with munmap: three system calls and page faults per request, ~65
us of CPU, for as long as the process lives unless some free() happens to
raise glibc's dynamic threshold first. What a read brought is copied out
(at most READ_SIZE bytes: from the heap) before the next read reuses it.

A request's task starts eagerly (eager.py) once the parser is through with
what was read: the head, and the body that came with it, are in the cycle
before the app's first step, and an app that does not wait answers within
the read callback. Never from inside the parser (the app's answer resumes
the parser: a pipelined head would be parsed within the parse of the one
before) nor from inside another task's step: a head the parser produces
outside of a read (resume() after an answer) starts on a loop callback.

Backpressure both ways: reading pauses while a request's body waits
unread (the cycle asks), and the app's send() waits while the transport's
write buffer is over its high-water mark (pause_writing/resume_writing).
"""
import asyncio
import socket

from . import eager
from .asgi import HttpCycle
from .frames import FrameParser, FrameResponse, ProtocolError
from .http1 import CONTINUE, Http1Parser, Http1Response, HttpError, error_response
from .server_base import Stats, error_body
from .websocket import WebSocketCycle

WRITE_HIGH_WATER = 256 * 1024
# What one read takes at most (as sync_server.py's RECV_SIZE): its copy stays under glibc's mmap threshold.
READ_SIZE = 64 * 1024
DRAIN_IDLE_GRACE = 1.0
# How often idle connections are looked at (idle_timeout, draining): no timer per request.
SWEEP_INTERVAL = 0.5


class AsyncConnection(asyncio.BufferedProtocol):
    def __init__(self, server, kind, routed, local=None):
        self.server = server
        self.loop = server.loop
        self.kind = kind
        self.direct = not routed
        self.reads = None
        self.routed = routed
        self.local = local
        self.transport = None
        self.cycle = None
        # A cycle whose task is still to start (see the module's doc), and where starting is safe.
        self._pending = None
        self._feeding = False
        self._starting = False
        self.closed = False
        self.write_paused = False
        self._drain_waiters = []
        self._reading_paused = False
        self._request_done = True
        self.idle_since = server.loop.time()
        self._counted = False
        if kind == 'frames':
            self.parser = FrameParser(self)
        else:
            self.parser = Http1Parser(self, routed, None, None if routed else server.max_body_size)

    # --- asyncio.Protocol ---
    def connection_made(self, transport):
        self.transport = transport
        transport.set_write_buffer_limits(WRITE_HIGH_WATER)
        if self.kind == 'http' and self.parser.local is None:
            self.parser.local = self.server.local_of(transport) if self.direct else None
        self.server.connections.add(self)
        self.idle_since = self.loop.time()

    def get_buffer(self, sizehint):
        return self.server.read_buffer

    def buffer_updated(self, nbytes):
        # The buffer is the next read's: what came is copied out before anything else runs.
        self.data_received(self.server.read_view[:nbytes].tobytes())

    def data_received(self, data):
        self._feeding = True
        try:
            self.parser.feed(data)
        except HttpError as e:
            self._refuse(e.status)
        except (ProtocolError, ValueError) as e:
            self.server.log.error('a malformed request on a %s connection: %s' % (self.kind, e))
            self.close()
        finally:
            self._feeding = False
        if self._pending is not None:
            self._start_pending()

    def eof_received(self):
        return False

    def connection_lost(self, exc):
        self.closed = True
        self.server.connections.discard(self)
        if self.direct:
            with self.server.stats.lock:
                self.server.stats.closed += 1
        cycle = self.cycle
        if cycle is not None:
            if isinstance(cycle, WebSocketCycle):
                cycle.connection_lost()
            else:
                cycle.client_gone()
        self._uncount()
        self.write_paused = False
        self._release_drain()
        self.server.maybe_drained()

    def pause_writing(self):
        self.write_paused = True

    def resume_writing(self):
        self.write_paused = False
        self._release_drain()

    def _release_drain(self):
        waiters, self._drain_waiters = self._drain_waiters, []
        for w in waiters:
            if not w.done():
                w.set_result(None)

    # --- what cycles use ---
    async def drain(self):
        if self.write_paused and not self.closed:
            w = self.loop.create_future()
            self._drain_waiters.append(w)
            await w

    def write(self, data):
        if not self.closed:
            self.transport.write(data)

    def close(self):
        if not self.closed and self.transport is not None:
            self.transport.close()

    def pause_reading(self):
        if not self._reading_paused and not self.closed:
            self._reading_paused = True
            self.transport.pause_reading()

    def resume_reading(self):
        if self._reading_paused and not self.closed:
            self._reading_paused = False
            self.transport.resume_reading()

    def switch_to_raw(self):
        self.parser.raw = True

    # --- the parser's sink ---
    def head(self, request):
        server = self.server
        target = server.targets.get(request.app_target)
        if self.kind == 'frames':
            encoder = FrameResponse(request)
        else:
            encoder = Http1Response(request, server.server_header if self.direct else None)
            if server.stopping:
                request.keep_alive = encoder.keep_alive = False
        self._request_done = not request.has_body
        if target is None:
            self.cycle = _Refused(self)
            self.write(encoder.whole(404, [('Content-Type', 'text/html')], error_body(404)))
            self.answer_complete(self.cycle, encoder.keep_alive)
            return
        if request.expect_continue:
            self.write(CONTINUE)
        if request.upgrade and (request.header('upgrade') or '').lower() == 'websocket':
            cycle = WebSocketCycle(self, request, target, encoder, server.states[target.name], server.log)
        else:
            cycle = HttpCycle(self, request, target, encoder, server.states[target.name], server.log)
        self.cycle = cycle
        self._counted = True
        if self.reads is not None:
            table, slot = self.reads
            table[slot] += 1
        server.stats.begin(self.direct)
        self._pending = cycle
        if not self._feeding and not self._starting:
            self.loop.call_soon(self._start_pending)

    def _start_pending(self):
        if self._starting:
            return  # the loop below takes it
        self._starting = True
        try:
            tasks = self.server.tasks
            while self._pending is not None:
                cycle, self._pending = self._pending, None
                task = eager.start(self.loop, cycle.run())
                if not task.done():
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
        finally:
            self._starting = False

    def body(self, data):
        if self.cycle is not None:
            self.cycle.feed_body(data)

    def end(self):
        self._request_done = True
        cycle = self.cycle
        if cycle is not None:
            cycle.body_end()
            if cycle.complete:
                self._next()

    def abort(self):
        self._request_done = True
        cycle = self.cycle
        if cycle is None:
            return  # an ABORT that crossed the end of the answer: nothing to stop
        cycle.client_gone()
        if cycle.complete:
            self._next()

    def raw(self, data):
        cycle = self.cycle
        if isinstance(cycle, WebSocketCycle):
            cycle.raw(data)

    # --- between requests ---
    def answer_complete(self, cycle, keep_alive=None):
        if cycle is not self.cycle:
            return
        encoder = getattr(cycle, 'encoder', None)
        keep = keep_alive if keep_alive is not None else (encoder.keep_alive if encoder is not None else False)
        if isinstance(cycle, WebSocketCycle) and cycle.state != 'denied':
            return  # the connection ends with the conversation
        self._uncount()
        if not keep:
            self.cycle = None
            self.close()
            return
        if self._request_done:
            self._next()
        else:
            # The rest of the request body is read and dropped first.
            self.resume_reading()

    def _uncount(self):
        if self._counted:
            self._counted = False
            self.server.stats.finish(self.direct)
            self.server.request_done()

    def _next(self):
        self.cycle = None
        self.resume_reading()
        if self.server.stopping and self.kind == 'http' and self.direct:
            self.close()
            return
        self.idle_since = self.loop.time()
        self.parser.resume()

    def _refuse(self, status):
        self.write(error_response(status))
        self.close()


class _Refused:
    complete = True

    def __init__(self, conn):
        self.conn = conn

    def feed_body(self, data):
        pass

    def body_end(self):
        pass

    def client_gone(self):
        pass


class AsyncServer:
    def __init__(self, loop, targets, states, log):
        self.loop = loop
        self.targets = targets
        # Each target's lifespan "state", by target name.
        self.states = states
        self.log = log
        self.stats = Stats()
        self.connections = set()
        self.tasks = set()
        # Every connection's reads land here in turn (see the module's doc).
        self.read_buffer = bytearray(READ_SIZE)
        self.read_view = memoryview(self.read_buffer)
        self.listeners = []
        self.server_header = 'Weft'
        self.idle_timeout = None
        self.header_read_timeout = None
        self.max_body_size = None
        self.stopping = False
        self.on_request_done = None
        self._on_drained = None
        self._sweeping = False

    def _sweep_soon(self):
        if not self._sweeping:
            self._sweeping = True
            self.loop.call_later(SWEEP_INTERVAL, self._sweep)

    def _sweep(self):
        """Closes connections idle too long: idle_timeout in direct mode, a short grace when stopping."""
        self._sweeping = False
        now = self.loop.time()
        for conn in list(self.connections):
            if conn.cycle is not None or conn.closed:
                continue
            if self.stopping:
                limit = DRAIN_IDLE_GRACE
            elif not conn.direct:
                limit = None
            elif conn.parser.partial():
                limit = self.header_read_timeout  # a head that started and does not finish
            else:
                limit = self.idle_timeout
            if limit is not None and now - conn.idle_since >= limit:
                conn.close()
        if self.connections and (self.stopping or self.idle_timeout):
            self._sweep_soon()

    def local_of(self, transport):
        mine = transport.get_extra_info('sockname')
        peer = transport.get_extra_info('peername')
        if isinstance(mine, tuple):
            server_addr, server_port = mine[0], mine[1]
        else:
            server_addr, server_port = 'unix:' + (mine if isinstance(mine, str) else ''), 0
        if isinstance(peer, tuple):
            return (server_addr, server_port, peer[0], peer[1])
        return (server_addr, server_port, 'unix:', 0)

    def adopt(self, fd, kind, reads=None):
        """``reads``: (counters, slot) where a router counts the requests read on this connection."""
        sock = socket.socket(fileno=fd)
        sock.setblocking(False)
        def factory():
            conn = AsyncConnection(self, kind, routed=True)
            conn.reads = reads
            return conn

        self.loop.create_task(self.loop.connect_accepted_socket(factory, sock))

    async def _listen_one(self, fd):
        sock = socket.socket(fileno=fd)
        sock.setblocking(False)

        def factory():
            with self.stats.lock:
                self.stats.accepted += 1
            self._sweep_soon()
            return AsyncConnection(self, 'http', routed=False)

        server = await self.loop.create_server(factory, sock=sock)
        self.listeners.append(server)

    def listen(self, fds, settings, server_header):
        self.unlisten()
        self.server_header = server_header
        self.idle_timeout = settings.idle_timeout or None
        self.header_read_timeout = settings.header_read_timeout or None
        self.max_body_size = settings.max_body_size
        self._sweep_soon()
        return asyncio.gather(*[self._listen_one(fd) for fd in fds])

    def unlisten(self):
        for server in self.listeners:
            server.close()
        self.listeners = []

    def request_done(self):
        if self.on_request_done is not None:
            self.on_request_done()

    def stop(self, on_drained):
        self.stopping = True
        self._on_drained = on_drained
        self.unlisten()
        self._sweep_soon()
        self.maybe_drained()

    def maybe_drained(self):
        if self.stopping and self._on_drained is not None and not self.connections:
            done, self._on_drained = self._on_drained, None
            done()
