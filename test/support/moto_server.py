"""The AWS emulator the tests talk to: moto's real HTTP server, in a process of our own.

Run: python moto_server.py --port PORT [--host 127.0.0.1]
Prints "READY <port>" once it answers. The same script runs as a Dagger service in the
pipeline's `test` function, so everything a test needs from it goes over HTTP.
"""
import argparse
import signal
import sys
import threading

from moto.server import ThreadedMotoServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()

    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    print(f"READY {args.port}", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
