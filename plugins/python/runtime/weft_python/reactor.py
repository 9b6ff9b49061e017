"""A small event loop for WSGI processes, with the subset of asyncio's loop
API the port and the servers use (add_reader, add_writer, call_later,
call_soon_threadsafe, ...), so that the same ``Port`` runs on it and on an
asyncio loop (ASGI processes) unchanged.

WSGI apps are synchronous: the loop waits for connections to become
readable, and a request then runs to its end (inline when ``threads`` is 1,
on a pool thread otherwise). Nothing here is thread-safe except
call_soon_threadsafe(), which is how pool threads reach the loop.
"""
import collections
import heapq
import itertools
import os
import selectors
import threading
import time


class TimerHandle:
    __slots__ = ('when', 'callback', 'args', 'cancelled')

    def __init__(self, when, callback, args):
        self.when = when
        self.callback = callback
        self.args = args
        self.cancelled = False

    def cancel(self):
        self.cancelled = True


class Reactor:
    def __init__(self):
        self._selector = selectors.DefaultSelector()
        self._readers = {}
        self._writers = {}
        self._timers = []
        self._sequence = itertools.count()
        self._ready = collections.deque()
        self._threadsafe = collections.deque()
        self._stopping = False
        self._thread = None
        # Where an exception escaping a callback goes (asyncio's exception handler).
        self.on_error = None
        # A pipe the pool threads write to so that a loop asleep in select() wakes up.
        self._wake_r, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._woken = False
        self._wake_lock = threading.Lock()
        self.add_reader(self._wake_r, self._drain_wake)

    # --- asyncio-compatible subset ---
    def time(self):
        return time.monotonic()

    def _update(self, fd):
        events = (selectors.EVENT_READ if fd in self._readers else 0) | (selectors.EVENT_WRITE if fd in self._writers else 0)
        try:
            key = self._selector.get_key(fd)
        except KeyError:
            key = None
        if events == 0:
            if key is not None:
                self._selector.unregister(fd)
        elif key is None:
            self._selector.register(fd, events)
        elif key.events != events:
            self._selector.modify(fd, events)

    def add_reader(self, fd, callback, *args):
        self._readers[fd] = (callback, args)
        self._update(fd)

    def remove_reader(self, fd):
        if self._readers.pop(fd, None) is None:
            return False
        self._update(fd)
        return True

    def add_writer(self, fd, callback, *args):
        self._writers[fd] = (callback, args)
        self._update(fd)

    def remove_writer(self, fd):
        if self._writers.pop(fd, None) is None:
            return False
        self._update(fd)
        return True

    def call_soon(self, callback, *args):
        handle = TimerHandle(0, callback, args)
        self._ready.append(handle)
        return handle

    def call_later(self, delay, callback, *args):
        handle = TimerHandle(self.time() + max(0.0, delay), callback, args)
        heapq.heappush(self._timers, (handle.when, next(self._sequence), handle))
        return handle

    def call_soon_threadsafe(self, callback, *args):
        handle = TimerHandle(0, callback, args)
        self._threadsafe.append(handle)
        with self._wake_lock:
            if not self._woken:
                self._woken = True
                try:
                    os.write(self._wake_w, b'x')
                except BlockingIOError:
                    pass
        return handle

    def stop(self):
        self._stopping = True

    def in_loop_thread(self):
        return self._thread is None or self._thread is threading.current_thread()

    # --- running ---
    def _drain_wake(self):
        with self._wake_lock:
            self._woken = False
            try:
                while os.read(self._wake_r, 4096):
                    pass
            except BlockingIOError:
                pass
        while self._threadsafe:
            self._ready.append(self._threadsafe.popleft())

    def _call(self, callback, args):
        try:
            callback(*args)
        except Exception as e:  # a bug in one callback must not stop the loop
            if self.on_error is None:
                raise
            self.on_error(e)

    def _run_ready(self):
        for _ in range(len(self._ready)):
            handle = self._ready.popleft()
            if not handle.cancelled:
                self._call(handle.callback, handle.args)

    def run_forever(self):
        self._thread = threading.current_thread()
        self._stopping = False
        while not self._stopping:
            timeout = None
            if self._ready or self._threadsafe:
                timeout = 0
            elif self._timers:
                timeout = max(0.0, self._timers[0][0] - self.time())
            for key, events in self._selector.select(timeout):
                fd = key.fd
                if events & selectors.EVENT_READ:
                    entry = self._readers.get(fd)
                    if entry is not None:
                        self._call(entry[0], entry[1])
                if events & selectors.EVENT_WRITE:
                    entry = self._writers.get(fd)
                    if entry is not None:
                        self._call(entry[0], entry[1])
            while self._threadsafe:
                self._ready.append(self._threadsafe.popleft())
            now = self.time()
            while self._timers and self._timers[0][0] <= now:
                handle = heapq.heappop(self._timers)[2]
                if not handle.cancelled:
                    self._ready.append(handle)
            self._run_ready()

    def close(self):
        self._selector.close()
        os.close(self._wake_r)
        os.close(self._wake_w)
