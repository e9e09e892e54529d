"""The shared kernel: what facilitation, the Koffiehoek and the edges (api, pages, export)
use alike: refusals with their HTTP status, ids, tokens, the clock, body checks,
languages, field limits and the warm-up questions.

It imports only the standard library and itself, so any part of Sprankel may use it and
a change above it can never break it. What belongs to one feature stays in that feature.
"""
