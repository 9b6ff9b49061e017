"""The app process's side of Weft's control protocol: the ONE place that
knows the method names and what the process does with them, so that a
rename in Weft is a one-line change here.

The protocol (src/plugins/application/protocol.ts): the process has a
channel on fd 3 to main, its supervisor (pid SUPERVISOR, from its boot
record), and one to each router, which arrive as NEW_PORT messages (taken by
port.install_kernel_handlers):

  in   app.serve     {listeners, ...} + fds: what to serve. A Python process
                     never accepts on a listener itself (it does not run
                     Weft's request engine, so the router accepts for it);
                     any fds are closed. Answered {}.
  in   app.counters  {slots} + a memfd (from a router): slots 32-bit counters,
                     one per routed connection, of the requests read on it
  in   app.adopt     {slot, transport?: "frames" | "http"} + a connected stream
                     socket to serve (Weft's frames, or HTTP/1.1; "http" when
                     absent), whose requests are counted in `slot`
  in   app.stop      {graceMs}: finish what is in flight, then exit 0
  in   app.router-retiring {pid}: ignored (routers accept for Python apps; nothing is relayed)
  out  main.app-ready  {}
  out  main.app-failed {reason, code}
  out  main.app-load   {active, total, direct: {accepted, closed, requests, active}}
       (at most every 100 ms, only when it changed)
  out  main.app-retire {} when limits.requests is reached (it then drains)

QUIT and SIGTERM stop the process as app.stop does.
"""
import mmap
import os

SUPERVISOR_PID = 0
SUPERVISOR_INFO = {'pid': SUPERVISOR_PID, 'type': 'main', 'cls': 'main', 'name': 'main'}


def set_supervisor(pid):
    """main's pid, from the boot record (WEFT_APP's mainPid)."""
    global SUPERVISOR_PID
    SUPERVISOR_PID = pid
    SUPERVISOR_INFO['pid'] = pid


M_SERVE = 'app.serve'
M_ADOPT = 'app.adopt'
M_COUNTERS = 'app.counters'
M_STOP = 'app.stop'
M_ROUTER_RETIRING = 'app.router-retiring'
M_READY = 'main.app-ready'
M_FAILED = 'main.app-failed'
M_LOAD = 'main.app-load'
M_RETIRE = 'main.app-retire'

LOAD_INTERVAL = 0.1
# limits.requests: the last request's process leaves with this grace, as Node's does.
RETIRE_GRACE = 30.0
# SIGTERM or QUIT: the prototype sends SIGKILL 5 s after SIGTERM.
QUIT_GRACE = 2.5
# A process that cannot start waits this long at most for the supervisor to take its reason.
FAILED_LINGER = 2.0


class Control:
    """``server``: a SyncServer or AsyncServer. ``before_exit(then)``: work
    to do once drained (ASGI's lifespan shutdown), calling ``then()`` when
    done. ``exit(code)`` ends the process."""

    def __init__(self, port, server, log, exit, before_exit=None):
        self.port = port
        self.server = server
        self.log = log
        self._exit = exit
        self._before_exit = before_exit
        self._request_limit = 0
        self._retiring = False
        self._stopping = False
        self._reported = None
        self._load_timer = None
        self._failed = False
        # Per router: its counters of the requests read on each routed connection.
        self._counters = {}

    def install(self, serving=True):
        """``serving``: False for a process that only reports that it cannot start."""
        port = self.port
        port.on('peer-closed', self._peer_closed)
        if not serving:
            return
        port.handle(M_SERVE, self._serve)
        port.on_notify(M_ADOPT, self._adopt)
        port.on_notify(M_COUNTERS, self._take_counters)
        port.on_notify(M_STOP, lambda params, ctx: self.stop((params or {}).get('graceMs', 30000) / 1000.0))
        # A router worker retiring: a Python process relays nothing to routers (they accept for it).
        port.on_notify(M_ROUTER_RETIRING, lambda params, ctx: None)
        self.server.on_request_done = self._request_done
        self._load_timer = port.loop.call_later(LOAD_INTERVAL, self._report_load)

    # --- out ---
    def ready(self):
        self.port.notify(SUPERVISOR_PID, M_READY, {})

    def failed(self, reason, code=None):
        """Tells why the app cannot start, then ends the process with status 1:
        once the supervisor closes the channel, or FAILED_LINGER later. Not at
        once: its exit reaches the supervisor on another channel (the
        prototype's), and must not overtake the reason."""
        self._failed = True
        params = {'reason': reason}
        if code is not None:
            params['code'] = code
        self.port.notify(SUPERVISOR_PID, M_FAILED, params)
        self.port.loop.call_later(FAILED_LINGER, self._exit, 1)

    def _report_load(self):
        snapshot = self.server.stats.snapshot()
        if snapshot != self._reported:
            self._reported = snapshot
            self.port.notify(SUPERVISOR_PID, M_LOAD, snapshot)
        self._load_timer = self.port.loop.call_later(LOAD_INTERVAL, self._report_load)

    # --- in ---
    def _serve(self, params, ctx):
        params = params or {}
        self._request_limit = params.get('requestLimit') or 0
        self.server.unlisten()
        for fd in ctx.fds:
            os.close(fd)
        return {}

    def _take_counters(self, params, ctx):
        if not ctx.fds:
            return
        try:
            slots = int((params or {}).get('slots') or 0)
            shared = mmap.mmap(ctx.fds[0], slots * 4)
            self._counters[ctx.sender] = memoryview(shared).cast('i')
        except (OSError, ValueError) as e:
            self.log.warn('cannot map a router\'s request counters: %s' % e)
        finally:
            for fd in ctx.fds:
                os.close(fd)

    def _adopt(self, params, ctx):
        if not ctx.fds:
            return
        for extra in ctx.fds[1:]:
            os.close(extra)
        kind = (params or {}).get('transport') or 'http'
        if self._stopping or kind not in ('http', 'frames'):
            os.close(ctx.fds[0])
            return
        slot = (params or {}).get('slot', -1)
        table = self._counters.get(ctx.sender)
        reads = (table, slot) if table is not None and isinstance(slot, int) and 0 <= slot < len(table) else None
        self.server.adopt(ctx.fds[0], kind, reads)

    def _peer_closed(self, peer):
        if peer.get('pid') == SUPERVISOR_PID:
            if not self._failed:
                self.log.info('main closed its channel; exiting')
            self._exit(1 if self._failed else 0)
        else:
            # A router that goes costs only the connections it handed over.
            self._counters.pop(peer.get('pid'), None)

    def _request_done(self):
        limit = self._request_limit
        if limit and not self._retiring and self.server.stats.total >= limit:
            self._retiring = True
            self.port.notify(SUPERVISOR_PID, M_RETIRE, {})
            self.stop(RETIRE_GRACE)

    # --- stopping ---
    def stop(self, grace):
        if self._stopping:
            return
        self._stopping = True
        loop = self.port.loop
        timer = loop.call_later(grace, self._finish)
        self._grace_timer = timer
        self.server.stop(self._drained)

    def _drained(self):
        self._grace_timer.cancel()
        self._finish()

    def _finish(self):
        if self._load_timer is not None:
            self._load_timer.cancel()
            self._load_timer = None
        self._report_load_now()
        if self._before_exit is not None:
            before, self._before_exit = self._before_exit, None
            before(lambda: self._exit(0))
        else:
            self._exit(0)

    def _report_load_now(self):
        snapshot = self.server.stats.snapshot()
        if snapshot != self._reported:
            self._reported = snapshot
            self.port.notify(SUPERVISOR_PID, M_LOAD, snapshot)
