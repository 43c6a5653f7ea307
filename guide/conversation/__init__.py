"""The conversation: a message goes through named stages (clean, triage, locate, language,
understand, orient, compose, ground, write) over one ``Turn``; see ``guide.conversation.pipeline``."""
