"""A process's port, as src/kernel/ports/port.ts has it: channels to several
peers (pid -> PeerLink), handlers by message type, and method calls on top
of RPC streams: ``call`` (answered by RPC_READY or RPC_ERROR on its
stream, failed when the peer's channel closes or a time-out passes),
``handle`` (answer a call, with fds if the handler returns ``WithFds``),
``notify`` / ``on_notify`` (one way). Payloads are JSON.

Runs on any loop with asyncio's add_reader/add_writer/call_later API (the
``Reactor`` of WSGI processes or an asyncio loop). Every method must be
called on the loop's thread; other threads go through
``loop.call_soon_threadsafe``.

The kernel's own messages (NEW_PORT: a channel to a new peer arrives with its
fd; REMOVE_PID; QUIT; CHANGE_FILE: a reopened log) are handled by
``install_kernel_handlers``, as every Weft process's bootstrap does.
"""
import json
import os

from .channel import PeerLink, close_fds


class MessageType:
    BOOT = 1
    READY = 2
    CREATED = 3
    NEW_PORT = 4
    REMOVE_PID = 5
    QUIT = 6
    RPC_REQUEST = 7
    RPC_READY = 8
    RPC_ERROR = 9
    NOTIFY = 10
    CHANGE_FILE = 11


NAMES = {v: k for k, v in vars(MessageType).items() if not k.startswith('_')}

# src/errors.ts's codes the port uses.
ERR_PORT = 'WEFT_ERR_PORT'
ERR_RPC_TIMEOUT = 'WEFT_ERR_RPC_TIMEOUT'
ERR_RPC_CANCELLED = 'WEFT_ERR_RPC_CANCELLED'
ERR_RPC_REMOTE = 'WEFT_ERR_RPC_REMOTE'


class PortError(Exception):
    def __init__(self, code, message, detail=None):
        super().__init__(message)
        self.code = code
        self.detail = detail


class RemoteError(PortError):
    """A call the other side answered with RPC_ERROR: its message, code and detail."""

    def __init__(self, method, shape):
        super().__init__(ERR_RPC_REMOTE, shape.get('message', ''), shape.get('detail'))
        self.remote_code = shape.get('code')
        self.method = method


class WithFds:
    """A handler's answer with fds attached."""

    def __init__(self, value, fds):
        self.value = value
        self.fds = fds


class CallContext:
    __slots__ = ('sender', 'fds')

    def __init__(self, sender, fds):
        self.sender = sender
        self.fds = fds


def encode_json(value):
    return b'' if value is None else json.dumps(value, separators=(',', ':')).encode('utf-8')


def decode_json(payload):
    return None if not payload else json.loads(payload)


class Port:
    def __init__(self, pid, loop, log):
        self.pid = pid
        self.loop = loop
        self.log = log
        self._links = {}
        self._type_handlers = {}
        self._methods = {}
        self._notifications = {}
        self._pending = {}
        self._next_stream = 1
        self._listeners = {'peer-linked': [], 'peer-closed': []}
        # Set: the kernel's messages (NEW_PORT, QUIT, ...) count only from this pid (main).
        self.kernel_from = None

    # --- peers ---
    def on(self, event, callback):
        self._listeners[event].append(callback)

    def _emit(self, event, peer):
        for callback in list(self._listeners[event]):
            callback(peer)

    def link(self, peer, fd):
        old = self._links.get(peer['pid'])
        if old is not None:
            old.close()
        link = PeerLink(peer, fd, self.loop, self._dispatch, self._closed, self.log.alert)
        self._links[peer['pid']] = link
        self._emit('peer-linked', peer)
        return link

    def _closed(self, link):
        pid = link.peer['pid']
        if self._links.get(pid) is link:
            del self._links[pid]
        self.fail_peer(pid, '%s (pid %s) closed its channel' % (link.peer.get('name'), pid))
        self._emit('peer-closed', link.peer)

    def unlink(self, pid):
        link = self._links.get(pid)
        if link is not None:
            link.close()

    def has(self, pid):
        return pid in self._links

    def peers(self):
        return [link.peer for link in self._links.values()]

    def peers_of_type(self, type_):
        return [p for p in self.peers() if p.get('type') == type_]

    def close_all(self):
        for link in list(self._links.values()):
            link.close()

    # --- sending ---
    def send(self, pid, type_, payload=None, stream=0, fds=()):
        link = self._links.get(pid)
        if link is None:
            return False
        body = payload if isinstance(payload, (bytes, bytearray)) else encode_json(payload)
        return link.send(type_, stream, self.pid, body, fds)

    def notify(self, pid, method, params, fds=()):
        return self.send(pid, MessageType.NOTIFY, {'method': method, 'params': params}, fds=fds)

    def call(self, pid, method, params, on_result, on_error, fds=(), timeout=None):
        """on_result(value, fds); on_error(PortError). Returns the stream, for cancel()."""
        if pid not in self._links:
            on_error(PortError(ERR_PORT, 'no channel to pid %s for %s' % (pid, method)))
            return 0
        stream = self._allocate()
        timer = None
        if timeout is not None:
            timer = self.loop.call_later(timeout, self._timed_out, stream, pid, timeout)
        self._pending[stream] = (pid, method, on_result, on_error, timer)
        self.send(pid, MessageType.RPC_REQUEST, {'method': method, 'params': params}, stream=stream, fds=fds)
        return stream

    def answer(self, pid, stream, result, fds=()):
        self.send(pid, MessageType.RPC_READY, {'result': result}, stream=stream, fds=fds)

    def answer_error(self, pid, stream, message, code=None, detail=None):
        shape = {'message': message}
        if code is not None:
            shape['code'] = code
        if detail is not None:
            shape['detail'] = detail
        self.send(pid, MessageType.RPC_ERROR, shape, stream=stream)

    def cancel(self, stream):
        pending = self._settle(stream)
        if pending is not None:
            pending[3](PortError(ERR_RPC_CANCELLED, 'stream %d cancelled' % stream))

    def fail_peer(self, pid, why):
        for stream in [s for s, p in self._pending.items() if p[0] == pid]:
            pending = self._settle(stream)
            pending[3](PortError(ERR_PORT, '%s: %s' % (pending[1], why)))

    def _timed_out(self, stream, pid, timeout):
        pending = self._settle(stream)
        if pending is not None:
            pending[3](PortError(ERR_RPC_TIMEOUT, '%s: no answer from pid %s within %d ms' % (pending[1], pid, timeout * 1000)))

    def _settle(self, stream):
        pending = self._pending.pop(stream, None)
        if pending is not None and pending[4] is not None:
            pending[4].cancel()
        return pending

    def _allocate(self):
        while True:
            self._next_stream = (self._next_stream + 1) & 0xFFFFFFFF or 1
            if self._next_stream not in self._pending:
                return self._next_stream

    # --- receiving ---
    def on_message(self, type_, handler):
        self._type_handlers[type_] = handler

    def handle(self, method, handler):
        """handler(params, ctx) -> result | WithFds | a future of either; raising answers RPC_ERROR."""
        self._methods[method] = handler

    def on_notify(self, method, handler):
        self._notifications[method] = handler

    def _dispatch(self, m):
        try:
            t = m.type
            if t == MessageType.RPC_READY or t == MessageType.RPC_ERROR:
                # Only the peer asked settles a call: another could answer its stream number first.
                waiting = self._pending.get(m.stream)
                pending = self._settle(m.stream) if waiting is not None and waiting[0] == m.peer.get('pid') else None
                if pending is None:
                    close_fds(m.fds)
                elif t == MessageType.RPC_READY:
                    body = decode_json(m.payload) or {}
                    pending[2](body.get('result'), m.fds)
                else:
                    close_fds(m.fds)
                    pending[3](RemoteError(pending[1], decode_json(m.payload) or {}))
            elif t == MessageType.RPC_REQUEST:
                self._serve(m)
            elif t == MessageType.NOTIFY:
                body = decode_json(m.payload)
                handler = self._notifications.get(body.get('method'))
                if handler is None:
                    close_fds(m.fds)
                    self.log.warn('unhandled notification "%s" from pid %s' % (body.get('method'), m.peer.get('pid')))
                else:
                    handler(body.get('params'), CallContext(m.peer['pid'], m.fds))
            else:
                handler = self._type_handlers.get(t)
                if self.kernel_from is not None and m.peer.get('pid') != self.kernel_from:
                    close_fds(m.fds)
                    self.log.warn('refused a %s message from %s (pid %s, %s): only main sends those' % (
                        NAMES.get(t, 'unknown(%d)' % t), m.peer.get('name'), m.peer.get('pid'), m.peer.get('type')))
                elif handler is None:
                    close_fds(m.fds)
                    self.log.warn('unhandled %s message from %s (pid %s)' % (NAMES.get(t, 'unknown(%d)' % t), m.peer.get('name'), m.peer.get('pid')))
                else:
                    handler(m)
        except Exception as e:
            import traceback
            self.log.alert('handling %s from pid %s failed: %s' % (NAMES.get(m.type, m.type), m.peer.get('pid'), ''.join(traceback.format_exception(type(e), e, e.__traceback__))))

    def _serve(self, m):
        body = decode_json(m.payload) or {}
        method = body.get('method')
        sender = m.peer['pid']
        handler = self._methods.get(method)
        if handler is None:
            close_fds(m.fds)
            self.answer_error(sender, m.stream, 'unknown method "%s"' % method, ERR_PORT)
            return
        try:
            out = handler(body.get('params'), CallContext(sender, m.fds))
        except Exception as e:
            self._answer_exception(sender, m.stream, e)
            return
        if hasattr(out, 'add_done_callback'):
            def done(future):
                # A concurrent.futures future settles on another thread: answer from the loop.
                self.loop.call_soon_threadsafe(self._answer_future, sender, m.stream, future)
            out.add_done_callback(done)
        else:
            self._answer_value(sender, m.stream, out)

    def _answer_future(self, sender, stream, future):
        try:
            value = future.result()
        except BaseException as e:
            self._answer_exception(sender, stream, e)
            return
        self._answer_value(sender, stream, value)

    def _answer_value(self, sender, stream, out):
        if isinstance(out, WithFds):
            self.answer(sender, stream, out.value, out.fds)
        else:
            self.answer(sender, stream, out)

    def _answer_exception(self, sender, stream, e):
        self.answer_error(sender, stream, str(e) or type(e).__name__, getattr(e, 'code', None), getattr(e, 'detail', None))


def install_kernel_handlers(port, on_quit, accepts=None):
    """The kernel's messages, as src/kernel/boot/bootstrap.ts handles them.
    ``accepts(peer)`` decides which channels this process takes (the
    connection matrix); refused ones are closed and logged."""

    def new_port(m):
        peer = (decode_json(m.payload) or {}).get('peer') or {}
        fd = m.fds[0] if m.fds else None
        if fd is None or 'pid' not in peer or (accepts is not None and not accepts(peer)):
            close_fds(m.fds)
            port.log.alert('refused a channel to %s (pid %s)' % (peer.get('name'), peer.get('pid')))
            return
        close_fds(m.fds[1:])
        port.link(peer, fd)

    def remove_pid(m):
        pid = (decode_json(m.payload) or {}).get('pid')
        port.unlink(pid)

    def change_file(m):
        # weftd's log was reopened: stdout and stderr that were the old file
        # (not an app's own "stdout"/"stderr" file) become the new one.
        if not m.fds:
            return
        try:
            was = json.loads(m.payload or b'{}').get('was')
        except ValueError:
            was = None
        for target in (1, 2):
            try:
                st = os.fstat(target)
            except OSError:
                continue
            if was and str(st.st_dev) == was.get('dev') and str(st.st_ino) == was.get('ino'):
                os.dup2(m.fds[0], target)
        close_fds(m.fds)

    port.on_message(MessageType.NEW_PORT, new_port)
    port.on_message(MessageType.REMOVE_PID, remove_pid)
    port.on_message(MessageType.QUIT, lambda m: on_quit('quit'))
    port.on_message(MessageType.CHANGE_FILE, change_file)
