"""Routers for the people directory, own profile and the department tree."""

from ninja import Router

people_router = Router(tags=["people"])
me_router = Router(tags=["me"])
departments_router = Router(tags=["departments"])
