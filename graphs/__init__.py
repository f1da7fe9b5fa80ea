"""chainmap's bundled data: chains, vocabulary, shapes, profile, regions, samples.

Installed as the ``chainmap.graphs`` package; see ``README.md`` in this folder
for the source of every file. Read it through ``chainmap.model.catalog``.
"""
