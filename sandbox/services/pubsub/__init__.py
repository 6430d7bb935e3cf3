"""Google Pub/Sub for the booking stream, through the Google Cloud CLI's emulator.

Production's booking stream is a Pub/Sub topic; locally, the emulator of Debian's
``google-cloud-cli-pubsub-emulator`` package (Java) stands in for it, started from its
own launcher (:data:`EMULATOR_LAUNCHER`), not through ``gcloud beta emulators``:

- the package is installed with apt-get when the launcher is missing
  (:func:`ensure_emulator`);
- the emulator keeps its data in ``<state>/pubsub-emulator/data`` and listens on a free
  port of 127.0.0.1, as long as the process that started it (:class:`LocalPubSub`);
- clients reach it through ``PUBSUB_EMULATOR_HOST`` (:meth:`LocalPubSub.environment`),
  the variable the Google client libraries read, so the same code talks to Pub/Sub
  itself in production;
- :func:`mesh_platform.streams.pubsub.ensure_subscription` creates a topic and its
  subscription when missing.
"""

from sandbox.services.pubsub.emulator import (
    EMULATOR_LAUNCHER,
    PACKAGE,
    LocalPubSub,
    PubSubError,
    ensure_emulator,
)

__all__ = [
    "EMULATOR_LAUNCHER",
    "PACKAGE",
    "LocalPubSub",
    "PubSubError",
    "ensure_emulator",
]
