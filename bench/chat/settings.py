"""Settings for the chat benchmark: the bench settings, the rate limit off, own Redis keys.

The benchmark's one sender per room sends 5 or 20 messages a second, far above the
per-user limit of 10 messages in 10 s, so ``CHAT_RATE_LIMIT`` (count, seconds) is raised
out of the way here. On Redis the channel layer and the cache use their own key prefix so a
run never mixes with a developer's server or the tests.
"""

import copy

from bench.settings import *  # noqa: F403
from bench.settings import CACHES, CHANNEL_LAYERS, REDIS_URL

CHAT_RATE_LIMIT = (1_000_000, 10)

CHANNEL_LAYERS = copy.deepcopy(CHANNEL_LAYERS)
CACHES = copy.deepcopy(CACHES)
if REDIS_URL:
    CHANNEL_LAYERS["default"].setdefault("CONFIG", {})["prefix"] = "lms-bench:channels"
    CACHES["default"]["KEY_PREFIX"] = "lms-bench"
