"""Streams: products appended from a Pub/Sub subscription, in micro-batches.

A domain that ingests a stream declares its message contract (a pydantic model in its
contracts) and how a valid message becomes rows of its product; the platform does the
rest, the same way for every stream (:mod:`mesh_platform.streams.consumer`): pull a
micro-batch, validate every message, set aside the invalid ones in the product's
dead-letter table with the rule they broke and their raw payload
(:mod:`mesh_platform.streams.dead_letter`), drop the events already published, append
the others through write-audit-publish (:func:`mesh_platform.wap.publish_product`),
refresh the products that follow the stream for the keys the batch touched
(:mod:`mesh_platform.streams.follow`), and acknowledge the batch only then.
"""
