"""One router per resource: chat, services, search, needs, health, hsds, feedback. ``guide.api.app``
only assembles them."""
