"""The stages of a conversation turn, in order. Each module has ``run(turn, engine)``: it reads what
earlier stages filled in the ``Turn`` and fills its own part. ``guide.conversation.pipeline``
runs them and times each."""
