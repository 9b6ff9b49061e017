"""The app process's side of Weft's control protocol: the ONE place that
knows the method names and what the process does with them, so that a
rename in Weft is a one-line change here.

Today (src/plugins/application/protocol.ts) the process has one channel, on
fd 3, to the router that asked for it, known here as pid SUPERVISOR:

  in   app.serve  {direct, serverHeader, requestLimit, http} + listening fds
                  (direct mode: accept on them; answered {})
  in   app.adopt  {transport?: "frames" | "http"} + a connected stream socket
                  to serve (Weft's frames, or HTTP/1.1 as today's router
                  writes it; "http" when absent)
  in   app.stop   {graceMs}: finish what is in flight, then exit 0
  out  router.app-ready  {}
  out  router.app-failed {reason, code}
  out  router.app-load   {active, total, direct: {accepted, closed, requests, active}}
       (at most every 100 ms, only when it changed)

Channels to more peers (main, several routers) arrive as NEW_PORT messages
and are taken by port.install_kernel_handlers; QUIT and SIGTERM stop the
process as app.stop does.
"""
import os

from .server_base import DirectSettings

SUPERVISOR_PID = 0
SUPERVISOR_INFO = {'pid': SUPERVISOR_PID, 'type': 'router', 'cls': 'router', 'name': 'router'}

M_SERVE = 'app.serve'
M_ADOPT = 'app.adopt'
M_STOP = 'app.stop'
M_READY = 'router.app-ready'
M_FAILED = 'router.app-failed'
M_LOAD = 'router.app-load'

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

    def install(self, serving=True):
        """``serving``: False for a process that only reports that it cannot start."""
        port = self.port
        port.on('peer-closed', self._peer_closed)
        if not serving:
            return
        port.handle(M_SERVE, self._serve)
        port.on_notify(M_ADOPT, self._adopt)
        port.on_notify(M_STOP, lambda params, ctx: self.stop((params or {}).get('graceMs', 30000) / 1000.0))
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
        if params.get('direct'):
            done = self.server.listen(ctx.fds, DirectSettings(params.get('http')), params.get('serverHeader') or 'Weft')
            if done is not None:
                # ASGI: the listeners are made on the loop; answer once they are.
                future = self.port.loop.create_future()
                done.add_done_callback(lambda f: future.set_exception(f.exception()) if f.exception() else future.set_result({}))
                return future
        else:
            self.server.unlisten()
            for fd in ctx.fds:
                os.close(fd)
        return {}

    def _adopt(self, params, ctx):
        if not ctx.fds:
            return
        for extra in ctx.fds[1:]:
            os.close(extra)
        kind = (params or {}).get('transport') or 'http'
        if self._stopping or kind not in ('http', 'frames'):
            os.close(ctx.fds[0])
            return
        self.server.adopt(ctx.fds[0], kind)

    def _peer_closed(self, peer):
        if peer.get('pid') == SUPERVISOR_PID:
            if not self._failed:
                self.log.info('the router closed its channel; exiting')
            self._exit(1 if self._failed else 0)

    def _request_done(self):
        limit = self._request_limit
        if limit and not self._retiring and self.server.stats.total >= limit:
            self._retiring = True
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
