"""Python-built products of the customer_intelligence domain: the CRM lab's two models.

One module per product, named like it: ``lead_scores.py`` and ``campaign_appetence.py``
each declare their product (``@python_product``) and hold its function. The modules
whose name starts with an underscore are not products: they hold the machinery the
models are built from, named for what it computes.

- ``_models.py``: what both models share: the seed, the gradient-boosting fits and
  their metrics, the data's "today" and seasons, the upstream columns both read.
- ``_lead_signals.py``: the dated signals lead scoring learns from.
- ``_lead_candidates.py``: a season's candidate (customer, village) pairs with their
  features, built a block of customers at a time.
- ``_send_history.py``: the campaign history as a learning base (one entry per send)
  and each customer's engagement with every setting.
- ``_household_rfm.py``: each customer's household RFM measures, season by season,
  held once per household.
- ``_segment_moves.py``: the classifier of season-to-season segment transitions.
- ``_movements.py``: the segment movements the recommended settings generate, their
  euros and the totals.
- ``_uplift.py``: campaign appetence evaluated as uplift on a held-out season.
- ``_calibration.py``: the lead scores' calibration and reliability table.

Both models are deterministic: the seed of every random choice is ``MESH_SEED``
(``get_settings().seed``), read when the product is materialised, and "today" is the
latest event in the data, not the wall clock.
"""
