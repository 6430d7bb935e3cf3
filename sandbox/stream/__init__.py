"""The local world's live streams: booking events published to the Pub/Sub emulator."""
