#!/usr/bin/env python3
"""A loopback TCP proxy that adds a fixed delay to every request: bench/run's latency variant.

    latency_proxy.py LISTEN_PORT UPSTREAM_PORT DELAY_MS

Listens on 127.0.0.1:LISTEN_PORT and forwards to 127.0.0.1:UPSTREAM_PORT. Each time a client starts
sending after it has received something (a new request on a kept-alive connection, or the first
bytes of a new connection), the bytes wait DELAY_MS before going upstream: one round trip's worth of
latency per request, as from a laptop to an AWS region. Bodies that arrive in several reads are
delayed once. It speaks bytes, not HTTP, so chunked or signed bodies pass unchanged.
"""

import asyncio
import sys

HOST = "127.0.0.1"


async def main(listen_port: int, upstream_port: int, delay: float) -> None:
    async def handle(cr: asyncio.StreamReader, cw: asyncio.StreamWriter) -> None:
        try:
            ur, uw = await asyncio.open_connection(HOST, upstream_port)
        except OSError:
            cw.close()
            return
        # True when the last bytes went server -> client: the client's next bytes start a request.
        turn = {"client_next": True}

        async def up() -> None:
            try:
                while data := await cr.read(65536):
                    if turn["client_next"]:
                        turn["client_next"] = False
                        await asyncio.sleep(delay)
                    uw.write(data)
                    await uw.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                try:
                    uw.write_eof()
                except (OSError, RuntimeError):
                    pass

        async def down() -> None:
            try:
                while data := await ur.read(65536):
                    turn["client_next"] = True
                    cw.write(data)
                    await cw.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                cw.close()

        await asyncio.gather(up(), down())
        uw.close()

    server = await asyncio.start_server(handle, HOST, listen_port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) / 1000))
