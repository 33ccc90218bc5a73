"""Stamped reads from Redis without a round trip: versions kept current by bump messages.

A fast path answers in a few dozen microseconds; a Redis round trip costs
more than that. So for stamped entries (`Cache.get_stamped`) each process
keeps the namespace versions it has read and a short-lived copy of the
entries, and every bump is also published on a channel this process listens
to: a bump's message makes the process forget that namespace's version, and
the next read fetches it again.

The channel is read without blocking at the start of every stamped read, so
a bump published before a request arrives is seen by that request (Redis has
written the message to this process's socket before it answered the bump).
Until the subscription is confirmed, and whenever it breaks, reads go to
Redis every time, as without this layer.

A version read from Redis is trusted for `TRUST_SECONDS` at most, then read
again: should the subscription die without the socket saying so (a network
partition), a bump is still seen that late at most. Entry copies live
`COPY_SECONDS` at most, so an entry that expires or is replaced in Redis
without a bump (nothing does that today) is seen late by that much at most.
"""

from __future__ import annotations

import contextlib
import select
import threading
import time
from collections.abc import Callable, Sequence

import redis

from syllabus.kit.memo import BoundedMemo

CHANNEL = "cache-bumps"
FORGET_ALL = b"*"
TRUST_SECONDS = 1.0
COPY_SECONDS = 5.0
COPIES = 256


class NearVersions:
    """This process's view of namespace versions, valid while subscribed to the bumps."""

    def __init__(self, client: redis.Redis, channel: str) -> None:
        self.client = client
        self.channel = channel
        self._pubsub: redis.client.PubSub | None = None
        self._synced = False
        # namespace -> (version, when it stops being trusted)
        self._versions: dict[str, tuple[int, float]] = {}
        # Advanced by every forgotten version: a version read from Redis is only
        # kept if no bump message arrived while it was being read.
        self.epoch = 0
        self._lock = threading.Lock()
        self._poller = select.poll()
        self._polled: object = None

    def poll(self) -> bool:
        """Apply the bump messages received so far; True when the view can be trusted."""
        with self._lock:
            try:
                if self._pubsub is None:
                    self._pubsub = self.client.pubsub()
                    self._pubsub.subscribe(self.channel)
                if self._may_have_messages(self._pubsub):
                    while (message := self._pubsub.get_message(timeout=0)) is not None:
                        self._apply(message)
            except (redis.RedisError, OSError):
                self._drop_subscription()
            return self._synced

    def _may_have_messages(self, pubsub: redis.client.PubSub) -> bool:
        """False only when the socket has nothing to read: one poll(2), not redis-py's read path.

        Messages are always drained completely, so none waits in redis-py's buffer.
        """
        sock = getattr(pubsub.connection, "_sock", None)
        if sock is None:
            return True
        if self._polled is not sock:
            self._poller = select.poll()
            self._poller.register(sock, select.POLLIN | select.POLLERR | select.POLLHUP)
            self._polled = sock
        return bool(self._poller.poll(0))

    def _apply(self, message: dict[str, object]) -> None:
        if message["type"] == "subscribe":
            self._synced = True
            self._forget_all()
        elif message["type"] == "message":
            data = message["data"]
            if data == FORGET_ALL or not isinstance(data, bytes):
                self._forget_all()
            else:
                self._versions.pop(data.decode(), None)
                self.epoch += 1

    def _forget_all(self) -> None:
        self._versions.clear()
        self.epoch += 1

    def _drop_subscription(self) -> None:
        self._synced = False
        self._forget_all()
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(redis.RedisError):
                pubsub.close()

    def known(self, namespaces: Sequence[str]) -> list[int] | None:
        now = time.monotonic()
        versions = []
        for namespace in namespaces:
            known = self._versions.get(namespace)
            if known is None or known[1] <= now:
                return None
            versions.append(known[0])
        return versions

    def learn(self, namespaces: Sequence[str], versions: Sequence[int], epoch: int) -> None:
        """Keep versions read from Redis, unless a bump arrived since `epoch`."""
        until = time.monotonic() + TRUST_SECONDS
        with self._lock:
            if self._synced and epoch == self.epoch:
                for namespace, version in zip(namespaces, versions, strict=True):
                    self._versions[namespace] = (version, until)

    def close(self) -> None:
        with self._lock:
            self._drop_subscription()


class NearStampedReads:
    """`get_stamped` for Redis with the versions and entry copies held in this process.

    `fetch(namespaces, key)` reads the versions and the raw entry from Redis in
    one round trip; it is what every read costs while not subscribed.
    """

    def __init__(
        self,
        client: redis.Redis,
        channel: str,
        fetch: Callable[[Sequence[str], str], tuple[list[int], bytes | None]],
        stamp_of: Callable[[Sequence[int]], bytes],
    ) -> None:
        self.versions = NearVersions(client, channel)
        self._fetch = fetch
        self._stamp_of = stamp_of
        self._copies: BoundedMemo[str, tuple[float, bytes]] = BoundedMemo(COPIES)

    def read(self, namespaces: Sequence[str], key: str) -> tuple[bytes, bytes | None]:
        """(the stamp of the namespaces' current versions, the raw entry: maybe stale)."""
        if not self.versions.poll():
            versions, entry = self._fetch(namespaces, key)
            return self._stamp_of(versions), entry
        known = self.versions.known(namespaces)
        if known is not None:
            stamp = self._stamp_of(known)
            copy = self._copies.get(key)
            if copy is not None and copy[0] > time.monotonic() and copy[1].startswith(stamp):
                return stamp, copy[1]
        epoch = self.versions.epoch
        versions, entry = self._fetch(namespaces, key)
        self.versions.learn(namespaces, versions, epoch)
        if entry is not None:
            self._copies.put(key, (time.monotonic() + COPY_SECONDS, entry))
        return self._stamp_of(versions), entry

    def forget_copies(self) -> None:
        self._copies.clear()

    def close(self) -> None:
        self.versions.close()
