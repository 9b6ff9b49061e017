"""Weft's log line, as every Weft process writes it.

``2026/11/27 05:03:37 [info] 9265#9265 "app" application: message``: one
``os.write`` per record on fd 2 (the log main handed down, opened with
O_APPEND), so lines of several processes and threads never interleave.
A multi-line message keeps its lines, continuations indented.
"""
import os
import threading
import time

LEVELS = ('alert', 'error', 'warn', 'notice', 'info', 'debug')


class Log:
    def __init__(self, level='info', prefix='', fd=2):
        self.fd = fd
        self.prefix = prefix
        self.pid = os.getpid()
        try:
            self.threshold = LEVELS.index(level)
        except ValueError:
            self.threshold = LEVELS.index('info')
        self._second = -1
        self._stamp = ''

    def enabled(self, level):
        return LEVELS.index(level) <= self.threshold

    def _timestamp(self):
        now = int(time.time())
        if now != self._second:
            self._second = now
            self._stamp = time.strftime('%Y/%m/%d %H:%M:%S', time.localtime(now))
        return self._stamp

    def log(self, level, message):
        if LEVELS.index(level) > self.threshold:
            return
        body = self.prefix + message.rstrip('\n')
        if '\n' in body:
            body = body.replace('\n', '\n    ')
        line = '%s [%s] %d#%d %s\n' % (self._timestamp(), level, self.pid, threading.get_native_id(), body)
        data = line.encode('utf-8', 'backslashreplace')
        try:
            while data:
                n = os.write(self.fd, data)
                data = data[n:]
        except OSError:
            # A full disk or a closed log must not take the process down.
            pass

    def alert(self, message):
        self.log('alert', message)

    def error(self, message):
        self.log('error', message)

    def warn(self, message):
        self.log('warn', message)

    def notice(self, message):
        self.log('notice', message)

    def info(self, message):
        self.log('info', message)

    def debug(self, message):
        self.log('debug', message)


class ErrorStream:
    """``wsgi.errors`` (and anything else that wants a file for the log): whole
    lines go to the log at [error], as Unit writes them; a partial line waits
    for its end or a flush()."""

    def __init__(self, log, level='error'):
        self._log = log
        self._level = level
        self._partial = ''
        self._lock = threading.Lock()

    def write(self, text):
        if isinstance(text, bytes):
            text = text.decode('utf-8', 'replace')
        with self._lock:
            text = self._partial + text
            lines = text.split('\n')
            self._partial = lines.pop()
        for line in lines:
            self._log.log(self._level, line)
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        with self._lock:
            rest, self._partial = self._partial, ''
        if rest:
            self._log.log(self._level, rest)

    def writable(self):
        return True

    def isatty(self):
        return False
