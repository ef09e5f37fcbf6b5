"""askless: count the questions a public self-service process asks, and find how to ask fewer.

The pipeline, one module a stage: ``yamlread`` -> ``load`` (with ``schema``) -> ``validate``
-> ``graph`` / ``evaluate`` -> ``report``. Analysis code is pure; only ``cli.py`` prints.
"""

__version__ = "0.1.0"
