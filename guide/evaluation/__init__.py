"""Evaluation of Guide: metrics, labelled sets, runners. Used by ``guide evaluate`` and scripts."""
