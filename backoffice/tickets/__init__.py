"""Requests in the back office: the queues, a request's page, and the company page's panel."""

from backoffice.tickets import company, page, queues
from backoffice.tickets.queues import visible_tickets

__all__ = ["company", "page", "queues", "visible_tickets"]
