"""Entry point of a Weft Python application process (what the ``python``
plugin runs: ``<interpreter> -u <this file>``). The runtime package is found
next to this file; that directory then leaves sys.path, so the app's own
imports see only what they would under any other server."""
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or os.curdir) == _here:
    del sys.path[0]
sys.path.insert(0, _here)
try:
    from weft_python import boot
finally:
    sys.path.remove(_here)

if __name__ == '__main__':
    boot.main()
