"""Code location of the bookings domain: assembles, nothing more."""

import dagster as dg

from domains.bookings.stream import BOOKING_STREAM
from mesh_platform.location import domain_definitions
from mesh_platform.streams.sensor import stream_sensor

defs = dg.Definitions.merge(
    domain_definitions("bookings"), dg.Definitions(sensors=[stream_sensor(BOOKING_STREAM)])
)
