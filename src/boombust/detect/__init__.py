"""Bubble detection: explosive-root tests (PSY) and LPPLS fits with the FCO indicators.

LPPLS: :mod:`boombust.detect.lppls` (one fit) and :mod:`boombust.detect.lppls_indicators`
(DS LPPLS Confidence and Trust).
"""
