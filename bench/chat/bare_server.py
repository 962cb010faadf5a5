"""A bare ``websockets`` broadcast server: the baseline the chat is measured against.

``/ws/bare/<room>/``: every text frame ``{"type": "message.send", "client_id", "body"}`` is
parsed and a ``{"type": "message", "client_id", "body"}`` frame is broadcast to every
connection of the room, the sender included. No database, no authentication, one process.

    python -m bench.chat.bare_server --port 8765
"""

import argparse
import asyncio
import json
from collections import defaultdict

from websockets.asyncio.server import broadcast, serve

rooms = defaultdict(set)


async def handler(connection):
    parts = connection.request.path.strip("/").split("/")
    if len(parts) != 3 or parts[:2] != ["ws", "bare"]:
        await connection.close(code=4404)
        return
    members = rooms[parts[2]]
    members.add(connection)
    try:
        async for text in connection:
            frame = json.loads(text)
            out = json.dumps(
                {"type": "message", "client_id": frame.get("client_id"), "body": frame.get("body")}
            )
            broadcast(members, out)
    finally:
        members.discard(connection)


async def main(host, port):
    async with serve(handler, host, port, ping_interval=None, max_queue=1024):
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(main(args.host, args.port))
