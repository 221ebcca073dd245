"""What a signed-in user is responsible for: the one place roles are turned into org units.

Scopes are cached per process for at most ``TTL_SECONDS`` (see ``linli.core.cache``): a role granted or
withdrawn in this process applies at once, in another process within ``TTL_SECONDS``.  A cached Scope is shared
between requests, so it is immutable (frozen, with a read-only ``grid_community``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from linli.core.cache import ProcessCache

from .choices import Role

TTL_SECONDS = 5.0

# A grid moving to another community changes grid_community, hence Grid.
_scopes: ProcessCache[int, Scope] = ProcessCache(
    "linli.accounts.scope", ttl=TTL_SECONDS, watch=["accounts.RoleAssignment", "org.Grid"]
)


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    roles: frozenset[str] = frozenset()
    worker_grid_ids: frozenset[int] = frozenset()
    leader_grid_ids: frozenset[int] = frozenset()
    community_ids: frozenset[int] = frozenset()  # as secretary
    street_ids: frozenset[int] = frozenset()
    department_ids: frozenset[int] = frozenset()
    reporter_community_ids: frozenset[int] = frozenset()
    # community of every grid above, so intake can default a case's community
    grid_community: Mapping[int, int] = field(default_factory=dict)

    @classmethod
    def for_user(cls, user) -> Scope:
        """The user's scope, from the process cache when it is fresh."""
        if not getattr(user, "is_authenticated", False) or user.pk is None:
            return cls(user_id=None)
        return _scopes.get(user.pk, cls._load)

    @classmethod
    def _load(cls, user_id: int) -> Scope:
        """Read the user's role assignments (one query)."""
        from .models import RoleAssignment

        rows = RoleAssignment.objects.filter(user_id=user_id).values_list(
            "role", "grid_id", "grid__community_id", "community_id", "street_id", "department_id"
        )
        roles, worker, leader, communities, streets, departments, reporter = (
            set(),
            set(),
            set(),
            set(),
            set(),
            set(),
            set(),
        )
        grid_community: dict[int, int] = {}
        for role, grid_id, grid_community_id, community_id, street_id, department_id in rows:
            roles.add(role)
            if grid_id:
                grid_community[grid_id] = grid_community_id
            if role == Role.GRID_WORKER and grid_id:
                worker.add(grid_id)
            elif role == Role.GRID_LEADER and grid_id:
                leader.add(grid_id)
            elif role == Role.SECRETARY and community_id:
                communities.add(community_id)
            elif role == Role.STREET_OFFICER and street_id:
                streets.add(street_id)
            elif role == Role.DEPARTMENT and department_id:
                departments.add(department_id)
            elif role == Role.REPORTER and community_id:
                reporter.add(community_id)
        return cls(
            user_id=user_id,
            roles=frozenset(roles),
            worker_grid_ids=frozenset(worker),
            leader_grid_ids=frozenset(leader),
            community_ids=frozenset(communities),
            street_ids=frozenset(streets),
            department_ids=frozenset(departments),
            reporter_community_ids=frozenset(reporter),
            grid_community=MappingProxyType(grid_community),
        )

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def grid_ids(self) -> frozenset[int]:
        return self.worker_grid_ids | self.leader_grid_ids

    @property
    def is_staff_member(self) -> bool:
        """Community-side staff: may take in and handle cases."""
        return bool(
            self.roles & {Role.GRID_WORKER, Role.GRID_LEADER, Role.SECRETARY, Role.STREET_OFFICER, Role.ADMIN}
        )

    @property
    def is_department_only(self) -> bool:
        return self.roles == {Role.DEPARTMENT}

    @property
    def is_reporter_only(self) -> bool:
        return self.roles == {Role.REPORTER}

    @property
    def grid_community_ids(self) -> frozenset[int]:
        """The communities the user's grids belong to."""
        return frozenset(self.grid_community[g] for g in self.grid_ids)

    def default_community_id(self) -> int | None:
        for ids in (self.community_ids, self.grid_community_ids, self.reporter_community_ids):
            if len(ids) == 1:
                return next(iter(ids))
        return None
