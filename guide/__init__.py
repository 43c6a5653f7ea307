"""Guide: orientation to first-line social services in Québec.

Data flows one way: corpus -> index -> (triage, locate, retrieve) -> compose -> CLI / API / UI.
"""

__version__ = "0.1.0"
