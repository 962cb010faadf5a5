"""A minimal Channels chat consumer: ``group_send`` per message, nothing else.

``/ws/minimal/<room>/`` on the same daphne, settings and channel layer as the project's
chat, so the difference between the two is the project's own work (authentication,
membership, the database, the fan-out design).
"""

import json

from channels.generic.websocket import AsyncWebsocketConsumer


class MinimalChatConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.group = f"bench-minimal-{self.scope['url_route']['kwargs']['room']}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        frame = json.loads(text_data)
        out = json.dumps(
            {"type": "message", "client_id": frame.get("client_id"), "body": frame.get("body")}
        )
        await self.channel_layer.group_send(self.group, {"type": "chat.message", "text": out})

    async def chat_message(self, event):
        await self.send(event["text"])
