"""The process title ``ps ax -o command`` shows, as Node's does for Weft's
other processes: ``weft: "app" application``.

Linux keeps a process's argv strings in one block whose bounds
/proc/self/stat names (arg_start, arg_end, fields 48-49). CPython copied
its arguments at start-up and never reads that block again, so the title is
written over it (as libuv and setproctitle do), padded with NULs; and the
comm name (``ps -o comm``, 15 bytes) is set with prctl(PR_SET_NAME). Any
failure leaves the title as it was: a title is not worth a crash.
"""
import ctypes
import ctypes.util

PR_SET_NAME = 15


def _libc():
    try:
        return ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6', use_errno=True)
    except OSError:
        return None


def _argv_block():
    with open('/proc/self/stat', 'rb') as f:
        stat = f.read()
    # comm may hold spaces and parentheses: the fields start after the last ')'.
    fields = stat[stat.rindex(b')') + 2:].split()
    # fields[0] is field 3 (state): arg_start is field 48, arg_end field 49.
    return int(fields[45]), int(fields[46])


def set_process_title(title):
    libc = _libc()
    if libc is None:
        return False
    data = title.encode('utf-8')
    try:
        libc.prctl(PR_SET_NAME, ctypes.c_char_p(data[:15]), 0, 0, 0)
    except Exception:
        pass
    try:
        start, end = _argv_block()
    except (OSError, ValueError, IndexError):
        return False
    size = end - start
    if size <= 1:
        return False
    text = data[:size - 1]
    ctypes.memmove(start, text + b'\0' * (size - len(text)), size)
    return True
