"""Router for communities, memberships, join requests and invitations."""

from ninja import Router

router = Router(tags=["communities"])
