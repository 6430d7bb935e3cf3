"""Where Pub/Sub is, and its clients: Google Pub/Sub itself or its emulator.

Production talks to Pub/Sub with the environment's credentials; locally, and in the
tests, the same code talks to the Google Cloud CLI's emulator, named by the
``PUBSUB_EMULATOR_HOST`` variable that Google's client libraries read (an insecure
gRPC channel, no credentials). :func:`endpoint_from_environment` decides which, once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from google.cloud.pubsub_v1 import PublisherClient, SubscriberClient

EMULATOR_HOST_VARIABLE = "PUBSUB_EMULATOR_HOST"
"""The variable naming the emulator (``host:port``), as Google's libraries read it."""
PROJECT_VARIABLE = "PUBSUB_PROJECT_ID"
"""The variable naming the Google Cloud project of the topics."""
DEFAULT_PROJECT = "trident-local"


@dataclass(frozen=True)
class PubSubEndpoint:
    """Where the mesh's topics and subscriptions are.

    Attributes:
        project: the Google Cloud project of the topics and subscriptions.
        emulator_host: ``host:port`` of an emulator, or ``None`` for Pub/Sub itself.
    """

    project: str
    emulator_host: str | None = None


def endpoint_from_environment(environ: dict[str, str] | None = None) -> PubSubEndpoint:
    """The endpoint the environment names: ``PUBSUB_PROJECT_ID`` (else
    ``GOOGLE_CLOUD_PROJECT``, else ``trident-local``) and ``PUBSUB_EMULATOR_HOST``.

    Example:
        >>> endpoint_from_environment({"PUBSUB_EMULATOR_HOST": "127.0.0.1:8085"})
        PubSubEndpoint(project='trident-local', emulator_host='127.0.0.1:8085')
    """
    env = os.environ if environ is None else environ
    project = env.get(PROJECT_VARIABLE) or env.get("GOOGLE_CLOUD_PROJECT") or DEFAULT_PROJECT
    return PubSubEndpoint(project=project, emulator_host=env.get(EMULATOR_HOST_VARIABLE) or None)


def publisher_client(endpoint: PubSubEndpoint) -> PublisherClient:
    """A publisher client for ``endpoint`` (batching, retries: the library's defaults)."""
    from google.cloud.pubsub_v1 import PublisherClient

    if endpoint.emulator_host is None:
        return PublisherClient()
    import grpc
    from google.pubsub_v1.services.publisher.transports import PublisherGrpcTransport

    channel = grpc.insecure_channel(endpoint.emulator_host)
    return PublisherClient(transport=PublisherGrpcTransport(channel=channel))


def subscriber_client(endpoint: PubSubEndpoint) -> SubscriberClient:
    """A subscriber client for ``endpoint`` (synchronous pull and acknowledge)."""
    from google.cloud.pubsub_v1 import SubscriberClient

    if endpoint.emulator_host is None:
        return SubscriberClient()
    import grpc
    from google.pubsub_v1.services.subscriber.transports import SubscriberGrpcTransport

    channel = grpc.insecure_channel(endpoint.emulator_host)
    return SubscriberClient(transport=SubscriberGrpcTransport(channel=channel))


def ensure_subscription(
    endpoint: PubSubEndpoint, topic: str, subscription: str, *, ack_deadline_s: int = 60
) -> None:
    """Create ``topic`` and its pull ``subscription`` unless they exist (the emulator
    starts empty; in production they are declared with the deployment).

    Args:
        endpoint: where Pub/Sub is (the emulator's host, the project).
        topic: the topic's short name.
        subscription: the subscription's short name.
        ack_deadline_s: seconds a pulled message stays leased before it is redelivered.
    """
    import contextlib

    from google.api_core.exceptions import AlreadyExists

    publisher = publisher_client(endpoint)
    subscriber = subscriber_client(endpoint)
    topic_path = publisher.topic_path(endpoint.project, topic)
    with contextlib.suppress(AlreadyExists):
        publisher.create_topic(request={"name": topic_path})
    with contextlib.suppress(AlreadyExists):
        subscriber.create_subscription(
            request={
                "name": subscriber.subscription_path(endpoint.project, subscription),
                "topic": topic_path,
                "ack_deadline_seconds": ack_deadline_s,
            }
        )
    subscriber.close()


__all__ = [
    "EMULATOR_HOST_VARIABLE",
    "PROJECT_VARIABLE",
    "PubSubEndpoint",
    "endpoint_from_environment",
    "ensure_subscription",
    "publisher_client",
    "subscriber_client",
]
