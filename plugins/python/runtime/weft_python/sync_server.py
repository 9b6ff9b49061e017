"""The server of a WSGI process: connections on a Reactor, each request run
to its end with blocking I/O on its connection, inline on the loop's thread
(``threads`` 1: one request at a time, no hand-over) or on a pool of
``threads`` threads.

A connection waits in the loop while idle; once a whole request head is
there, it leaves the loop and a thread serves requests on it until none is
left buffered, then gives it back. A head arriving in pieces never blocks a
thread: it collects in the loop. Memory stays bounded: the socket is read
only as the app reads its body, and every block the app yields is written
(blocking) before the next is asked for.
"""
import collections
import queue
import socket
import threading

from .frames import FrameParser, FrameResponse, ProtocolError
from .http1 import CONTINUE, Http1Parser, Http1Response, HttpError, error_response
from .server_base import Stats

RECV_SIZE = 64 * 1024
# Idle connections closed on stop only after this long, so that no client's
# next request races the close (as Node's runtime does).
DRAIN_IDLE_GRACE = 1.0
# How often idle connections are looked at (idle_timeout, draining).
SWEEP_INTERVAL = 0.5


class Inline:
    def submit(self, fn):
        fn()

    def shutdown(self):
        pass


class ThreadPool:
    def __init__(self, count, stack_size, log):
        self._queue = queue.SimpleQueue()
        self._log = log
        if stack_size:
            threading.stack_size(stack_size)
        self._threads = [threading.Thread(target=self._work, name='weft-wsgi-%d' % i, daemon=True) for i in range(count)]
        if stack_size:
            threading.stack_size(0)
        for t in self._threads:
            t.start()

    def submit(self, fn):
        self._queue.put(fn)

    def _work(self):
        while True:
            fn = self._queue.get()
            if fn is None:
                return
            try:
                fn()
            except Exception as e:  # a bug here must not kill the thread
                self._log.alert('a WSGI thread failed: %r' % e)

    def shutdown(self):
        for _ in self._threads:
            self._queue.put(None)


class SyncConnection:
    """One connection (frames or HTTP/1.1); the parser's sink."""

    def __init__(self, server, sock, kind, routed, local=None):
        self.server = server
        self.sock = sock
        self.fd = sock.fileno()
        self.kind = kind
        self.direct = not routed
        self.reads = None
        sock.setblocking(True)
        if server.io_timeout is not None:
            sock.settimeout(server.io_timeout)
        self.events = collections.deque()
        if kind == 'frames':
            self.parser = FrameParser(self)
        else:
            self.parser = Http1Parser(self, routed, local, server.max_body_size if not routed else None)
        self.eof = False
        self.closed = False
        self.busy = False
        self.watched = False
        # When it last went idle: the server's sweep closes idle connections (no timer per request).
        self.idle_since = server.loop.time()

    # --- the parser's sink ---
    def head(self, request):
        self.events.append(('head', request))

    def body(self, data):
        self.events.append(('body', data))

    def end(self):
        self.events.append(('end', None))

    def abort(self):
        self.events.append(('abort', None))

    def raw(self, data):
        pass

    # --- blocking I/O while a request runs ---
    def fill(self):
        data = self.sock.recv(RECV_SIZE)
        if not data:
            self.eof = True
            return False
        self.parser.feed(data)
        return True

    def next_event(self):
        while not self.events:
            if self.eof:
                return ('eof', None)
            self.fill()
        return self.events.popleft()

    def sendall(self, data):
        self.sock.sendall(data)

    def sendfile(self, f, offset, count):
        return self.sock.sendfile(f, offset, count)

    # --- on the loop ---
    def watch(self):
        """Idle: the loop waits for its next request."""
        if self.closed:
            return
        self.idle_since = self.server.loop.time()
        if not self.watched:
            self.watched = True
            self.server.loop.add_reader(self.fd, self.readable)

    def readable(self):
        try:
            if not self.fill():
                self.close()
                return
        except HttpError as e:
            self._refuse(e.status)
            return
        except (OSError, ProtocolError, ValueError) as e:
            if not isinstance(e, OSError):
                self.server.log.error('a malformed request on a %s connection: %s' % (self.kind, e))
            self.close()
            return
        events = self.events
        while events and events[0][0] != 'head':
            # An ABORT that crossed the end of the answer before: nothing to stop any more.
            events.popleft()
        if events:
            server = self.server
            self.busy = True
            if server.inline:
                # Nothing else runs meanwhile: the fd may stay registered (no epoll_ctl per request).
                self.run()
            else:
                server.loop.remove_reader(self.fd)
                self.watched = False
                server.executor.submit(self.run)

    def _refuse(self, status):
        try:
            self.sock.sendall(error_response(status))
        except OSError:
            pass
        self.close()

    def run(self):
        """Serves the requests buffered on this connection (on a pool thread or inline)."""
        server = self.server
        keep = True
        try:
            while keep:
                events = self.events
                while events and events[0][0] != 'head':
                    events.popleft()
                if not events:
                    break
                request = events.popleft()[1]
                if self.kind == 'frames':
                    encoder = FrameResponse(request)
                else:
                    encoder = Http1Response(request, server.server_header if self.direct else None)
                    if server.stopping:
                        request.keep_alive = encoder.keep_alive = False
                if request.expect_continue:
                    self.sendall(CONTINUE)
                if self.reads is not None:
                    table, slot = self.reads
                    table[slot] += 1
                server.stats.begin(self.direct)
                try:
                    keep = server.app.handle(self, request, encoder)
                finally:
                    server.stats.finish(self.direct)
                    server.request_done()
                if keep:
                    self.parser.resume()
        except HttpError as e:
            keep = False
            self._refuse(e.status)
        except (OSError, ProtocolError, ValueError) as e:
            keep = False
            if not isinstance(e, OSError):
                server.log.error('a malformed request on a %s connection: %s' % (self.kind, e))
        self.busy = False
        if server.inline:
            self._after(keep)
        else:
            server.loop.call_soon_threadsafe(self._after, keep)

    def _after(self, keep):
        if not keep or self.eof:
            self.close()
        else:
            self.watch()
        self.server.maybe_drained()

    def close(self):
        if self.closed:
            return
        self.closed = True
        self.watched = False
        self.server.loop.remove_reader(self.fd)
        self.server.connections.discard(self)
        if self.direct:
            with self.server.stats.lock:
                self.server.stats.closed += 1
        try:
            self.sock.close()
        except OSError:
            pass
        self.server.maybe_drained()


class SyncServer:
    """Connections and listeners of a WSGI process. ``app``: wsgi.WsgiApp."""

    def __init__(self, loop, app, log, threads=1, stack_size=0):
        self.loop = loop
        self.app = app
        self.log = log
        self.stats = Stats()
        self.inline = threads <= 1 and not stack_size
        self.executor = Inline() if self.inline else ThreadPool(max(1, threads), stack_size, log)
        self.connections = set()
        self.listeners = {}
        self.server_header = 'Weft'
        self.io_timeout = None
        self.idle_timeout = None
        self.header_read_timeout = None
        self.max_body_size = None
        self.stopping = False
        self.on_request_done = None
        self._on_drained = None
        self._sweeping = False

    # --- what control.py drives ---
    def adopt(self, fd, kind, reads=None):
        """``reads``: (counters, slot) where a router counts the requests read on this connection."""
        sock = socket.socket(fileno=fd)
        conn = SyncConnection(self, sock, kind, routed=True)
        conn.reads = reads
        self.connections.add(conn)
        conn.watch()

    def listen(self, fds, settings, server_header):
        """Direct mode: accept on these listening sockets (replacing the ones before)."""
        self.unlisten()
        self.server_header = server_header
        self.io_timeout = settings.send_timeout or None
        self.idle_timeout = settings.idle_timeout or None
        self.header_read_timeout = settings.header_read_timeout or None
        self.max_body_size = settings.max_body_size
        for fd in fds:
            sock = socket.socket(fileno=fd)
            sock.setblocking(False)
            self.listeners[fd] = sock
            self.loop.add_reader(fd, self._accept, sock)
        self._sweep_soon()

    def _sweep_soon(self):
        if not self._sweeping:
            self._sweeping = True
            self.loop.call_later(SWEEP_INTERVAL, self._sweep)

    def _sweep(self):
        """Closes connections idle too long: idle_timeout in direct mode, a short grace when stopping."""
        self._sweeping = False
        now = self.loop.time()
        for conn in list(self.connections):
            if conn.busy or conn.closed:
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

    def unlisten(self):
        for fd, sock in list(self.listeners.items()):
            self.loop.remove_reader(fd)
            sock.close()
        self.listeners.clear()

    def _accept(self, listener):
        for _ in range(16):
            try:
                sock, peer = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                self.log.error('accept(2) failed: %s' % e)
                return
            local = self._local(sock, peer)
            with self.stats.lock:
                self.stats.accepted += 1
            conn = SyncConnection(self, sock, 'http', routed=False, local=local)
            self.connections.add(conn)
            conn.watch()
            self._sweep_soon()

    @staticmethod
    def _local(sock, peer):
        try:
            mine = sock.getsockname()
        except OSError:
            mine = ''
        if isinstance(mine, tuple):
            server_addr, server_port = mine[0], mine[1]
        else:
            server_addr, server_port = 'unix:' + (mine if isinstance(mine, str) else ''), 0
        if isinstance(peer, tuple):
            return (server_addr, server_port, peer[0], peer[1])
        return (server_addr, server_port, 'unix:', 0)

    def request_done(self):
        # limits.requests may stop the process: that is the loop's business.
        if self.on_request_done is not None:
            if self.inline:
                self.on_request_done()
            else:
                self.loop.call_soon_threadsafe(self.on_request_done)

    def stop(self, on_drained):
        """Takes no new connections; idle ones close after a short grace, busy
        ones after their answer; ``on_drained`` once none is left."""
        self.stopping = True
        self._on_drained = on_drained
        self.unlisten()
        self._sweep_soon()
        self.maybe_drained()

    def maybe_drained(self):
        if self.stopping and self._on_drained is not None and not self.connections:
            done, self._on_drained = self._on_drained, None
            done()

    def close(self):
        self.executor.shutdown()
