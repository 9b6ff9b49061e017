"""The channel to one peer: Weft's port framing on a SOCK_SEQPACKET socket
(src/kernel/ports/frame.ts and peer-link.ts, native/channel.cc).

A frame is one datagram of at most 64 KiB: a 16-byte header

    0  u8  type          8  u32 reply port (the sender's pid)
    1  u8  flags         12 u32 total payload length of the message
    2  u16 reserved
    4  u32 stream

then payload. A message larger than a frame is split; flags mark its first
and last frame, and fds (SCM_RIGHTS) ride on the first. Frames are read in
bounded batches, and a datagram whose fds the kernel dropped (MSG_CTRUNC:
this process is at its fd limit) is reported, never passed over silently.
Sends never block: what the socket does not take waits in a queue (its fds
duplicated, since the caller may close its own) until it is writable.
"""
import array
import collections
import os
import socket
import struct

HEADER = struct.Struct('<BBHIII')
HEADER_SIZE = HEADER.size
FLAG_FIRST = 1
FLAG_LAST = 2
MAX_FRAME = 65536
MAX_FDS = 32
READ_BATCH = 64
HIGH_WATER = 1 << 20
_ANCILLARY = socket.CMSG_SPACE(MAX_FDS * array.array('i').itemsize)
_RECV_FLAGS = getattr(socket, 'MSG_CMSG_CLOEXEC', 0) | socket.MSG_DONTWAIT


def encode_frames(type_, stream, reply_port, payload):
    room = MAX_FRAME - HEADER_SIZE
    total = len(payload)
    if total <= room:
        return [HEADER.pack(type_, FLAG_FIRST | FLAG_LAST, 0, stream & 0xFFFFFFFF, reply_port & 0xFFFFFFFF, total) + payload]
    frames = []
    view = memoryview(payload)
    offset = 0
    while offset < total:
        chunk = min(room, total - offset)
        flags = (FLAG_FIRST if offset == 0 else 0) | (FLAG_LAST if offset + chunk == total else 0)
        frames.append(HEADER.pack(type_, flags, 0, stream & 0xFFFFFFFF, reply_port & 0xFFFFFFFF, total) + bytes(view[offset:offset + chunk]))
        offset += chunk
    return frames


def close_fds(fds):
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


class Message:
    __slots__ = ('type', 'stream', 'reply_port', 'payload', 'fds', 'peer')

    def __init__(self, type_, stream, reply_port, payload, fds, peer):
        self.type = type_
        self.stream = stream
        self.reply_port = reply_port
        self.payload = payload
        self.fds = fds
        self.peer = peer


class PeerLink:
    """``peer`` is the kernel's ProcessInfo: {pid, type, cls, name}."""

    def __init__(self, peer, fd, loop, on_message, on_close, on_problem):
        self.peer = peer
        self.fd = fd
        self.sock = socket.socket(fileno=fd)
        self.sock.setblocking(False)
        self.closed = False
        self._loop = loop
        self._on_message = on_message
        self._on_close = on_close
        self._on_problem = on_problem
        self._partial = {}
        self._queue = collections.deque()
        self._queued = 0
        loop.add_reader(fd, self._readable)

    @property
    def queued(self):
        return self._queued

    def send(self, type_, stream, reply_port, payload, fds=()):
        """False when the peer is gone or slow (the message is queued all the same)."""
        if self.closed:
            return False
        if len(fds) > MAX_FDS:
            raise ValueError('a message carries at most %d fds' % MAX_FDS)
        for i, frame in enumerate(encode_frames(type_, stream, reply_port, payload)):
            self._send_frame(frame, fds if i == 0 else ())
        return not self.closed and self._queued < HIGH_WATER

    def _send_frame(self, frame, fds):
        if not self._queue:
            try:
                self._sendmsg(frame, fds)
                return
            except BlockingIOError:
                pass
            except OSError:
                # The peer is gone: reading reports the close.
                return
        self._queue.append((frame, [os.dup(fd) for fd in fds]))
        self._queued += len(frame)
        if len(self._queue) == 1:
            self._loop.add_writer(self.fd, self._flush)

    def _sendmsg(self, frame, fds):
        if fds:
            self.sock.sendmsg([frame], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', fds))], socket.MSG_NOSIGNAL)
        else:
            self.sock.sendmsg([frame], [], socket.MSG_NOSIGNAL)

    def _flush(self):
        while self._queue:
            frame, fds = self._queue[0]
            try:
                self._sendmsg(frame, fds)
            except BlockingIOError:
                return
            except OSError:
                pass
            self._queue.popleft()
            self._queued -= len(frame)
            close_fds(fds)
        self._loop.remove_writer(self.fd)

    def close(self):
        if self.closed:
            return
        self.closed = True
        self._loop.remove_reader(self.fd)
        self._loop.remove_writer(self.fd)
        for _, fds in self._queue:
            close_fds(fds)
        self._queue.clear()
        for entry in self._partial.values():
            close_fds(entry[1])
        self._partial.clear()
        self.sock.close()
        self._on_close(self)

    def _readable(self):
        for _ in range(READ_BATCH):
            if self.closed:
                return
            try:
                data, ancdata, msg_flags, _ = self.sock.recvmsg(MAX_FRAME, _ANCILLARY, _RECV_FLAGS)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.close()
                return
            if not data:
                # Frames are never empty: this is the peer closing.
                self.close()
                return
            fds = []
            for level, kind, blob in ancdata:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    a = array.array('i')
                    a.frombytes(blob[:len(blob) - len(blob) % a.itemsize])
                    fds.extend(a)
            if msg_flags & (socket.MSG_CTRUNC | socket.MSG_TRUNC):
                self._on_problem('fds sent by %s (pid %s) were dropped: this process is at its fd limit'
                                 % (self.peer.get('name'), self.peer.get('pid')))
            self._frame(data, fds)

    def _frame(self, data, fds):
        if len(data) < HEADER_SIZE:
            close_fds(fds)
            self._on_problem('a malformed frame from %s (pid %s)' % (self.peer.get('name'), self.peer.get('pid')))
            return
        type_, flags, _, stream, reply_port, _total = HEADER.unpack_from(data)
        body = data[HEADER_SIZE:]
        if flags & FLAG_FIRST and flags & FLAG_LAST:
            self._on_message(Message(type_, stream, reply_port, body, fds, self.peer))
            return
        key = (stream, type_)
        entry = self._partial.get(key)
        if flags & FLAG_FIRST:
            entry = ([], [])
            self._partial[key] = entry
        if entry is None:
            close_fds(fds)
            self._on_problem('a stray fragment of stream %d from %s' % (stream, self.peer.get('name')))
            return
        entry[0].append(body)
        entry[1].extend(fds)
        if flags & FLAG_LAST:
            del self._partial[key]
            self._on_message(Message(type_, stream, reply_port, b''.join(entry[0]), entry[1], self.peer))
